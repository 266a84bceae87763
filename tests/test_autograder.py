"""The autograder's term checks: the reference scores full marks, stubs zero, each mutant loses
exactly its TODO with the category that names its mistake, and the recorded cases are current."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from autograder import cases as C
from autograder.mutants import MUTANTS, write_mutant
from autograder.term_checks import CASE_DIRS, grade_terms, load_cases, load_rubric
from trotlab.tasks.velocity import mdp

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions" / "velocity" / "mdp"
STUBS = ROOT / "student" / "trotlab" / "tasks" / "velocity" / "mdp"
QUIET = lambda *args: None  # noqa: E731


@pytest.fixture(scope="module")
def reference_results():
  return grade_terms(SOLUTIONS, log=QUIET)


def test_rubric_covers_every_todo_and_totals_100():
  rubric = load_rubric()
  assert sorted(rubric["terms"]) == sorted(t.todo for t in C.TODOS)
  assert sum(v["points"] for v in rubric["terms"].values()) == 100
  for todo in C.TODOS:
    assert rubric["terms"][todo.todo]["name"] == todo.name
    assert rubric["terms"][todo.todo]["file"] == f"{todo.file}.py"


def test_every_todo_has_public_and_hidden_cases():
  cases = load_cases()
  for todo in C.TODOS:
    mine = [c for c in cases if todo.todo in c.todos]
    assert any(c.public for c in mine), f"{todo.todo} has no public case"
    assert sum(not c.public for c in mine) >= 1, f"{todo.todo} has no hidden case"
  assert {c.num_envs for c in cases} >= {1, 3, 6}


def test_reference_scores_full_marks(reference_results):
  for result in reference_results:
    assert result.score == result.max_score, result.feedback()
  assert sum(r.score for r in reference_results) == 100


def test_untouched_stubs_score_zero_on_every_check():
  results = grade_terms(STUBS, log=QUIET)
  for result in results:
    assert result.score == 0, result.feedback()
    assert {c.category for c in result.cases} == {"todo"}, result.feedback()
    assert f"TODO({result.todo}) is not implemented" in result.cases[0].message


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m.key for m in MUTANTS])
def test_mutant_loses_exactly_its_todo(mutant, tmp_path, reference_results):
  folder = write_mutant(mutant, tmp_path / "sub")
  for name in mdp.MDP_FILES:  # the other files are the reference's, which scores full marks
    if f"{name}.py" != mutant.file:
      assert (folder / f"{name}.py").read_text() == (SOLUTIONS / f"{name}.py").read_text()
  same_file = [t.todo for t in C.TODOS if f"{t.file}.py" == mutant.file]
  results = {r.todo: r for r in grade_terms(folder, todos=same_file, log=QUIET)}
  for todo, result in results.items():
    if todo == mutant.todo:
      assert result.score == 0, result.feedback()
      assert {c.category for c in result.cases} == {mutant.category}, result.feedback()
    else:
      assert result.score == result.max_score, result.feedback()


def test_public_feedback_shows_the_mismatch_hidden_feedback_only_the_category(tmp_path):
  mutant = next(m for m in MUTANTS if m.category == "frame")
  folder = write_mutant(mutant, tmp_path / "sub")
  (result,) = grade_terms(folder, todos=[mutant.todo], log=QUIET)
  public = [c for c in result.cases if c.public]
  hidden = [c for c in result.cases if not c.public]
  assert public and hidden
  assert all("expected" in c.message and "got" in c.message for c in public)
  assert all("expected" not in c.message and "frame" in c.message for c in hidden)
  assert "hidden case: FAIL [frame]" in result.feedback()


def test_shape_dtype_inplace_and_leak_are_caught(tmp_path):
  folder = tmp_path / "sub"
  shutil.copytree(SOLUTIONS, folder)
  text = (folder / "observations.py").read_text()
  base_lin = "  return env.scene[asset_cfg.name].data.root_link_lin_vel_b\n"
  assert base_lin in text
  text = text.replace(base_lin, "  return env.scene[asset_cfg.name].data.root_link_lin_vel_b[:, :2]\n")  # fmt: skip
  (folder / "observations.py").write_text(text)
  rewards = (folder / "rewards.py").read_text()
  pose = "  delta = data.joint_pos[:, asset_cfg.joint_ids] - data.default_joint_pos[:, asset_cfg.joint_ids]\n"  # fmt: skip
  assert pose in rewards
  rewards = rewards.replace(pose, "  delta = data.joint_pos\n  delta -= data.default_joint_pos\n")
  upright = "  return torch.exp(-torch.sum(torch.square(gravity_b[:, :2]), dim=1) / std**2)\n"
  assert upright in rewards
  rewards = rewards.replace(upright, upright.replace("dim=1) / std**2)", "dim=1) / std**2).double()"))  # fmt: skip
  (folder / "rewards.py").write_text(rewards)
  ang = "  return env.scene[asset_cfg.name].data.root_link_ang_vel_b\n"
  text = (folder / "observations.py").read_text()
  assert ang in text
  text = text.replace(ang, "  w = env.scene[asset_cfg.name].data.root_link_ang_vel_b\n  return w - w.mean(dim=0)\n")  # fmt: skip
  (folder / "observations.py").write_text(text)
  results = {r.todo: r for r in grade_terms(folder, todos=["O1", "O2", "R4", "R3"], log=QUIET)}
  assert {c.category for c in results["O1"].cases} == {"shape"}
  assert {c.category for c in results["R4"].cases} == {"in_place"}
  assert {c.category for c in results["R3"].cases} == {"dtype"}
  multi_env = {c.name for c in load_cases() if c.num_envs >= 3 and "O2" in c.todos}
  leak = {c.case: c.category for c in results["O2"].cases}
  assert multi_env and all(leak[name] == "leak" for name in multi_env), leak


def test_recorded_cases_match_the_reference():
  """The committed expected values are what the reference produces now (else: re-record)."""
  from autograder.record_cases import run_probes

  for case in load_cases():
    tasks = [(C.BY_ID[todo], params) for todo, params in case.todos.items()]
    got = run_probes(SOLUTIONS, tasks, case.name, case.num_envs, case.inputs or None)
    for key, expected in case.expected.items():
      assert key in got, f"{case.name}: {key} missing"
      if expected.dtype.kind in "US":
        assert str(got[key]) == str(expected), f"{case.name}/{key}"
      else:
        np.testing.assert_allclose(got[key], expected, rtol=1e-6, atol=1e-7, err_msg=f"{case.name}/{key} is stale: run `uv run python -m autograder.record_cases`")  # fmt: skip


def test_case_files_hold_no_pickles_and_are_where_release_expects():
  for folder in CASE_DIRS:
    for path in folder.glob("*.npz"):
      with np.load(path, allow_pickle=False) as data:
        meta = json.loads(str(data["meta"]))
      assert meta["public"] == (folder.name == "cases"), path
