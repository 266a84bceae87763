"""Hostile outputs: what a sandboxed child writes back cannot exhaust the grader's memory, crash
it, stretch a TODO's time limit or read the class's data (issue 18).

Each attack is student code added to the reference solution: the child runs it while grading,
writes its own out/<TODO>.json and .npz (or its own evaluation) and exits. The attacked TODO (or
the training check) fails with a category; the rest of the class is graded as usual.
"""

from __future__ import annotations

import io
import json
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

from autograder import npz
from autograder.sandbox import Limits, running_as_root
from autograder.term_checks import grade_terms

from conftest import ROOT, SOLUTIONS, plant, quiet, training_check_of_forger

MAX_MESSAGE = 2000
"""term_checks.MAX_MESSAGE: the longest message from the child a report quotes."""

BOMB = """
import os, zipfile
from numpy.lib import format as npy
with zipfile.ZipFile("out/{todo}.npz", "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
  with z.open("walk/value.npy", "w", force_zip64=True) as member:
    npy.write_array_header_1_0(member, {{"descr": "<f8", "fortran_order": False, "shape": ({mib} * 2**17,)}})
    zero = bytes(2**20)
    for _ in range({mib}):
      member.write(zero)
open("out/{todo}.json", "w").write('{{"status": "ok", "case_errors": {{}}}}')
os._exit(0)
"""
"""Writes an archive of about {mib} MiB / 1000 that unpacks to {mib} MiB of float64 zeros."""

STATUS = """
import json, os, numpy as np
np.savez("out/{todo}.npz")
open("out/{todo}.json", "w").write({text})
os._exit(0)
"""
"""Writes an empty archive and the status text the expression {text} makes."""

ATTACKS = {
  # TODO id: (function whose body gets the attack, the attack's code, the categories it gets)
  "R1": ("track_linear_velocity", BOMB.format(todo="R1", mib=1030), {"too_large"}),
  "R2": (
    "track_angular_velocity",
    STATUS.format(todo="R2", text="json.dumps({'status': 'error', 'message': 'x' * 2**20})"),
    {"error"},
  ),
  "R3": ("flat_orientation", STATUS.format(todo="R3", text="'[' * 200_000"), {"bad_output"}),
  "R5": (
    "feet_air_time",
    STATUS.format(todo="R5", text="json.dumps({'status': ['ok'], 'message': 5})"),
    {"error"},
  ),
}


def _deflated_npz(declared: int, written: int) -> bytes:
  """An archive whose one float64 array declares ``declared`` values and holds ``written``."""
  buffer = io.BytesIO()
  with (
    zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive,
    archive.open("a.npy", "w", force_zip64=True) as member,
  ):
    header = {"descr": "<f8", "fortran_order": False, "shape": (declared,)}
    np.lib.format.write_array_header_1_0(member, header)
    member.write(bytes(8 * written))
  return buffer.getvalue()


def test_read_npz_checks_sizes_before_unpacking():
  big = _deflated_npz(2**23, 2**23)  # 64 MiB of zeros in about 64 KB
  assert len(big) < 2**20
  with pytest.raises(ValueError, match="unpack"):  # npz.OutputTooLarge
    npz.read_npz(big, max_bytes=2**20)
  lying = _deflated_npz(2**40, 16)  # the header alone declares 8 TiB
  with pytest.raises(ValueError, match="more than"):
    npz.read_npz(lying, max_bytes=2**20)
  assert npz.read_npz(big, max_bytes=2**27)["a"].shape == (2**23,)


def test_read_npz_refuses_other_kinds_than_asked():
  buffer = io.BytesIO()
  np.savez(buffer, a=np.zeros(3), c=np.zeros(2, dtype=complex))
  with pytest.raises(ValueError, match="complex"):  # npz.OutputNotNumeric
    npz.read_npz(buffer.getvalue(), max_bytes=2**20, kinds="biufU")
  assert sorted(npz.read_npz(buffer.getvalue())) == ["a", "c"]


@pytest.mark.parametrize("todo", sorted(ATTACKS))
def test_a_hostile_output_costs_its_todo_with_a_category(todo, tmp_path):
  """R1: 1 MB that unpacks to 1.08 GB; R2: a 1 MiB message; R3: 200,000 nested lists; R5: a
  status that is a list and a message that is a number."""
  folder = tmp_path / "sub"
  shutil.copytree(SOLUTIONS, folder)
  plant(folder, {todo: ATTACKS[todo]})
  (result,) = grade_terms(folder, todos=[todo], log=quiet)
  assert result.score == 0
  assert {c.category for c in result.cases} == ATTACKS[todo][2], result.feedback()
  for case in result.cases:
    assert isinstance(case.message, str) and len(case.message) <= MAX_MESSAGE + 20


@pytest.fixture(scope="module")
def hostile_class(tmp_path_factory):
  """grade.py over an honest submission and a hostile one (every attack above, and its R4 reads
  the honest student's file), in a folder others may read, as a separate process that reports
  its own peak memory."""
  root = Path(tempfile.mkdtemp(prefix="trotlab-hostile-"))
  root.chmod(0o755)  # like a class folder in a TA's home: readable by other users
  klass = root / "submissions"
  klass.mkdir(mode=0o755)
  klass.chmod(0o755)
  shutil.copytree(SOLUTIONS, klass / "alice")
  shutil.copytree(SOLUTIONS, klass / "mallory")
  peek = f"raise RuntimeError('READ ' + open({str(klass / 'alice' / 'rewards.py')!r}).read(9))"
  plant(klass / "mallory", {**ATTACKS, "R4": ("default_joint_position", peek, {"error"})})
  for path in (klass / "alice", klass / "mallory", *klass.glob("*/*.py")):
    path.chmod(0o755 if path.is_dir() else 0o644)
  out = root / "grades" / "grades.csv"
  script = (
    "import resource, sys; from autograder import grade; rc = grade.main(sys.argv[1:]); "
    "print('PEAK_KB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss); sys.exit(rc)"
  )
  args = [str(klass), "--out", str(out), "--skip-training"]
  done = subprocess.run(
    [sys.executable, "-c", script, *args], cwd=ROOT, capture_output=True, text=True
  )
  yield klass, out, done
  shutil.rmtree(root, ignore_errors=True)


def test_hostile_outputs_cost_their_todo_and_the_honest_student_scores_as_alone(hostile_class):
  klass, out, done = hostile_class
  assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
  reports = out.parent / "grades_reports"
  alice = json.loads((reports / "alice.json").read_text())
  assert alice["score"] == 100 and alice["max_score"] == 110  # no notebook: 0 of its 10
  mallory = json.loads((reports / "mallory.json").read_text())
  terms = {t["todo"]: t for t in mallory["terms"]}
  categories = lambda todo: {c["category"] for c in terms[todo]["cases"]}  # noqa: E731
  assert categories("R1") == {"too_large"}, terms["R1"]["feedback"]
  assert "output too large" in terms["R1"]["cases"][0]["message"]
  assert all(len(c["message"]) <= MAX_MESSAGE + 20 for c in terms["R2"]["cases"])
  assert categories("R3") == {"bad_output"}, terms["R3"]["feedback"]
  assert "RecursionError" in terms["R3"]["cases"][0]["message"]
  assert categories("R5") == {"error"}, terms["R5"]["feedback"]
  for todo, term in terms.items():
    if todo not in (*ATTACKS, "R4"):
      assert term["score"] == term["max_score"], term["feedback"]
  assert (reports / "mallory.json").stat().st_size < 200_000
  peak_kb = int(done.stdout.split("PEAK_KB")[1].split()[0])
  assert peak_kb < 2 * 2**20, f"grader peak memory {peak_kb / 2**20:.2f} GiB"


def test_grades_reports_and_submissions_are_private(hostile_class):
  klass, out, done = hostile_class
  assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
  reports = out.parent / "grades_reports"
  mode = lambda path: stat.S_IMODE(path.stat().st_mode)  # noqa: E731
  assert mode(out) == 0o600
  assert mode(out.parent) == 0o700
  assert mode(reports) == 0o700
  assert {mode(p) for p in reports.iterdir()} == {0o600}
  if running_as_root():  # the children run as other users
    assert mode(klass) == 0o700
    r4 = json.loads((reports / "mallory.json").read_text())["terms"][3]
    assert r4["todo"] == "R4" and r4["score"] == 0
    # Unreadable under the uid sandbox; not even there under bwrap's mount namespace.
    unreachable = ("PermissionError", "No such file or directory")
    assert all(any(s in c["message"] for s in unreachable) for c in r4["cases"]), r4["feedback"]


def test_a_forged_marker_time_does_not_stretch_the_todo_limit(tmp_path):
  """The child sets its TODO's start marker a year ahead, then hangs: stopped after per_task_s
  of the grader's own clock, not the child's whole wall-clock (twice, with the retry)."""
  folder = tmp_path / "sub"
  shutil.copytree(SOLUTIONS, folder)
  future = (
    "import os, time\n"
    "later = time.time() + 3.2e7\n"
    "os.utime('out/R4.started', (later, later))\n"
    "time.sleep(10**6)"
  )
  plant(folder, {"R4": ("default_joint_position", future)})
  limits = Limits(per_task_s=4.0, wall_s=40.0)
  start = time.monotonic()
  (result,) = grade_terms(folder, limits=limits, todos=["R4"], log=quiet)
  took = time.monotonic() - start
  assert {c.category for c in result.cases} == {"timeout"}, result.feedback()
  assert took < 30, f"took {took:.0f} s"


def test_hostile_training_outputs_score_zero(tmp_path):
  """The training child writes an evaluation that unpacks to a gigabyte and a train.json nested
  deeper than the JSON parser recurses, then exits: zero training points, no grader error."""
  forge = (
    "import os, sys, zipfile\n"
    "from numpy.lib import format as npy\n"
    "out = os.path.join(sys.argv[1], 'out')\n"
    "open(os.path.join(out, 'train.json'), 'w').write('[' * 4000)\n"
    "with zipfile.ZipFile(os.path.join(out, 'trajectory.npz'), 'w', zipfile.ZIP_DEFLATED) as z:\n"
    "  with z.open('qpos.npy', 'w', force_zip64=True) as m:\n"
    "    npy.write_array_header_1_0(m, {'descr': '<f8', 'fortran_order': False,"
    " 'shape': (2**27,)})\n"
    "    for _ in range(1024):\n"
    "      m.write(bytes(2**20))\n"
    "os._exit(0)\n"
  )
  result = training_check_of_forger(tmp_path / "sub", forge)
  assert result.score == 0
  assert "too large" in result.output, result.output


FLOOD = """
import os, time
chunk = b"x" * (30 * 2**20)  # under the per-file limit (32 MiB)
for i in range(70):  # 2.05 GiB in all, if nothing stops it
  with open(f"flood_{i}.bin", "wb") as f:
    f.write(chunk)
time.sleep(30)
"""
"""Tries to write 2 GiB into the job folder, one 30 MiB file at a time."""


def test_a_child_that_floods_the_disk_is_stopped_at_the_disk_limit(tmp_path):
  """A real 2 GiB attempt: the child is stopped near Limits.disk_bytes (256 MiB), its TODO fails
  with the category disk, the TODOs after it are graded as usual, and its files are gone."""
  folder = tmp_path / "sub"
  shutil.copytree(SOLUTIONS, folder)
  plant(folder, {"R1": ("track_linear_velocity", FLOOD)})
  before = shutil.disk_usage(tempfile.gettempdir()).used
  start = time.monotonic()
  results = grade_terms(folder, todos=["R1", "R2"], log=quiet)
  assert time.monotonic() - start < 60  # stopped, not waiting out its time limit
  r1, r2 = results
  assert r1.score == 0 and {c.category for c in r1.cases} == {"disk"}, r1.feedback()
  written = int(r1.cases[0].message.split("after writing ")[1].split(" MiB")[0])
  limit = Limits().disk_bytes // 2**20
  assert limit < written < limit + 200, r1.cases[0].message  # stopped just past the limit
  assert r2.score == r2.max_score
  after = shutil.disk_usage(tempfile.gettempdir()).used
  assert after - before < 100 * 2**20  # the job folder went with the job
