"""The autograder's term checks: the reference scores full marks, stubs zero, each mutant loses
exactly its TODO with the category that names its mistake, and the recorded cases are current."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from autograder.mutants import MUTANTS, write_mutant
from autograder.term_checks import (
  CASE_DIRS,
  PUBLIC_CASES_DIR,
  grade_terms,
  load_cases,
  load_rubric,
)
from trotlab.grading.todos import BY_ID, TODOS
from trotlab.tasks.velocity import mdp

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions" / "velocity" / "mdp"
STUBS = ROOT / "student" / "trotlab" / "tasks" / "velocity" / "mdp"
QUIET = lambda *args: None  # noqa: E731


@pytest.fixture(scope="module")
def reference_results():
  return grade_terms(SOLUTIONS, log=QUIET)


def test_registry_totals_100_and_the_rubric_holds_no_second_list_of_todos():
  assert sum(t.points for t in TODOS) == 100
  assert len({t.todo for t in TODOS}) == len(TODOS)
  assert "terms" not in load_rubric(), "term points live in the registry (trotlab.grading.todos)"


def test_recorded_dtypes_are_the_registry_contract():
  for case in load_cases():
    for todo in case.todos:
      key = f"{todo}/dtype"
      if key in case.expected:
        assert str(case.expected[key]) == BY_ID[todo].dtype, (case.name, todo)
      else:
        assert BY_ID[todo].dtype is None, (case.name, todo)


def test_every_todo_has_public_and_hidden_cases():
  cases = load_cases()
  for todo in BY_ID.values():
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
  same_file = [t.todo for t in TODOS if f"{t.file}.py" == mutant.file]
  results = {r.todo: r for r in grade_terms(folder, todos=same_file, log=QUIET)}
  for todo, result in results.items():
    if todo == mutant.todo:
      assert result.score == 0, result.feedback()
      assert {c.category for c in result.cases} == {mutant.category}, result.feedback()
    else:
      assert result.score == result.max_score, result.feedback()


def test_every_category_has_a_label_and_a_hint():
  """A mutant's category names the mistake in the public check's table (LABELS) and explains it
  in the feedback (HINTS)."""
  from trotlab.grading.judge import HINTS, LABELS

  categories = {m.category for m in MUTANTS}
  assert categories <= set(HINTS) & set(LABELS), categories - (set(HINTS) & set(LABELS))


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
  text = text.replace(
    base_lin, "  return env.scene[asset_cfg.name].data.root_link_lin_vel_b[:, :2]\n"
  )
  (folder / "observations.py").write_text(text)
  rewards = (folder / "rewards.py").read_text()
  pose = "  delta = data.joint_pos[:, asset_cfg.joint_ids] - data.default_joint_pos[:, asset_cfg.joint_ids]\n"
  assert pose in rewards
  rewards = rewards.replace(pose, "  delta = data.joint_pos\n  delta -= data.default_joint_pos\n")
  upright = "  return torch.exp(-torch.sum(torch.square(gravity_b[:, :2]), dim=1) / std**2)\n"
  assert upright in rewards
  rewards = rewards.replace(
    upright, upright.replace("dim=1) / std**2)", "dim=1) / std**2).double()")
  )
  (folder / "rewards.py").write_text(rewards)
  ang = "  return env.scene[asset_cfg.name].data.root_link_ang_vel_b\n"
  text = (folder / "observations.py").read_text()
  assert ang in text
  text = text.replace(
    ang, "  w = env.scene[asset_cfg.name].data.root_link_ang_vel_b\n  return w - w.mean(dim=0)\n"
  )
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
    tasks = [(BY_ID[todo], params) for todo, params in case.todos.items()]
    got = run_probes(SOLUTIONS, tasks, case.name, case.num_envs, case.inputs or None, case.names)
    for key, expected in case.expected.items():
      assert key in got, f"{case.name}: {key} missing"
      if expected.dtype.kind in "US":
        assert str(got[key]) == str(expected), f"{case.name}/{key}"
      else:
        np.testing.assert_allclose(
          got[key],
          expected,
          rtol=1e-6,
          atol=1e-7,
          err_msg=f"{case.name}/{key} is stale: run `uv run python -m autograder.record_cases`",
        )


def test_case_files_hold_no_pickles_and_are_where_release_expects():
  for folder in CASE_DIRS:
    for path in folder.glob("*.npz"):
      with np.load(path, allow_pickle=False) as data:
        meta = json.loads(str(data["meta"]))
      assert meta["public"] == (folder == PUBLIC_CASES_DIR), path
      assert meta["public"] == path.name.startswith("public_"), path


@pytest.fixture(scope="module")
def recorded_trajectory(tmp_path_factory, reference_mdp):
  """An honest evaluation trajectory: the reference MDP's observations, a fixed small action
  pattern as the policy (no training needed), 2 envs."""
  import torch

  from trotlab.grading.train_child import record_evaluation
  from trotlab.tasks import get_task

  path = tmp_path_factory.mktemp("replay") / "trajectory.npz"
  gen = torch.Generator().manual_seed(0)

  def model(obs):
    return 0.3 * torch.randn(obs["actor"].shape[0], 12, generator=gen)

  record_evaluation(model, get_task("Mjlab-Velocity-Flat-Unitree-Go1"), reference_mdp, 2, path)
  with np.load(path) as data:
    return {key: data[key] for key in data.files}


def test_the_grader_replays_an_honest_evaluation_exactly(recorded_trajectory):
  from autograder.training_check import TrackingEvalCfg, replay_evaluation

  metrics = replay_evaluation(recorded_trajectory, TrackingEvalCfg(num_envs=2))
  assert set(metrics["phases"]) == {"stand", "forward", "lateral", "yaw", "mixed"}
  forward = metrics["phases"]["forward"]
  assert 0.0 < forward["mean_xy_error"] < 5.0  # a random policy does not track 0.5 m/s


@pytest.mark.parametrize(
  "forgery",
  ["velocity_of_one_step", "teleported_trunk", "other_start", "warm_start", "nan_action", "short"],
)
def test_a_trajectory_that_did_not_happen_is_refused(recorded_trajectory, forgery):
  """A child could write any numbers: only a trajectory the simulator reproduces step by step
  from the protocol's initial state is scored."""
  from autograder.training_check import TrackingEvalCfg, TrajectoryMismatch, replay_evaluation

  t = {key: value.copy() for key, value in recorded_trajectory.items()}
  if forgery == "velocity_of_one_step":  # the trunk "tracks": vx = 0.5 in one forward step
    t["qvel"][100, :, 0] = 0.5
  elif forgery == "teleported_trunk":  # every later state moved 1 cm forward
    t["qpos"][200:, :, 0] += 0.01
  elif forgery == "other_start":  # starts from another state than the protocol's
    t["qpos"][0, :, 2] += 0.05
  elif forgery == "warm_start":
    t["qacc_warmstart"][300] += 1.0
  elif forgery == "nan_action":
    t["actions"][10, 0, 0] = np.nan
  else:
    t = {key: value[:-5] for key, value in t.items()}
  expected = ValueError if forgery in ("nan_action", "short") else TrajectoryMismatch
  with pytest.raises(expected):
    replay_evaluation(t, TrackingEvalCfg(num_envs=2))


def test_an_in_place_write_to_robot_constants_costs_only_its_own_todo(tmp_path):
  """R4 shifts the robot's default joint pose in place: R4 fails as in_place, and O4 (which
  reads the default pose later in the same child) is graded on the real pose."""
  folder = tmp_path / "sub"
  shutil.copytree(SOLUTIONS, folder)
  rewards = folder / "rewards.py"
  text = rewards.read_text()
  anchor = '  """TODO(R4)'
  body = text.index('"""', text.index(anchor) + len(anchor)) + 3
  text = (
    text[:body] + "\n  env.scene[asset_cfg.name].data.default_joint_pos.add_(0.01)" + text[body:]
  )
  rewards.write_text(text)
  results = {r.todo: r for r in grade_terms(folder, todos=["R4", "O4"], log=QUIET)}
  assert results["R4"].score == 0
  assert {c.category for c in results["R4"].cases} == {"in_place"}
  assert "modified robot.data.default_joint_pos in place" in results["R4"].feedback()
  assert results["O4"].score == results["O4"].max_score, results["O4"].feedback()


def test_the_child_protocol_is_named_in_one_place():
  """Job file, marker and output names: trotlab.grading.protocol's, no literal copy elsewhere."""
  from trotlab.grading import protocol

  literals = ('"job.json"', '.started"', '.loading"', '.loaded"', '"trotlab.grading.child"')
  sides = [ROOT / "autograder" / "term_checks.py", ROOT / "autograder" / "record_cases.py"]
  sides += [ROOT / "student" / "trotlab" / "grading" / "child.py"]
  sides += [ROOT / "student" / "trotlab" / "checks" / "public.py"]
  for path in sides:
    text = path.read_text()
    assert "protocol." in text, path
    assert not [lit for lit in literals if lit in text], path
  names = {protocol.out_file("R1", s) for s in (protocol.STARTED, protocol.STATUS, protocol.ARRAYS)}
  names |= {protocol.out_file("rewards", s) for s in (protocol.LOADING, protocol.LOADED)}
  assert names == {"R1.started", "R1.json", "R1.npz", "rewards.loading", "rewards.loaded"}
  assert protocol.split_array_key(protocol.array_key("public_tumble", "value")) == (
    "public_tumble",
    "value",
  )
