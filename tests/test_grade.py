"""grade.py over a class: mixed submissions, two at a time, exact CSV and JSON, resumable; and
one training check end to end with a tiny budget (its score is not asserted)."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest

from autograder import grade
from autograder.mutants import MUTANTS, write_mutant
from autograder.training_slots import usable_core_ids
from autograder.variants import write_variant
from trotlab.grading.todos import TODOS

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions" / "velocity" / "mdp"
STUBS = ROOT / "student" / "trotlab" / "tasks" / "velocity" / "mdp"
FILES = ("rewards", "observations", "terminations", "velocity_command", "curriculums")

HEADER = "student,score,max_score,terms,training,notebook,R1,R2,R3,R4,R5,R6,R7,R8,O1,O2,O3,O4,O5,O6,O7,O8,O9,O10,O11,T1,T2,T3,C1,C2,C3,K1,K2,training_forward,training_lateral,training_yaw,training_mixed,training_no_fall,notebook_N1,notebook_N2,notebook_N3,notebook_W1,notebook_W2,notebook_W3,messages"
NO_NOTEBOOK = grade.NO_NOTEBOOK
FULL = "7,6,4,3,9,5,8,5,2,2,2,2,2,2,2,2,2,2,2,4,2,3,6,5,3,5,3"
EXPECTED_CSV = (
  "\n".join(
    [
      HEADER,
      f"alice,100,110,100,,0,{FULL},,,,,,0,0,0,,,,{NO_NOTEBOOK}",
      f"bob,93,110,93,,0,0,{FULL.split(',', 1)[1]},,,,,,0,0,0,,,,{NO_NOTEBOOK}",
      "carol,0,110,0,,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,,,,,,0,0,0,,,,"
      + NO_NOTEBOOK,
      "dave,45,110,45,,0,0,0,0,0,0,0,0,0,2,2,2,2,2,2,2,2,2,2,2,4,2,3,6,5,3,0,0,,,,,,0,0,0,,,,"
      '"curriculums.py is missing from the submission: its TODOs score zero; rewards.py failed'
      " to import: SyntaxError: invalid syntax (rewards.py, line 1): its TODOs score zero; "
      + NO_NOTEBOOK
      + '"',
      f"erin,100,110,100,,0,{FULL},,,,,,0,0,0,,,,{NO_NOTEBOOK}",
    ]
  )
  + "\n"
)


def _copy_files(source: Path, dest: Path, names=FILES) -> None:
  dest.mkdir(parents=True, exist_ok=True)
  for name in names:
    shutil.copy(source / f"{name}.py", dest / f"{name}.py")


@pytest.fixture(scope="module")
def klass(tmp_path_factory) -> Path:
  root = tmp_path_factory.mktemp("class") / "submissions"
  _copy_files(SOLUTIONS, root / "alice")  # good
  write_mutant(next(m for m in MUTANTS if m.category == "frame"), root / "bob")  # buggy: R1
  _copy_files(STUBS, root / "carol")  # untouched stubs
  _copy_files(SOLUTIONS, root / "dave", names=FILES[1:4])  # broken: bad rewards, no curricula
  (root / "dave" / "rewards.py").write_text("def track_linear_velocity(:\n")
  with zipfile.ZipFile(root / "erin.zip", "w") as archive:  # good, nested, with junk around
    for name in FILES:
      archive.write(SOLUTIONS / f"{name}.py", f"erin_hw3/mdp/{name}.py")
    archive.writestr("erin_hw3/notes.txt", "not graded")
    archive.writestr("__MACOSX/erin_hw3/mdp/._rewards.py", "resource fork")
  return root


def test_class_of_five_two_jobs_exact_reports(klass, tmp_path, capsys):
  out = tmp_path / "grades.csv"
  assert grade.main([str(klass), "--out", str(out), "--jobs", "2", "--skip-training"]) == 0
  assert out.read_text() == EXPECTED_CSV
  reports = tmp_path / "grades_reports"
  assert sorted(p.name for p in reports.iterdir()) == [
    f"{s}.json" for s in ("alice", "bob", "carol", "dave", "erin")
  ]
  bob = json.loads((reports / "bob.json").read_text())
  assert (bob["score"], bob["max_score"], bob["training"]) == (93, 110, None)
  assert {k: v["score"] for k, v in bob["notebook"].items()} == {
    "N1": 0.0,
    "N2": 0.0,
    "N3": 0.0,
    "W1": None,
    "W2": None,
    "W3": None,
  }
  r1 = bob["terms"][0]
  assert (r1["todo"], r1["score"]) == ("R1", 0)
  assert {c["category"] for c in r1["cases"]} == {"frame"}
  dave = json.loads((reports / "dave.json").read_text())
  assert dave["messages"] == [
    "curriculums.py is missing from the submission: its TODOs score zero",
    "rewards.py failed to import: SyntaxError: invalid syntax (rewards.py, line 1): its TODOs"
    " score zero",
    NO_NOTEBOOK,
  ]
  assert "SyntaxError" in dave["terms"][0]["cases"][0]["message"]
  assert {c["category"] for c in dave["terms"][-1]["cases"]} == {"missing"}
  printed = capsys.readouterr().out
  assert "5 of 5 submissions to grade" in printed and "ETA" in printed

  # Resumable and deterministic: a second run grades nothing; a changed submission is graded
  # again, and changed back it grades to the same bytes (alice and erin, the same files graded in
  # two children, already agree; --force is tested on the second assignment's smaller class).
  before = {p.name: p.read_text() for p in reports.iterdir()}
  assert grade.main([str(klass), "--out", str(out), "--jobs", "2", "--skip-training"]) == 0
  assert "0 of 5 submissions to grade" in capsys.readouterr().out
  (klass / "carol" / "rewards.py").write_text((SOLUTIONS / "rewards.py").read_text())
  assert grade.main([str(klass), "--out", str(out), "--skip-training"]) == 0
  assert "1 of 5 submissions to grade" in capsys.readouterr().out
  assert out.read_text().splitlines()[3].startswith("carol,47,110,47,")
  (klass / "carol" / "rewards.py").write_text((STUBS / "rewards.py").read_text())
  assert grade.main([str(klass), "--out", str(out), "--jobs", "2", "--skip-training"]) == 0
  assert "1 of 5 submissions to grade" in capsys.readouterr().out
  assert {p.name: p.read_text() for p in reports.iterdir()} == before
  assert out.read_text() == EXPECTED_CSV


def test_shards_graded_apart_merge_into_the_one_run_csv(klass, tmp_path, capsys):
  """--shard 1/2 and 2/2 grade disjoint halves of the class (by student id); merged, they give
  the very CSV one run over the class writes. Parts that do not make one class graded one way
  are refused."""
  parts = [tmp_path / f"part_{i}.csv" for i in (1, 2)]
  for i, part in enumerate(parts, start=1):
    argv = [str(klass), "--out", str(part), "--jobs", "2", "--skip-training", "--shard", f"{i}/2"]
    assert grade.main(argv) == 0
  sizes = [len(part.read_text().splitlines()) - 1 for part in parts]
  assert sum(sizes) == 5 and min(sizes) >= 1, sizes
  merged = tmp_path / "grades.csv"
  assert grade.main(["merge", str(merged), *map(str, parts)]) == 0
  assert merged.read_text() == EXPECTED_CSV
  assert len(list((tmp_path / "grades_reports").glob("*.json"))) == 5

  with pytest.raises(SystemExit, match="shard 2/2 missing"):
    grade.main(["merge", str(tmp_path / "x.csv"), str(parts[0])])
  with pytest.raises(SystemExit, match="shard 1/2 given twice"):
    grade.main(["merge", str(tmp_path / "x.csv"), str(parts[0]), str(parts[0])])
  other = tmp_path / "other_2.csv"  # shard 2 again, with another profile
  argv = [str(klass), "--out", str(other), "--skip-training", "--shard", "2/2"]
  assert grade.main([*argv, "--profile", "smoke"]) == 0
  with pytest.raises(SystemExit, match="graded with different settings"):
    grade.main(["merge", str(tmp_path / "x.csv"), str(parts[0]), str(other)])
  with pytest.raises(SystemExit, match="was not graded with --shard"):
    grade.main(["merge", str(tmp_path / "x.csv"), str(parts[0]), str(merged)])
  assert not (tmp_path / "x.csv").exists()


def test_the_second_assignment_is_graded_on_terrain_py_alone(tmp_path, capsys):
  """--assignment rough: terrain.py's TODOs only, term checks only; a first-assignment hand-in
  (no terrain.py) scores zero with a message."""
  subs = tmp_path / "rough"
  _copy_files(SOLUTIONS, subs / "alice", names=(*FILES, "terrain"))
  _copy_files(STUBS, subs / "bob", names=("terrain",))
  _copy_files(SOLUTIONS, subs / "carol")
  out = tmp_path / "rough.csv"
  assert grade.main([str(subs), "--out", str(out), "--assignment", "rough", "--jobs", "2"]) == 0
  assert out.read_text() == (
    "student,score,max_score,terms,training,notebook,O12,R9,K3,messages\n"
    "alice,30,30,30,,,8,10,12,\n"
    "bob,0,30,0,,,0,0,0,\n"
    "carol,0,30,0,,,0,0,0,terrain.py is missing from the submission: its TODOs score zero\n"
  )
  reports = tmp_path / "rough_reports"
  alice = json.loads((reports / "alice.json").read_text())
  assert (alice["assignment"], alice["training"], alice["notebook"]) == ("rough", None, None)
  # --force regrades every submission, to the same bytes.
  before = {p.name: p.read_text() for p in reports.iterdir()}
  csv = out.read_text()
  capsys.readouterr()
  assert (
    grade.main([str(subs), "--out", str(out), "--assignment", "rough", "--jobs", "2", "--force"])
    == 0
  )
  assert "3 of 3 submissions to grade" in capsys.readouterr().out
  assert {p.name: p.read_text() for p in reports.iterdir()} == before
  assert out.read_text() == csv


def test_bad_input_is_refused_with_a_message(tmp_path):
  with pytest.raises(SystemExit, match="no submissions"):
    grade.main([str(tmp_path), "--out", str(tmp_path / "g.csv")])
  with pytest.raises(SystemExit, match="nope does not exist"):
    grade.main([str(tmp_path / "nope"), "--out", str(tmp_path / "g.csv")])
  (tmp_path / "x.zip").write_bytes(b"not a zip")
  with pytest.raises(SystemExit, match="x.zip is a file, not a folder"):
    grade.main([str(tmp_path / "x.zip"), "--out", str(tmp_path / "g.csv")])
  sub = grade.read_submission(tmp_path / "x.zip")
  assert sub.files == {} and "x.zip is not a readable zip" in sub.messages[0]
  assert "make the zip again" in sub.messages[0] and "resubmit" in sub.messages[0]
  assert set(sub.unread) == {f"{name}.py" for name in FILES}


def test_training_checks_end_to_end_score_the_same_with_one_or_two_jobs(tmp_path, capsys):
  """The smoke profile (1 thread per check): two submissions trained at once on the 2 cores
  (--jobs 2) score exactly as one trained alone (--jobs 1). Scores themselves mean nothing."""
  subs = tmp_path / "subs"
  _copy_files(SOLUTIONS, subs / "alice")
  write_variant("no_tracking", subs / "bob")
  two = [str(subs), "--out", str(tmp_path / "two.csv"), "--profile", "smoke", "--jobs", "2"]
  assert grade.main(two) == 0
  printed = capsys.readouterr().out
  assert "graded 2 submissions in" in printed
  if len(usable_core_ids()) >= 2:
    assert "training checks 2 at a time, 1 threads each" in printed
  alone = tmp_path / "alone"
  _copy_files(SOLUTIONS, alone / "alice")
  assert grade.main([str(alone), "--out", str(tmp_path / "one.csv"), "--profile", "smoke"]) == 0
  reports = {
    name: json.loads((tmp_path / f"{name}_reports" / "alice.json").read_text())
    for name in ("two", "one")
  }
  training = reports["two"]["training"]
  assert set(training["items"]) == {"forward", "lateral", "yaw", "mixed", "no_fall"}
  assert training["max_score"] == 40
  assert set(training["phases"]) == {"stand", "forward", "lateral", "yaw", "mixed"}
  assert training["output"].startswith("trained 1 of 1 iterations in ")
  assert reports["two"]["max_score"] == 150  # terms, training and the (missing) notebook
  assert training["phases"] == reports["one"]["training"]["phases"]
  assert training["score"] == reports["one"]["training"]["score"]
  bob = json.loads((tmp_path / "two_reports" / "bob.json").read_text())
  assert bob["training"]["phases"] != training["phases"]  # a different MDP trained differently


def test_a_policy_scored_mid_run_is_the_shorter_profiles_policy(tmp_path):
  """Calibration's --also-at: the budget is iterations, so the policy at iteration 10 of a
  20-iteration run must be the policy of a 10-iteration run (same evaluation, to the bit)."""
  import dataclasses

  from autograder.training_check import PROFILES, run_training_check

  _copy_files(SOLUTIONS, tmp_path / "sub")
  smoke = PROFILES["smoke"]
  longer = run_training_check(
    tmp_path / "sub", dataclasses.replace(smoke, iterations=20), log=lambda m: None, also_at=(10,)
  )
  shorter = run_training_check(
    tmp_path / "sub", dataclasses.replace(smoke, iterations=10), log=lambda m: None
  )
  assert longer.phases is not None and shorter.phases is not None
  assert set(longer.earlier) == {10}
  assert longer.earlier[10].phases == shorter.phases
  assert longer.phases != shorter.phases  # ten more iterations did change the policy
  assert longer.output.startswith("trained 20 of 20 iterations")


def test_a_warm_started_check_trains_on_from_the_checkpoint_with_its_overrides(tmp_path):
  """A profile's start and overrides reach the training child: with the task's warm start (the
  smoke profile, like cpu_warm) it continues the standing start (the kept model's iteration count
  goes on from the checkpoint's, and its actor is near the checkpoint's after one iteration: a
  fresh one is far) with the curricula's clock resumed at its 100 x 24 env steps; a bad override
  stops the child with the field's name."""
  import dataclasses

  import torch

  from autograder.training_check import PROFILES, run_training_check, start_checkpoint
  from trotlab.tasks.velocity.config.go1.rl_cfg import STANDING_START

  _copy_files(SOLUTIONS, tmp_path / "sub")
  smoke = PROFILES["smoke"]
  assert PROFILES["cpu_warm"].warm_start and smoke.warm_start and not PROFILES["cpu"].warm_start
  assert start_checkpoint(PROFILES["cpu_warm"]) == STANDING_START
  assert start_checkpoint(PROFILES["cpu"]) is None
  kept = tmp_path / "kept.pt"
  result = run_training_check(tmp_path / "sub", smoke, log=lambda m: None, keep_policy=kept)
  assert result.phases is not None, result.output
  steps_per_iteration = 24  # the Go1 runner's num_steps_per_env
  end = 2400 + smoke.iterations * steps_per_iteration
  assert f"warm start: curricula at env steps 2400..{end}" in result.output
  start = torch.load(STANDING_START, weights_only=False)
  trained = torch.load(kept, weights_only=False)
  assert trained["iter"] >= start["iter"] == 100  # rsl-rl counts on from the loaded checkpoint
  gaps = {
    name: float((trained["actor_state_dict"][name] - value).abs().max())
    for name, value in start["actor_state_dict"].items()
    if value.is_floating_point() and value.numel() > 1
  }
  assert 0 < max(gaps.values()) < 0.05, gaps  # trained one iteration on from there
  cold_kept = tmp_path / "cold.pt"
  cold = dataclasses.replace(smoke, warm_start=False)
  cold_result = run_training_check(
    tmp_path / "sub", cold, log=lambda m: None, keep_policy=cold_kept
  )
  assert "warm start" not in cold_result.output
  cold_actor = torch.load(cold_kept, weights_only=False)["actor_state_dict"]
  cold_gap = max(
    float((cold_actor[name] - start["actor_state_dict"][name]).abs().max()) for name in gaps
  )
  assert cold_gap > 0.05  # the same iteration from fresh networks lands far away

  broken = dataclasses.replace(smoke, overrides=("agent.algorithm.no_such_field=3",))
  failed = run_training_check(tmp_path / "sub", broken, log=lambda m: None)
  assert failed.score == 0 and "no_such_field" in failed.output


@pytest.mark.parametrize(
  ("profile", "cores", "jobs", "most"), [("cpu", 4, 3, 2), ("smoke", 4, 3, 3), ("cpu", 1, 2, 1)]
)
def test_training_checks_run_as_many_at_a_time_as_the_cores_allow(
  tmp_path, monkeypatch, capsys, profile, cores, jobs, most
):
  """Each training check keeps its profile's thread count and gets cores of its own: at most
  cores // threads at once (never more than --jobs), pinned to disjoint core sets; a machine
  with fewer cores than threads runs one, unpinned."""
  import threading
  import time

  from autograder import training_slots
  from autograder.training_check import PROFILES, TrainingResult

  running, seen, pinned = [0], [0], []
  lock = threading.Lock()

  def fake_training_check(folder, profile, log=print, keep_policy=None, cpus=None, limited_by=""):
    with lock:
      running[0] += 1
      seen[0] = max(seen[0], running[0])
      pinned.append(cpus)
    time.sleep(0.5)
    with lock:
      running[0] -= 1
    names = ("forward", "lateral", "yaw", "mixed", "no_fall")
    items = {k: {"score": 0.0, "max_score": 8.0, "output": ""} for k in names}
    return TrainingResult(0.0, 40.0, items, "fake", None)

  monkeypatch.setattr(grade, "run_training_check", fake_training_check)
  monkeypatch.setattr(grade, "grade_terms", lambda folder, todos=None, log=print, unread=None: [])
  monkeypatch.setattr(training_slots, "usable_core_ids", lambda: list(range(cores)))
  subs = tmp_path / "subs"
  for student in ("ann", "ben", "cid", "dan"):
    _copy_files(SOLUTIONS, subs / student)
  args = [str(subs), "--out", str(tmp_path / "g.csv"), "--jobs", str(jobs), "--profile", profile]
  assert grade.main(args) == 0
  assert seen[0] == most
  threads = PROFILES[profile].threads
  if cores >= threads:
    assert all(len(cpus) == threads and set(cpus) <= set(range(cores)) for cpus in pinned)
    assert len({cpus for cpus in pinned}) == most  # the slots' core sets, reused
    flat = [c for cpus in {cpus for cpus in pinned} for c in cpus]
    assert len(flat) == len(set(flat))  # disjoint
  else:
    assert pinned == [None] * 4
  if most < jobs:
    assert "waiting for a free training slot" in capsys.readouterr().out


def test_a_training_stopped_by_the_time_limit_says_so(tmp_path):
  from autograder.training_check import PROFILES, _training_summary

  budget = PROFILES["cpu"].iterations
  (tmp_path / "out").mkdir()
  (tmp_path / "out" / "train.json").write_text(json.dumps({"iterations": 120, "train_s": 1200.4}))
  line = _training_summary(tmp_path, PROFILES["cpu"])
  assert line.startswith(
    f"trained 120 of {budget} iterations in 1200 s; stopped by the profile's time limit"
  )
  (tmp_path / "out" / "train.json").write_text(json.dumps({"iterations": budget, "train_s": 611.0}))
  assert (
    _training_summary(tmp_path, PROFILES["cpu"])
    == f"trained {budget} of {budget} iterations in 611 s"
  )


def test_gradescope_zip_and_results_format(tmp_path):
  from autograder.gradescope import build, run

  zip_path = build.build(tmp_path / "autograder.zip")
  with zipfile.ZipFile(zip_path) as archive:
    names = set(archive.namelist())
    modes = {i.filename: i.external_attr >> 16 for i in archive.infolist()}
  assert {"setup.sh", "run_autograder", "uv.lock", "pyproject.toml"} <= names
  assert modes["run_autograder"] & 0o111 and modes["setup.sh"] & 0o111
  assert "autograder/hidden/walk.npz" in names and "autograder/public/rubric.toml" in names
  assert not any(n.startswith(("solutions/", "tests/")) for n in names)
  with zipfile.ZipFile(zip_path) as archive:
    settings = json.loads(archive.read(run.SETTINGS_FILE))
  assert settings == {"assignment": "flat", "timeout_s": 600, "leaderboard": False}

  submission = tmp_path / "submission"
  write_mutant(next(m for m in MUTANTS if m.category == "sign"), submission)
  results_file = tmp_path / "results" / "results.json"
  assert (
    run.main(["--submission", str(submission), "--results", str(results_file), "--skip-training"])
    == 0
  )
  results = json.loads(results_file.read_text())
  assert results["score"] == 94
  notebook = [t for t in results["tests"] if t["name"].startswith("Notebook")]
  assert [(t["name"], t["score"], t["max_score"]) for t in notebook] == [
    ("Notebook N1", 0, 3),
    ("Notebook N2", 0, 4),
    ("Notebook N3", 0, 3),
  ]
  assert all(t["output"] == grade.NO_NOTEBOOK for t in notebook)
  assert grade.NO_NOTEBOOK in results["output"]
  assert len(results["tests"]) == len(TODOS) + 3
  for test in results["tests"]:
    assert set(test) == {"name", "score", "max_score", "output", "visibility"}
    assert 0 <= test["score"] <= test["max_score"]
  assert sum(t["score"] for t in results["tests"]) == results["score"]
  r2 = next(t for t in results["tests"] if t["name"].startswith("TODO(R2)"))
  assert r2["score"] == 0 and "[sign]" in r2["output"]


def test_a_gradescope_zip_of_the_second_assignment_grades_terrain_py(tmp_path, monkeypatch):
  """build --assignment rough writes the assignment's name into the zip; run, started as
  run_autograder starts it (no --assignment), grades that assignment: terrain.py's three TODOs."""
  from autograder.gradescope import build, run
  from trotlab.grading.todos import ASSIGNMENTS

  source = tmp_path / "source"
  with zipfile.ZipFile(build.build(tmp_path / "rough.zip", ASSIGNMENTS["rough"])) as archive:
    archive.extract(run.SETTINGS_FILE, source)
  monkeypatch.setattr(run, "ROOT", source)
  _copy_files(SOLUTIONS, tmp_path / "submission", names=("terrain",))
  results_file = tmp_path / "results.json"
  args = ["--submission", str(tmp_path / "submission"), "--results", str(results_file)]
  assert run.main(args) == 0
  results = json.loads(results_file.read_text())
  assert [t["name"].split()[0] for t in results["tests"]] == ["TODO(O12)", "TODO(R9)", "TODO(K3)"]
  assert results["score"] == 30 and all(t["score"] == t["max_score"] for t in results["tests"])


def test_notebook_points_are_merged_into_the_report_and_csv(tmp_path):
  from autograder import notebook

  subs = tmp_path / "subs"
  _copy_files(SOLUTIONS, subs / "frank")
  shutil.copy(notebook.SOURCE, subs / "frank" / "go1_velocity.ipynb")  # every answer right
  out = tmp_path / "grades.csv"
  assert grade.main([str(subs), "--out", str(out), "--skip-training"]) == 0
  report = json.loads((tmp_path / "grades_reports" / "frank.json").read_text())
  nb = report["notebook"]
  assert {k: nb[k]["score"] for k in ("N1", "N2", "N3")} == {"N1": 3, "N2": 4, "N3": 3}
  assert all(nb[k]["score"] is None for k in ("W1", "W2", "W3"))  # read by a person
  assert (report["score"], report["max_score"]) == (110, 110)
  row = out.read_text().splitlines()[1].split(",")
  assert row[:6] == ["frank", "110", "110", "100", "", "10"]


def test_submission_reading_skips_links_autosaves_and_survives_odd_zips(tmp_path):
  folder = tmp_path / "mallory"
  _copy_files(SOLUTIONS, folder, names=FILES[1:])
  # links to what only the grader may read
  (folder / "rewards.py").symlink_to(SOLUTIONS / "rewards.py")
  (folder / "linked").symlink_to(SOLUTIONS, target_is_directory=True)
  (folder / ".ipynb_checkpoints").mkdir()
  (folder / ".ipynb_checkpoints" / "go1_velocity-checkpoint.ipynb").write_text('{"old": 1}')
  (folder / "go1_velocity.ipynb").write_text('{"new": 1}')
  sub = grade.read_submission(folder)
  assert (
    "rewards.py" not in sub.files
    and "rewards.py is missing from the submission: its TODOs score zero" in sub.messages
  )
  assert sub.notebook == b'{"new": 1}'

  odd = tmp_path / "odd.zip"
  with zipfile.ZipFile(odd, "w") as archive:
    for name in FILES:
      archive.write(SOLUTIONS / f"{name}.py", f"hw\\{name}.py")  # Windows-style separators
  assert sorted(grade.read_submission(odd).files) == sorted(f"{n}.py" for n in FILES)
  data = bytearray(odd.read_bytes())
  data[data.index(b"PK\x01\x02") + 8] |= 0x1  # its directory says the first entry is encrypted
  odd.write_bytes(bytes(data))
  sub = grade.read_submission(odd)
  assert any("could not read the submission" in m for m in sub.messages)


def test_a_grader_fault_on_one_student_does_not_stop_the_class(tmp_path, monkeypatch, capsys):
  subs = tmp_path / "subs"
  for student in ("ann", "ben"):
    _copy_files(SOLUTIONS, subs / student)
  real = grade.grade_one

  def flaky(sub, *args, **kwargs):
    if sub.student == "ann":
      raise RuntimeError("grader bug")
    return real(sub, *args, **kwargs)

  monkeypatch.setattr(grade, "grade_one", flaky)
  out = tmp_path / "grades.csv"
  assert grade.main([str(subs), "--out", str(out), "--skip-training"]) == 1
  rows = out.read_text().splitlines()
  assert rows[1].startswith("ann,,,,") and "NOT GRADED" in rows[1]
  assert rows[2].startswith("ben,100,110,100,")  # no notebook: its 10 points count, at zero
  assert not (tmp_path / "grades_reports" / "ann.json").exists()  # the next run retries ann
  assert "run the same command again" in capsys.readouterr().out


def test_the_standing_start_fits_the_task_and_its_curricula_clock():
  """The task's standing start loads into the runner of the CPU default as configured now (a
  change of the observations or networks breaks it: regenerate it as docs/grading.md says), and
  resume_clock puts the curricula where its run left them, before the wrapper's first reset:
  100 iterations of 24 env steps (the step every warm-start calibration row was trained from)."""
  from trotlab.envs.manager_based_rl_env import ManagerBasedRlEnv
  from trotlab.rl.runner import Runner, resume_clock
  from trotlab.rl.vecenv_wrapper import RslRlVecEnvWrapper
  from trotlab.tasks import get_task
  from trotlab.tasks.velocity.mdp import load_mdp

  spec = get_task("Mjlab-Velocity-Flat-Unitree-Go1")
  env_cfg, agent = spec.env_cfg(device="cpu", mdp=load_mdp("solutions")), spec.agent_cfg()
  env_cfg.scene.num_envs = 4
  env = ManagerBasedRlEnv(env_cfg, verbose=False)
  assert resume_clock(env, agent.init_checkpoint, agent.num_steps_per_env) == 2400
  runner = Runner(RslRlVecEnvWrapper(env), agent.to_rsl_rl(), log_dir=None, device="cpu")
  runner.load(agent.init_checkpoint)  # strict: shapes must fit
  assert env.common_step_counter == 2400 and runner.current_learning_iteration == 100


def test_an_oversized_file_is_too_large_never_missing_and_a_zip_left_in_a_folder_is_read(
  tmp_path,
):
  """A 5 MB rewards.py: the submission's message and every case of its TODOs say it was too
  large and ignored (category ignored), never that it is missing; the other files are graded.
  A folder holding only the hand-in zip (Gradescope's submission folder) is graded like it."""
  folder = tmp_path / "frank"
  _copy_files(SOLUTIONS, folder, names=FILES[1:])
  (folder / "rewards.py").write_text("# padding\n" * 500_000)  # 5 MB
  sub = grade.read_submission(folder)
  assert "rewards.py" not in sub.files
  assert sub.messages == [
    "rewards.py is too large (4,883 KiB; the limit is 1,024 KiB), ignored: its TODOs score zero"
  ]
  report = grade.grade_one(sub, "smoke", skip_training=True, log=lambda *a: None)
  rewards = [t for t in report["terms"] if t["todo"].startswith("R")]
  for term in rewards:
    for case in term["cases"]:
      assert case["category"] == "ignored", case
      assert case["message"].startswith("rewards.py too large (4,883 KiB"), case
      assert "missing" not in case["message"]
  assert all(t["score"] == t["max_score"] for t in report["terms"] if t["todo"][0] in "OTCK")
  assert report["max_score"] == 110  # terms and notebook, whatever was handed in

  gradescope = tmp_path / "submission"
  gradescope.mkdir()
  with zipfile.ZipFile(gradescope / "submission.zip", "w") as archive:
    for name in FILES:
      archive.write(SOLUTIONS / f"{name}.py", f"{name}.py")
  sub = grade.read_submission(gradescope)
  assert sorted(sub.files) == sorted(f"{name}.py" for name in FILES)
  assert sub.messages == ["read the zip submission.zip (the folder held no MDP file)"]


def test_a_gradescope_run_near_its_timeout_stops_the_training_and_says_so(tmp_path, monkeypatch):
  """With a deadline, the training check gets the time left (less the evaluation's reserve):
  a training that would overrun stops, its last iteration's policy is evaluated and scored, and
  results.json's training tests and summary say why. No time left: zero, with the reason."""
  import dataclasses
  import time

  from autograder import training_check
  from autograder.gradescope import run

  long_smoke = dataclasses.replace(training_check.PROFILES["smoke"], iterations=100_000)
  monkeypatch.setitem(training_check.PROFILES, "smoke", long_smoke)
  monkeypatch.setitem(grade.PROFILES, "smoke", long_smoke)
  monkeypatch.setattr(grade, "EVALUATION_RESERVE_S", 30.0)
  monkeypatch.setattr(grade, "MIN_TRAINING_S", 5.0)
  submission = tmp_path / "submission"
  _copy_files(SOLUTIONS, submission)
  sub = grade.read_submission(submission)
  deadline = time.monotonic() + 30.0 + 40.0  # the term checks take part of the 40 s
  start = time.monotonic()
  report = grade.grade_one(sub, "smoke", skip_training=False, deadline=deadline)
  assert time.monotonic() < deadline  # the reserve was enough for evaluation and re-play
  summary = report["training"]["summary"]
  assert "stopped by the time left before the assignment's timeout" in summary, summary
  assert report["training"]["phases"] is not None  # the last iteration's policy was scored
  results = run.results_from_report(report)
  training_tests = [t for t in results["tests"] if t["name"].startswith("Training check")]
  assert len(training_tests) == 5 and all(summary in t["output"] for t in training_tests)
  assert f"Training check: {summary}" in results["output"]
  assert time.monotonic() - start < 120

  late = grade.grade_one(sub, "smoke", skip_training=False, deadline=time.monotonic() + 1.0)
  assert late["training"]["score"] == 0 and late["training"]["max_score"] == 40
  assert "the training check did not run" in late["training"]["summary"]
  assert "before the assignment's timeout" in late["training"]["summary"]
