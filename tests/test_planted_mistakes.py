"""Every kind of mistake the grader checks fails the public self-check too: planted into copies
of the reference (autograder.mutants.write_mutant), each fails its TODO in `uv run check`, with
the judge's category, the case that showed it and what that case's states are; the other TODOs
still pass. Planted: the grader's own mutants (hidden/mutants.toml: flipped sign, wrong frame,
missing clip, ...) and the checks of the judge (dtype, in-place write, shape, NaN, leak, a
stateful term's reset) and the rules of the docstrings no mutant covers (ignored arguments, the
heading wrap)."""

from __future__ import annotations

import re

import pytest

from autograder.mutants import MUTANTS, SOLUTIONS, Mutant, write_mutant
from trotlab.checks import public
from trotlab.grading.judge import load_public_cases
from trotlab.tasks.velocity.mdp import load_mdp

R, OBS, T, C = "rewards.py", "observations.py", "terminations.py", "velocity_command.py"
VALUE = None
"""The category of a plain wrong value: the judge names no known mistake (any value category)."""

PLANTS = [
  *MUTANTS,
  Mutant(
    "R3",
    "dtype",
    R,
    "dim=1) / std**2)\n  ### END SOLUTION\n\n\ndef default",
    "dim=1) / std**2).double()\n  ### END SOLUTION\n\n\ndef default",
  ),
  Mutant(
    "R4",
    "in_place",
    R,
    "  delta = data.joint_pos[:, asset_cfg.joint_ids] - data.default_joint_pos[:, asset_cfg.joint_ids]\n",
    "  delta = data.joint_pos\n  delta -= data.default_joint_pos\n",
  ),
  Mutant(
    "T3",
    "shape",
    T,
    "return torch.any(env.scene[sensor_name].data.found > 0, dim=1)",
    "return env.scene[sensor_name].data.found > 0",
  ),
  Mutant(
    "O3",
    "nan",
    OBS,
    "return env.scene[asset_cfg.name].data.projected_gravity_b",
    "return env.scene[asset_cfg.name].data.projected_gravity_b / 0.0",
  ),
  Mutant(
    "O2",
    "leak",
    OBS,
    "  return env.scene[asset_cfg.name].data.root_link_ang_vel_b\n",
    "  w = env.scene[asset_cfg.name].data.root_link_ang_vel_b\n  return w - w.mean(dim=0)\n",
  ),
  # ignored arguments: a constant where the docstring names a parameter
  Mutant("O6", VALUE, OBS, "  if action_name is None:\n", "  if True:\n"),
  Mutant("R1", VALUE, R, "return torch.exp(-error / std**2)", "return torch.exp(-error / 0.5**2)"),
  Mutant("T1", VALUE, T, "1.0)) > limit_angle", "1.0)) > 0.1745"),
  Mutant("T2", VALUE, T, "[:, 2] < minimum_height", "[:, 2] < 0.25"),
  Mutant(
    "R5", VALUE, R, "torch.abs(command[:, 2]) > command_threshold", "torch.abs(command[:, 2]) > 0.1"
  ),
  Mutant("R6", VALUE, R, "torch.tanh(tanh_mult * speed)", "torch.tanh(2.0 * speed)"),
  Mutant(
    "O4",
    VALUE,
    OBS,
    "  return data.joint_pos[:, asset_cfg.joint_ids] - data.default_joint_pos[:, asset_cfg.joint_ids]",
    "  return data.joint_pos - data.default_joint_pos",
  ),
  Mutant("O8", VALUE, OBS, "site_pos_w[:, asset_cfg.site_ids, 2]", "site_pos_w[:, 1:, 2]"),
  # the heading wrap and the heading flag
  Mutant(
    "C2",
    VALUE,
    C,
    "error = wrap_to_pi(self.heading_target[ids] - self.robot.data.heading_w[ids])",
    "error = self.heading_target[ids] - self.robot.data.heading_w[ids]",
  ),
  Mutant("C1", "heading_flag", C, "heading & self.cfg.heading_command", "heading"),
  # a stateful term's reset: forgetting nothing, or every env's memory
  Mutant("R7", "reset", R, "    self.peak_height[env_ids] = 0.0\n", "    pass\n"),
  Mutant(
    "R7", "reset", R, "    self.peak_height[env_ids] = 0.0\n", "    self.peak_height[:] = 0.0\n"
  ),
]


def _groups() -> list[list[Mutant]]:
  """The plants in as few folders as possible, one plant per TODO in each."""
  groups: list[list[Mutant]] = []
  for plant in PLANTS:
    group = next((g for g in groups if plant.todo not in {p.todo for p in g}), None)
    if group is None:
      groups.append(group := [])
    group.append(plant)
  return groups


@pytest.mark.parametrize("group", _groups(), ids=lambda g: "+".join(p.todo for p in g))
def test_each_planted_mistake_fails_its_todo_in_the_public_check(group, tmp_path):
  folder = SOLUTIONS
  for i, plant in enumerate(group):
    folder = write_mutant(plant, tmp_path / str(i), source=folder)
  results = {r.todo: r for r in public.run_public_checks(load_mdp(str(folder)))}
  descriptions = {c.name: c.description for c in load_public_cases()}
  planted = {p.todo: p for p in group}
  for todo, result in results.items():
    if todo not in planted:
      assert result.status == "pass", (todo, result.detail)
      continue
    plant = planted[todo]
    assert result.status == "fail", (plant, result.status, result.detail)
    category = re.match(r"\[(\w+)\] ", result.detail)
    assert category, result.detail
    if plant.category is not None:
      assert category[1] == plant.category, (plant, result.detail)
    case = re.search(r"\ncase (public_\w+): (.+)$", result.detail)
    assert case and case[2] == descriptions[case[1]] != "", result.detail
    assert "expected -0," not in result.detail and "got -0\n" not in result.detail


def test_the_failure_states_the_contract_and_a_readable_place(tmp_path):
  folder = write_mutant(PLANTS[len(MUTANTS) + 2], tmp_path / "shape")  # T3: (N, 14) bool
  k1 = next(m for m in MUTANTS if m.todo == "K1")
  folder = write_mutant(k1, tmp_path / "k1", source=folder)
  results = {r.todo: r for r in public.run_public_checks(load_mdp(str(folder)))}
  assert "returns (num_envs,) bool: expected shape (3,) here (3 envs), got (3, 14)" in (
    results["T3"].detail
  )
  assert "stage boundary off by one" in results["K1"].detail
  assert re.search(
    r'common_step_counter = \d+, (returned\["\w+"\]|ranges\.\w+\[\d\])', (results["K1"].detail)
  ), results["K1"].detail
