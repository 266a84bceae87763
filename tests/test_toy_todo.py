"""Adding a TODO is one registry entry, the solution code and the handout text (issue 16).

In a copy of the repository, a toy observation TODO (O13, the trunk's height) is added that way,
and 2 of R1's points move to it. Nothing else is edited: the stubs are generated, the cases
recorded, and the new TODO flows through the public check, the grader and the handout's rubric
test like the others.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

REGISTRY = "student/trotlab/grading/todos.py"
SOLUTION = "solutions/velocity/mdp/observations.py"
HANDOUT = "handouts/assignment.md"

TOY_ENTRY = '  _obs("O13", "base_height", 2, "1", asset_cfg=ASSET),\n'
TOY_SOLUTION = '''

def base_height(env: ManagerBasedRlEnv, asset_cfg: SceneEntityCfg = _ROBOT) -> torch.Tensor:
  """TODO(O13): the trunk origin's world height z [m], as a column. Returns (N, 1).

  Hint: env.scene[asset_cfg.name].data.root_link_pos_w; keep the last axis with [:, 2:3].
  """
  ### BEGIN SOLUTION
  return env.scene[asset_cfg.name].data.root_link_pos_w[:, 2:3]
  ### END SOLUTION
'''
TOY_SECTION = """### O13 — base_height (2 points)

The trunk origin's world height z [m] of the entity `asset_cfg` names, as a `(num_envs, 1)`
column.

"""

FLOW = """
import json, sys
from autograder import make_student, record_cases
from autograder.term_checks import grade_terms
from trotlab.checks import public
from trotlab.tasks.velocity.mdp import load_mdp, resolve_mdp_dir

assert make_student.main([]) in (0, None)
record_cases.main([])
out = {
  "reference_public": {r.todo: r.status for r in public.run_public_checks(load_mdp("solutions"))},
  "stubs_public": {r.todo: r.status for r in public.run_public_checks(load_mdp("student"))},
  "reference_grade": {
    r.todo: [r.score, r.max_score]
    for r in grade_terms(resolve_mdp_dir("solutions"), log=lambda *a: None)
  },
  "stubs_grade": {
    r.todo: [r.score, r.max_score]
    for r in grade_terms(resolve_mdp_dir("student"), log=lambda *a: None)
  },
}
print("RESULT " + json.dumps(out))
"""


def _edit(root: Path, path: str, old: str, new: str) -> None:
  file = root / path
  text = file.read_text()
  assert text.count(old) == 1, (path, old)
  file.write_text(text.replace(old, new))


def _copy_of_the_repository(target: Path) -> Path:
  files = subprocess.run(
    ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
  ).stdout.split(b"\0")
  for name in filter(None, files):
    source, dest = ROOT / name.decode(), target / name.decode()
    if source.is_file():
      dest.parent.mkdir(parents=True, exist_ok=True)
      dest.write_bytes(source.read_bytes())
  return target


def _add_the_toy_todo(root: Path) -> None:
  """The three edits an instructor makes: the registry, the solution, the handout."""
  _edit(
    root,
    REGISTRY,
    '  _reward(\n    "R1",\n    "track_linear_velocity",\n    7,',
    '  _reward(\n    "R1",\n    "track_linear_velocity",\n    5,',
  )
  anchor = '  _termination("T1"'
  _edit(root, REGISTRY, anchor, TOY_ENTRY + anchor)
  _edit(
    root,
    SOLUTION,
    '__all__ = [\n  "base_ang_vel",',
    '__all__ = [\n  "base_ang_vel",\n  "base_height",',
  )
  (root / SOLUTION).write_text((root / SOLUTION).read_text() + TOY_SOLUTION)
  _edit(
    root,
    HANDOUT,
    "### R1 — track_linear_velocity (7 points)",
    "### R1 — track_linear_velocity (5 points)",
  )
  _edit(
    root,
    HANDOUT,
    "| R1 | track_linear_velocity | rewards.py | 7 |",
    "| R1 | track_linear_velocity | rewards.py | 5 |",
  )
  row = "| O11 | foot_contact_forces | observations.py | 2 |\n"
  _edit(root, HANDOUT, row, row + "| O13 | base_height | observations.py | 2 |\n")
  _edit(root, HANDOUT, "### Terminations (T1–T3)", TOY_SECTION + "### Terminations (T1–T3)")


def test_a_toy_todo_flows_through_stubs_cases_check_grader_and_rubric(tmp_path):
  root = _copy_of_the_repository(tmp_path / "repo")
  _add_the_toy_todo(root)
  env = {**os.environ, "PYTHONPATH": f"{root}{os.pathsep}{root / 'student'}"}
  run = subprocess.run(
    [sys.executable, "-c", FLOW], cwd=root, env=env, capture_output=True, text=True
  )
  assert run.returncode == 0, run.stderr[-3000:]
  result = json.loads(run.stdout.split("RESULT ", 1)[1])

  stub = (root / "student/trotlab/tasks/velocity/mdp/observations.py").read_text()
  assert 'raise TodoNotImplemented("O13")' in stub and "root_link_pos_w[:, 2:3]" not in stub
  assert (root / "student/trotlab/grading/public_cases/public_tumble.npz").is_file()
  assert result["reference_public"]["O13"] == "pass"
  assert set(result["reference_public"].values()) == {"pass"}
  assert result["stubs_public"]["O13"] == "TODO"
  assert result["reference_grade"]["O13"] == [2, 2]
  assert sum(score for score, _ in result["reference_grade"].values()) == 100
  assert result["stubs_grade"]["O13"][0] == 0
  assert sum(score for score, _ in result["stubs_grade"].values()) == 0

  handout_test = subprocess.run(
    [
      sys.executable,
      "-m",
      "pytest",
      "-q",
      "-p",
      "no:cacheprovider",
      "tests/test_handout.py",
      "tests/test_stubs.py::test_committed_stubs_equal_the_generated_ones",
    ],
    cwd=root,
    env=env,
    capture_output=True,
    text=True,
  )
  assert handout_test.returncode == 0, handout_test.stdout[-3000:]
