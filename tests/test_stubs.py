"""The student stubs: generated from the solutions, every TODO listed, errors that name the TODO."""

import subprocess
import sys
from pathlib import Path

import pytest
import torch

from autograder import make_student
from trotlab.envs import ManagerBasedRlEnv
from trotlab.grading import todos
from trotlab.managers import ObservationTermCfg
from trotlab.scripts.common import exit_on_todos
from trotlab.tasks import get_task
from trotlab.tasks.velocity import mdp
from trotlab.utils.todo import TodoNotImplemented, scan_todos

ROOT = Path(__file__).resolve().parents[1]
TASK = "Mjlab-Velocity-Flat-Unitree-Go1"
TODO_IDS = list(todos.BY_ID)
"""Both assignments' TODOs."""


def test_committed_stubs_equal_the_generated_ones():
  for path, text in make_student.generate().items():
    assert path.read_text() == text, (
      f"{path} is stale: run uv run python -m autograder.make_student"
    )


def test_every_todo_id_appears_exactly_once_in_stubs_and_solutions():
  files = mdp.MDP_FILES + todos.LATER_FILES
  stub_ids = [t.todo_id for t in scan_todos([mdp.STUDENT_DIR / f"{n}.py" for n in files])]
  assert sorted(set(stub_ids)) == sorted(TODO_IDS)
  for path in mdp.STUDENT_DIR.glob("*.py"):  # each id in the file the registry names
    for found in scan_todos([path]):
      assert todos.BY_ID[found.todo_id].file == path.stem, (found.todo_id, path.name)
  # one stub per id, except the stateful term R7 (__init__, __call__, reset)
  assert sorted(stub_ids) == sorted(TODO_IDS + ["R7", "R7"])
  stub_text = "".join((mdp.STUDENT_DIR / f"{n}.py").read_text() for n in files)
  for todo_id in TODO_IDS:
    assert stub_text.count(f"TODO({todo_id})") == 1, (
      f"TODO({todo_id}) must be named once in the stubs"
    )
  reference = mdp.resolve_mdp_dir("solutions")
  solution_text = "".join((reference / f"{n}.py").read_text() for n in files)
  for todo_id in TODO_IDS:
    assert solution_text.count(f"TODO({todo_id})") == 1, todo_id
  assert "TodoNotImplemented(" not in solution_text.replace("import TodoNotImplemented", "")


def test_stub_generation_rejects_broken_markers():
  with pytest.raises(ValueError, match="without a TODO"):
    make_student.make_stub("def f():\n  ### BEGIN SOLUTION\n  return 1\n  ### END SOLUTION\n")
  with pytest.raises(ValueError, match="without ### END SOLUTION"):
    make_student.make_stub('def f():\n  """TODO(R1)."""\n  ### BEGIN SOLUTION\n  return 1\n')
  stub = make_student.make_stub(
    'def f():\n  """TODO(R1): doc."""\n  ### BEGIN SOLUTION\n  return 1\n  ### END SOLUTION\n'
  )
  assert 'raise TodoNotImplemented("R1")' in stub and "return 1" not in stub


@pytest.mark.parametrize("assignment", todos.ASSIGNMENTS.values(), ids=lambda a: a.name)
def test_train_with_untouched_stubs_lists_every_todo_and_exits_nonzero(assignment, tmp_path):
  """The flat task lists the first assignment's TODOs; the rough task those and terrain.py's."""
  result = subprocess.run(
    [sys.executable, "-m", "trotlab.scripts.train", assignment.task],
    cwd=tmp_path,
    capture_output=True,
    text=True,
    timeout=300,
  )
  assert result.returncode == 1
  assert "Traceback" not in result.stderr
  listed = todos.IDS + (assignment.ids if assignment is not todos.FIRST else ())
  for todo_id in TODO_IDS:
    assert (f"TODO({todo_id})" in result.stderr) == (todo_id in listed), todo_id
  assert "rewards.py:" in result.stderr and "handout" in result.stderr


def test_the_todo_list_suggests_the_reference_only_where_it_exists(monkeypatch, capsys, tmp_path):
  """A student's kit has no solutions folder: `train` must not send the student to it."""
  for exists in (True, False):
    if not exists:
      monkeypatch.setattr(mdp, "solutions_dir", lambda: None)
    with pytest.raises(SystemExit):
      exit_on_todos(mdp.load_mdp("student"))
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last.startswith("Implement them (uv run check shows which pass)")
    assert ("--mdp solutions" in last) == exists, last


def test_stub_headers_list_their_todos_and_name_no_instructor_file():
  for path, text in make_student.generate().items():
    header = text.split('"""', 1)[0]
    ids = list(dict.fromkeys(t.todo_id for t in scan_todos([path])))  # in file order
    assert ids == [t.todo for t in todos.BY_ID.values() if t.file == path.stem], path.name
    assert header.startswith(f"# Your work: TODOs {', '.join(ids)}.\n"), path.name
    assert "solutions/" not in header and "make_student" not in header, header


def test_a_stub_raising_during_a_step_names_the_todo_and_the_term():
  cfg = get_task(TASK).env_cfg(play=False, device="cpu", mdp=mdp.load_mdp("student"))
  cfg.scene.num_envs = 2
  with pytest.raises(
    TodoNotImplemented, match=r"Observation term 'base_lin_vel' \(base_lin_vel\): TODO\(O1\)"
  ):
    ManagerBasedRlEnv(cfg, verbose=False)


def test_a_broken_term_fails_with_a_message_naming_it():
  cfg = get_task(TASK).env_cfg(play=False, device="cpu", mdp=mdp.load_mdp("solutions"))
  cfg.scene.num_envs = 3
  cfg.observations["actor"].terms["joint_pos"] = ObservationTermCfg(
    func=lambda env: torch.zeros(env.num_envs, 12, dtype=torch.float64)
  )
  with pytest.raises(
    TypeError, match=r"Observation term 'joint_pos'.*dtype torch.float64; expected torch.float32"
  ):
    ManagerBasedRlEnv(cfg, verbose=False)
