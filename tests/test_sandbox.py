"""Malicious submissions are contained: each attack costs the TODO it sits in, the rest of the
submission is graded normally, nothing leaks and nothing is left running.

The secrecy checks (hidden cases, solutions) need the unprivileged-user path, which is active
when the grader runs as root (as in CI and on Gradescope); as another user they are skipped.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from autograder.sandbox import (
  Limits,
  _is_zombie,
  is_own_sandbox_uid,
  running_as_root,
  sandbox_user,
)
from autograder.term_checks import grade_terms

from conftest import ROOT, SOLUTIONS, plant, quiet, training_check_of_forger

RESULTS_DIR = Path("/tmp/trotlab-test-results")

ATTACKS = {
  # TODO id: (function whose body gets the attack, the attack's code)
  "R1": (
    "track_linear_velocity",
    f"open({str(ROOT / 'autograder' / 'hidden' / 'walk.npz')!r}, 'rb').read()",
  ),
  "R2": (
    "track_angular_velocity",
    f"import runpy; runpy.run_path({str(SOLUTIONS / 'rewards.py')!r})",
  ),
  "R3": (
    "flat_orientation",
    f"open({str(RESULTS_DIR / 'results.json')!r}, 'w').write('{{\"score\": 100}}')",
  ),
  "R4": ("default_joint_position", "import time; time.sleep(10**6)"),
  # 50 GiB asked for in 1 GiB blocks: the address-space limit refuses the fifth or so. numpy's
  # empty() leaves the pages untouched, so how fast a machine zeroes memory does not decide the
  # verdict (a zeroed bytearray's 5 GiB per case took 4 to 16 s on fresh CI machines: a timeout).
  "R6": (
    "feet_clearance",
    "import numpy\nblocks = [numpy.empty(2**30, numpy.uint8) for _ in range(50)]",
  ),
  "R8": ("feet_slip", "import sys\nfor _ in range(1100): sys.stdout.write('x' * 2**20)"),
  # Last in grading order: a fork bomb can still starve the next child of threads (seen in CI).
  "K2": (
    "reward_weight",
    # forks on through refused forks (the process limit), then every copy sleeps forever
    "import os, time\nfor _ in range(64):\n  try: os.fork()\n  except OSError: pass\ntime.sleep(10**6)",
  ),
}


def _sandbox_pids_alive() -> list[int]:
  """Processes of the sandbox users this test process made (sandbox.sandbox_user: the uid holds
  the grader's pid), so another grader on the machine (a calibration run) does not count.
  Zombies do not count: ended, they wait for the machine's init to reap them (bwrap's namespace
  init is one for a while where init is slow)."""
  found = []
  for entry in Path("/proc").iterdir():
    if entry.name.isdigit():
      try:
        if is_own_sandbox_uid(entry.stat().st_uid) and not _is_zombie(entry):
          found.append(int(entry.name))
      except OSError:
        continue
  return found


@pytest.fixture(scope="module")
def attacked(tmp_path_factory):
  folder = tmp_path_factory.mktemp("evil") / "sub"
  shutil.copytree(SOLUTIONS, folder)
  plant(folder, ATTACKS)
  shutil.rmtree(RESULTS_DIR, ignore_errors=True)
  RESULTS_DIR.mkdir(mode=0o755)
  limits = Limits(per_task_s=8.0, wall_s=300.0)
  results = {r.todo: r for r in grade_terms(folder, limits=limits, log=quiet)}
  yield results
  shutil.rmtree(RESULTS_DIR, ignore_errors=True)


def test_each_attack_scores_zero_with_a_message_and_the_rest_is_graded(attacked):
  for todo, result in attacked.items():
    if todo in ATTACKS and todo not in ("R1", "R2", "R3"):
      assert result.score == 0, result.feedback()
      assert all(c.message for c in result.cases), result.feedback()
    elif todo not in ATTACKS:
      assert result.score == result.max_score, result.feedback()
  assert {c.category for c in attacked["R4"].cases} == {"timeout"}
  assert {c.category for c in attacked["K2"].cases} == {"timeout"}
  assert "output size limit" in attacked["R8"].cases[0].message
  assert {c.category for c in attacked["R6"].cases} <= {"error", "crash"}
  assert (
    "MemoryError" in attacked["R6"].cases[0].message or "memory" in attacked["R6"].cases[0].message
  )


def test_nothing_is_left_running(attacked):
  user = sandbox_user()
  assert user is None or is_own_sandbox_uid(user[0])  # the check below sees this grader's users
  assert _sandbox_pids_alive() == []


@pytest.mark.skipif(
  not running_as_root(), reason="the unprivileged-user path is active as root only"
)
def test_hidden_cases_solutions_and_results_are_out_of_reach(attacked):
  for todo in ("R1", "R2", "R3"):
    result = attacked[todo]
    assert result.score == 0, result.feedback()
    # the uid sandbox: not readable; in bwrap's namespaces: not there at all
    refused = ("PermissionError", "No such file or directory")
    assert all(any(e in c.message for e in refused) for c in result.cases), result.feedback()
  assert not (RESULTS_DIR / "results.json").exists()
  for locked in ("autograder", "solutions"):
    assert os.stat(ROOT / locked).st_mode & 0o077 == 0, f"{locked} is readable by others"


def test_a_forged_evaluation_scores_zero(tmp_path):
  """The training child runs student code: a submission that writes its own 'evaluation' (a
  trunk moving exactly as commanded) and exits before training gets no training points."""
  forge = (
    "import os, sys, numpy as np\n"
    "out = os.path.join(sys.argv[1], 'out')\n"
    "S, N = 850, 4\n"
    "qpos = np.zeros((S + 1, N, 19)); qpos[..., 2] = 0.3; qpos[..., 3] = 1.0\n"
    "qpos[..., 0] = 0.5 * 0.02 * np.arange(S + 1)[:, None]\n"
    "qvel = np.zeros((S + 1, N, 18)); qvel[..., 0] = 0.5\n"
    "np.savez(os.path.join(out, 'trajectory.npz'), qpos=qpos, qvel=qvel,\n"
    "         qacc_warmstart=np.zeros_like(qvel), actions=np.zeros((S, N, 12), np.float32))\n"
    "os._exit(0)\n"
  )
  result = training_check_of_forger(tmp_path / "forger", forge)
  assert result.score == 0
  assert "not a simulation of the trained policy" in result.output
