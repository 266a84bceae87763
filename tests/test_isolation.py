"""Kernel isolation of the sandbox's children (autograder/isolation.py, issue 18).

The namespace tests skip where bubblewrap or user namespaces are unavailable (CI installs
bubblewrap when it can); the fallback tests need root (the uid sandbox is active as root only).
"""

from __future__ import annotations

import json
import os
import secrets
import stat
import tempfile
import time
from pathlib import Path

import pytest

from autograder import grade, isolation, sandbox
from autograder.sandbox import Limits, run_in_sandbox

ROOT = Path(__file__).resolve().parents[1]
FALLBACK = isolation.Isolation(None, "made unavailable by the test")


def _bwrap_or_skip() -> None:
  found = sandbox.isolation()
  if found.bwrap is None:
    pytest.skip(f"no kernel isolation here: {found.line()}")


@pytest.fixture
def job():
  """A job folder the sandbox user may reach (as in term_checks: the parent 0711)."""
  with tempfile.TemporaryDirectory(prefix="trotlab-iso-") as tmp:
    Path(tmp).chmod(0o711)
    folder = Path(tmp) / "job"
    folder.mkdir()
    yield folder


@pytest.fixture
def fallback(monkeypatch):
  """The uid sandbox alone, as where bwrap is unavailable."""
  if not sandbox.running_as_root():
    pytest.skip("the uid sandbox is active as root only")
  sandbox.isolation()  # prepared and probed as usual first
  monkeypatch.setattr(isolation, "_detected", FALLBACK)


def _run(job: Path, code: str, **limits) -> dict:
  """Run ``code`` in the sandbox; it leaves a JSON dict in ``result`` (job/out.json)."""
  (job / "child.py").write_text(
    f"import json, os, sys\nresult = {{}}\n{code}\n"
    "with open('out.json', 'w') as f:\n  json.dump(result, f)\n"
  )
  child = run_in_sandbox(["child.py"], job, Limits(wall_s=60, **limits))
  assert child.returncode == 0, child.output
  return json.loads((job / "out.json").read_text())


def test_a_child_cannot_read_the_graders_command_line(job):
  _bwrap_or_skip()
  result = _run(
    job,
    "result['cmdlines'] = []\n"
    "for pid in os.listdir('/proc'):\n"
    "  try: result['cmdlines'].append(open(f'/proc/{pid}/cmdline').read())\n"
    "  except OSError: pass\n"
    "result['parent'] = os.getppid()",
  )
  ours = Path("/proc/self/cmdline").read_text()
  assert ours not in result["cmdlines"]
  assert result["parent"] == 1  # bwrap's init in its own PID namespace, not the grader


@pytest.fixture
def planted():
  """Readable files outside the child's binds: a stand-in for another copy of the kit's
  solutions and for a classmate's submission folder."""
  with tempfile.TemporaryDirectory(prefix="trotlab-elsewhere-") as tmp:
    Path(tmp).chmod(0o755)
    files = []
    for name in ("solutions/rewards.py", "submissions/alice/rewards.py"):
      path = Path(tmp) / name
      path.parent.mkdir(parents=True)
      path.parent.chmod(0o755)
      path.write_text("SECRET = 1\n")
      path.chmod(0o644)
      files.append(path)
    yield files


def test_a_child_cannot_read_files_outside_its_binds(job, planted):
  _bwrap_or_skip()
  targets = [*map(str, planted), str(ROOT / "README.md"), str(ROOT / "pyproject.toml")]
  result = _run(
    job,
    f"result['read'] = []\nfor path in {targets!r}:\n"
    "  try: open(path).read(); result['read'].append(path)\n"
    "  except OSError: pass",
  )
  assert result["read"] == []


def test_a_fork_and_exit_chain_does_not_outlive_the_child(job):
  """The child exits while its chains fork and exit (each generation in a new session, reparented
  to the machine's init), then each chain's last process beats a heartbeat file."""
  _bwrap_or_skip()
  beat = job / "heartbeat"
  (job / "chain.py").write_text(
    "import os, time\n"
    "open('started', 'w').close()\n"
    "stop = time.monotonic() + 3\n"
    "while time.monotonic() < stop:\n"
    "  if os.fork():\n"
    "    os._exit(0)\n"
    "  os.setsid()\n"
    "while True:\n"
    f"  open({str(beat)!r}, 'w').write(str(time.time()))\n"
    "  time.sleep(0.1)\n"
  )
  code = (
    "import subprocess, time\n"
    "for _ in range(4):\n"
    "  subprocess.Popen([sys.executable, '-I', 'chain.py'], start_new_session=True)\n"
    "time.sleep(0.5)"
  )
  _run(job, code)
  assert (job / "started").exists(), "the chain never ran"
  time.sleep(4.0)  # past the chains' forking
  before = beat.stat().st_mtime if beat.exists() else None
  time.sleep(1.0)
  after = beat.stat().st_mtime if beat.exists() else None
  assert after == before, "a process of the chain is still running"


def test_uids_are_never_reused_within_a_run(job):
  if not sandbox.running_as_root():
    pytest.skip("children run as our own user when we are not root")
  uids = [sandbox.sandbox_user()[0] for _ in range(250)]
  assert len(set(uids)) == len(uids)
  assert all(sandbox.is_own_sandbox_uid(u) for u in uids)
  first = _run(job, "result['uid'] = os.getuid()")["uid"]
  second = _run(job, "result['uid'] = os.getuid()")["uid"]
  assert first != second


LEAK = (
  "for folder in ('/tmp', '/dev/shm'):\n"
  "  open(os.path.join(folder, '{token}'), 'w').write('x')\n"
  "  os.makedirs(os.path.join(folder, '{token}-dir', 'deep'))"
)


def _assert_nothing_left(job: Path, token: str) -> None:
  _run(job, LEAK.format(token=token))
  left = [p for d in ("/tmp", "/dev/shm") for p in Path(d).glob(f"{token}*")]
  assert left == []


def test_nothing_of_the_child_is_left_in_tmp_or_shm(job):
  if sandbox.isolation().bwrap is None and not sandbox.running_as_root():
    pytest.skip("no bwrap, and as our own user the uid sandbox cannot tell the child's files")
  _assert_nothing_left(job, f"trotlab-leak-{secrets.token_hex(4)}")


def test_the_uid_fallback_cleans_tmp_and_shm_too(job, fallback):
  _assert_nothing_left(job, f"trotlab-leak-{secrets.token_hex(4)}")
  assert sandbox.isolation().line().startswith("isolation: uid sandbox only (bwrap unavailable:")


def test_the_venv_lock_is_private(job):
  if not sandbox.running_as_root():
    pytest.skip("the grader changes modes as root only")
  sandbox.isolation()
  sandbox.prepare_host()
  lock = Path(os.sys.prefix) / ".lock"
  if lock.exists():
    assert stat.S_IMODE(lock.stat().st_mode) & 0o077 == 0


def test_require_isolation_refuses_the_fallback(monkeypatch, tmp_path, capsys):
  monkeypatch.setenv("PATH", str(tmp_path))  # no bwrap on PATH
  isolation.forget()
  try:
    (tmp_path / "subs" / "alice").mkdir(parents=True)
    with pytest.raises(SystemExit) as refused:
      grade.main([str(tmp_path / "subs"), "--out", str(tmp_path / "g.csv"), "--require-isolation"])
    assert "--require-isolation" in str(refused.value)
    assert "uid sandbox only (bwrap unavailable: no bwrap on PATH" in str(refused.value)
    assert not (tmp_path / "g.csv").exists()
  finally:
    sandbox.require_isolation = False
    isolation.forget()


def test_a_class_without_namespaces_is_refused_unless_the_instructor_accepts_it(
  monkeypatch, tmp_path
):
  """No bwrap: two submissions stop before any grading, with a message that names the fix;
  one submission (a Gradescope container) and --allow-uid-sandbox go on."""
  monkeypatch.setenv("PATH", str(tmp_path))  # no bwrap on PATH
  isolation.forget()
  try:
    for student in ("alice", "bob"):
      (tmp_path / "subs" / student).mkdir(parents=True)
    with pytest.raises(SystemExit) as refused:
      grade.main([str(tmp_path / "subs"), "--out", str(tmp_path / "g.csv"), "--skip-training"])
    message = str(refused.value)
    assert "2 submissions to grade, and bubblewrap's namespaces do not work here" in message
    assert "apt-get install bubblewrap" in message and "--allow-uid-sandbox" in message
    assert not (tmp_path / "g.csv").exists()
    grade.refuse_weak_isolation(1, allowed=False)  # one submission: goes on
    grade.refuse_weak_isolation(2, allowed=True)  # the instructor accepted the uid sandbox
  finally:
    isolation.forget()
