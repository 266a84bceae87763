"""Every kind of mistake the grader checks fails the public self-check too: planted into copies
of the reference (autograder.mutants.write_mutant), each fails its TODO in `uv run check`, with
the judge's category, the case that showed it and what that case's states are; the other TODOs
still pass. Planted: the grader's own mutants (hidden/mutants.toml: flipped sign, wrong frame,
missing clip, ...) and the checks of the judge (dtype, in-place write, shape, NaN, leak, a
stateful term's reset) and the rules of the docstrings no mutant covers (ignored arguments, the
heading wrap)."""

from __future__ import annotations

import dataclasses
import inspect
import re

import pytest

from autograder.mutants import MUTANTS, SOLUTIONS, Mutant, write_mutant
from trotlab.checks import public
from trotlab.grading import canned, protocol, todos
from trotlab.grading.case_files import load_public_cases
from trotlab.tasks.velocity.mdp import load_mdp

R, OBS, T, C = "rewards.py", "observations.py", "terminations.py", "velocity_command.py"
K, G = "curriculums.py", "terrain.py"
VALUE = None
"""The category of a plain wrong value: the judge names no known mistake (any value category)."""

TASK_NAMES = dataclasses.astuple(canned.task_names())
"""The task's names of its entity, sensors, command, action and reward."""
CANNED_NAMES = dataclasses.astuple(protocol.CANNED)
"""The canned env's other names for the same (the public cases use both sets)."""
TASK_FEET, TASK_NONFOOT = (
  f'"{canned.task_names().feet_sensor}"',
  f'"{canned.task_names().nonfoot_sensor}"',
)
NAME = "error"
"""The category of a plant that ignores a name parameter: the call raises (status error)."""


def _name(todo: str, file: str, old: str, new: str, rule: str) -> Mutant:
  """A parameter that names something (entity, sensor, command, reward) ignored: ``old`` with
  the parameter, ``new`` with the task's own name written instead (``_with_canned_names``
  writes the canned env's name instead: both must fail)."""
  return Mutant(todo, NAME, file, old, new, rule)


def _with_canned_names(plant: Mutant) -> Mutant:
  """A name plant that writes the canned env's name where it wrote the task's (the names a
  student could copy from a failing case's error message)."""
  new = plant.new
  for task_name, canned_name in zip(TASK_NAMES, CANNED_NAMES, strict=True):
    new = new.replace(f'"{task_name}"', f'"{canned_name}"')
  assert new != plant.new, plant
  return dataclasses.replace(plant, new=new)


def _value(todo: str, file: str, old: str, new: str, rule: str) -> Mutant:
  """A rule broken so that the values differ (no mistake of the judge's catalogue)."""
  return Mutant(todo, VALUE, file, old, new, rule)


def _solution_of(file: str, name: str) -> str:
  """The solution region (between the markers, without them) of the function ``name``."""
  text = (SOLUTIONS / file).read_text()
  start = text.index("### BEGIN SOLUTION\n", text.index(f"def {name}(")) + len(
    "### BEGIN SOLUTION\n"
  )
  return text[start : text.index("### END SOLUTION", start)].rsplit("\n", 1)[0] + "\n"


C2_SOLUTION = _solution_of(C, "_update_command")
STANDING = "    self.vel_command_b[self.is_standing_env] = 0.0\n"

PLANTS = [
  *MUTANTS,
  # the rules of every term (todos.TERM_RULES)
  Mutant(
    "R3",
    "dtype",
    R,
    "dim=1) / std**2)\n  ### END SOLUTION\n\n\ndef default",
    "dim=1) / std**2).double()\n  ### END SOLUTION\n\n\ndef default",
    "dtype",
  ),
  Mutant(
    "R4",
    "in_place",
    R,
    "  delta = data.joint_pos[:, asset_cfg.joint_ids] - data.default_joint_pos[:, asset_cfg.joint_ids]\n",
    "  delta = data.joint_pos\n  delta -= data.default_joint_pos\n",
    "inputs_kept",
  ),
  Mutant(
    "T3",
    "shape",
    T,
    "return torch.any(env.scene[sensor_name].data.found > 0, dim=1)",
    "return env.scene[sensor_name].data.found > 0",
    "shape",
  ),
  Mutant(
    "O3",
    "nan",
    OBS,
    "return env.scene[asset_cfg.name].data.projected_gravity_b",
    "return env.scene[asset_cfg.name].data.projected_gravity_b / 0.0",
    "finite",
  ),
  Mutant(
    "O2",
    "leak",
    OBS,
    "  return env.scene[asset_cfg.name].data.root_link_ang_vel_b\n",
    "  w = env.scene[asset_cfg.name].data.root_link_ang_vel_b\n  return w - w.mean(dim=0)\n",
    "independent",
  ),
  # numeric parameters ignored: a constant where the docstring names a parameter
  _value("R1", R, "return torch.exp(-error / std**2)", "return torch.exp(-error / 0.5**2)", "std"),
  _value("R2", R, "ang_vel_b[:, 2]) / std**2)", "ang_vel_b[:, 2]) / 0.5**2)", "std"),
  _value(
    "R3",
    R,
    "dim=1) / std**2)\n  ### END SOLUTION\n\n\ndef default",
    "dim=1) / 0.3**2)\n  ### END SOLUTION\n\n\ndef default",
    "std",
  ),
  _value("R5", R, "last_air_time - threshold)", "last_air_time - 0.1)", "threshold"),
  _value(
    "R5",
    R,
    "torch.abs(command[:, 2]) > command_threshold",
    "torch.abs(command[:, 2]) > 0.1",
    "command_threshold",
  ),
  _value("R6", R, "site_ids, 2] - target_height)", "site_ids, 2] - 0.08)", "target_height"),
  _value("R6", R, "torch.tanh(tanh_mult * speed)", "torch.tanh(2.0 * speed)", "tanh_mult"),
  _value("R7", R, "(airborne_peak - target_height)", "(airborne_peak - 0.1)", "target_height"),
  _value("T1", T, "1.0)) > limit_angle", "1.0)) > 0.1745", "limit_angle"),
  _value("T2", T, "[:, 2] < minimum_height", "[:, 2] < 0.25", "minimum_height"),
  _value("O6", OBS, "  if action_name is None:\n", "  if True:\n", "action_name"),
  # selections ignored: every joint or site instead of asset_cfg's
  _value(
    "R4",
    R,
    "delta = data.joint_pos[:, asset_cfg.joint_ids] - data.default_joint_pos[:, asset_cfg.joint_ids]",
    "delta = data.joint_pos - data.default_joint_pos",
    "asset_cfg",
  ),
  _value(
    "R6",
    R,
    "site_pos_w[:, asset_cfg.site_ids, 2] - target_height)\n"
    "  speed = torch.linalg.norm(data.site_lin_vel_w[:, asset_cfg.site_ids, :2]",
    "site_pos_w[:, 1:, 2] - target_height)\n"
    "  speed = torch.linalg.norm(data.site_lin_vel_w[:, 1:, :2]",
    "asset_cfg",
  ),
  _value(
    "O4",
    OBS,
    "  return data.joint_pos[:, asset_cfg.joint_ids] - data.default_joint_pos[:, asset_cfg.joint_ids]",
    "  return data.joint_pos - data.default_joint_pos",
    "asset_cfg",
  ),
  _value(
    "O5",
    OBS,
    "  return data.joint_vel[:, asset_cfg.joint_ids] - data.default_joint_vel[:, asset_cfg.joint_ids]",
    "  return data.joint_vel - data.default_joint_vel",
    "asset_cfg",
  ),
  _value("O8", OBS, "site_pos_w[:, asset_cfg.site_ids, 2]", "site_pos_w[:, 1:, 2]", "asset_cfg"),
  # names ignored: the task's entity, sensor, command or reward instead of the one given
  _name(
    "R1",
    R,
    "get_command(command_name)\n  lin_vel_b",
    'get_command("twist")\n  lin_vel_b',
    "command_name",
  ),
  _name(
    "R1",
    R,
    "lin_vel_b = env.scene[asset_cfg.name]",
    'lin_vel_b = env.scene["robot"]',
    "asset_cfg",
  ),
  _name(
    "R2",
    R,
    "get_command(command_name)\n  ang_vel_b",
    'get_command("twist")\n  ang_vel_b',
    "command_name",
  ),
  _name(
    "R2",
    R,
    "ang_vel_b = env.scene[asset_cfg.name]",
    'ang_vel_b = env.scene["robot"]',
    "asset_cfg",
  ),
  _name(
    "R3",
    R,
    "gravity_b = env.scene[asset_cfg.name]",
    'gravity_b = env.scene["robot"]',
    "asset_cfg",
  ),
  _name(
    "R5",
    R,
    "sensor = env.scene[sensor_name]\n  first_contact",
    f"sensor = env.scene[{TASK_FEET}]\n  first_contact",
    "sensor_name",
  ),
  _name(
    "R5",
    R,
    "get_command(command_name)\n  moving",
    'get_command("twist")\n  moving',
    "command_name",
  ),
  _name(
    "R7",
    R,
    "sensor = env.scene[sensor_name]\n    height",
    f"sensor = env.scene[{TASK_FEET}]\n    height",
    "sensor_name",
  ),
  _name(
    "R7",
    R,
    "height = env.scene[asset_cfg.name]",
    'height = env.scene["robot"]',
    "asset_cfg",
  ),
  _name(
    "R8",
    R,
    "in_contact = (env.scene[sensor_name]",
    f"in_contact = (env.scene[{TASK_FEET}]",
    "sensor_name",
  ),
  _name(
    "R8",
    R,
    "foot_vel = env.scene[asset_cfg.name]",
    'foot_vel = env.scene["robot"]',
    "asset_cfg",
  ),
  *(
    _name(
      todo,
      OBS,
      f"env.scene[asset_cfg.name].data.{field}",
      f'env.scene["robot"].data.{field}',
      "asset_cfg",
    )
    for todo, field in (
      ("O1", "root_link_lin_vel_b"),
      ("O2", "root_link_ang_vel_b"),
      ("O3", "projected_gravity_b"),
    )
  ),
  _name(
    "O7",
    OBS,
    "return env.command_manager.get_command(command_name)",
    'return env.command_manager.get_command("twist")',
    "command_name",
  ),
  *(
    _name(
      todo,
      OBS,
      f"return {before}env.scene[sensor_name].data.{field}",
      f"return {before}env.scene[{TASK_FEET}].data.{field}",
      "sensor_name",
    )
    for todo, before, field in (
      ("O9", "", "current_air_time"),
      ("O10", "(", "found"),
      ("O11", "", "force"),
    )
  ),
  _name(
    "T1",
    T,
    "gravity_b = env.scene[asset_cfg.name]",
    'gravity_b = env.scene["robot"]',
    "asset_cfg",
  ),
  _name("T2", T, "return env.scene[asset_cfg.name]", 'return env.scene["robot"]', "asset_cfg"),
  _name(
    "T3",
    T,
    "return torch.any(env.scene[sensor_name]",
    f"return torch.any(env.scene[{TASK_NONFOOT}]",
    "sensor_name",
  ),
  _name(
    "K1",
    K,
    "ranges = env.command_manager.get_term(command_name)",
    'ranges = env.command_manager.get_term("twist")',
    "command_name",
  ),
  _name(
    "K2",
    K,
    "  cfg = env.reward_manager.get_term_cfg(reward_name)\n",
    '  cfg = env.reward_manager.get_term_cfg("action_rate")\n',
    "reward_name",
  ),
  # the rules of the formulas that a value on the nominal robot could miss
  _value(
    "R2",
    R,
    "return torch.exp(-torch.square(command[:, 2] - ang_vel_b[:, 2]) / std**2)",
    "error = torch.square(command[:, 2] - ang_vel_b[:, 2])\n"
    "  error = error + torch.sum(torch.square(ang_vel_b[:, :2]), dim=1)\n"
    "  return torch.exp(-error / std**2)",
    "yaw_only",
  ),
  _value("R5", R, "last_air_time - threshold)", "current_air_time - threshold)", "flight"),
  _value(
    "R7",
    R,
    "    airborne_peak = torch.maximum(self.peak_height, height)\n"
    "    penalty = torch.sum(first_contact.float() * torch.square(airborne_peak - target_height), dim=1)\n",
    "    penalty = torch.sum(first_contact.float() * torch.square(self.peak_height - target_height), dim=1)\n"
    "    airborne_peak = torch.maximum(self.peak_height, height)\n",
    "order",
  ),
  _value(
    "O11",
    OBS,
    ".force.flatten(start_dim=1)",
    ".force.transpose(1, 2).flatten(start_dim=1)",
    "foot_by_foot",
  ),
  _value("T3", T, "data.found > 0, dim=1)", "data.found == 1, dim=1)", "count"),
  _value(
    "O10",
    OBS,
    "return (env.scene[sensor_name].data.found > 0).float()",
    "return env.scene[sensor_name].data.found.float()",
    "count",
  ),
  _value(
    "R8",
    R,
    "in_contact = (env.scene[sensor_name].data.found > 0).float()",
    "in_contact = env.scene[sensor_name].data.found.float()",
    "count",
  ),
  # a stateful term's reset: forgetting nothing, or every env's memory
  Mutant("R7", "reset", R, "    self.peak_height[env_ids] = 0.0\n", "    pass\n", "reset"),
  Mutant(
    "R7",
    "reset",
    R,
    "    self.peak_height[env_ids] = 0.0\n",
    "    self.peak_height[:] = 0.0\n",
    "reset",
  ),
  # the command
  _value(
    "C1",
    C,
    "self.heading_target[env_ids] = torch.empty(n, device=self.device).uniform_(*r.heading)",
    "self.heading_target[:] = torch.empty(self.num_envs, device=self.device).uniform_(*r.heading)",
    "env_ids",
  ),
  _value(
    "C1", C, "sample[:, 1].uniform_(*r.lin_vel_y)", "sample[:, 1].uniform_(*r.lin_vel_x)", "ranges"
  ),
  _value("C1", C, "< self.cfg.rel_turning_envs", "< self.cfg.rel_standing_envs", "fractions"),
  Mutant(
    "C1", "heading_flag", C, "heading & self.cfg.heading_command", "heading", "heading_command"
  ),
  _value(
    "C2",
    C,
    "    if self.cfg.heading_command:\n      ids",
    "    if True:\n      ids",
    "heading_command",
  ),
  _value(
    "C2",
    C,
    C2_SOLUTION,
    STANDING + C2_SOLUTION.replace(STANDING, ""),
    "standing_last",
  ),
  _value(
    "C3",
    C,
    'self.metrics["error_vel_xy"] += error_xy',
    'self.metrics["error_vel_xy"] = error_xy',
    "accumulate",
  ),
  _value(
    "C3",
    C,
    "self.cfg.resampling_time_range[1] / self._env.step_dt",
    "self.cfg.resampling_time_range[0] / self._env.step_dt",
    "max_command_step",
  ),
  # the curricula
  _value("K1", K, "  active = None\n", "  active = velocity_stages[0]\n", "before_first"),
  _value(
    "K1",
    K,
    "      if key in active:\n        setattr(ranges, key, tuple(active[key]))",
    "      setattr(ranges, key, tuple(active.get(key, (0.0, 0.0))))",
    "given_keys",
  ),
  _value(
    "K2",
    K,
    '>= stage["step"]:\n      cfg.weight',
    '> stage["step"]:\n      cfg.weight',
    "weight_stages",
  ),
  _value(
    "K2",
    K,
    "  for stage in weight_stages:\n",
    '  cfg.weight = float(weight_stages[0]["weight"])\n  for stage in weight_stages:\n',
    "before_first",
  ),
  # the second assignment (terrain.py)
  _name(
    "O12",
    G,
    "data = env.scene[sensor_name].data\n  heights",
    f'data = env.scene["{canned.task_names().height_scan}"].data\n  heights',
    "sensor_name",
  ),
  _value("O12", G, "hit_pos_w[..., 2] - offset", "hit_pos_w[..., 2] - 0.3", "offset"),
  _value(
    "O12",
    G,
    "data.pos_w[:, 2:3] - data.hit_pos_w",
    "0.0 * data.pos_w[:, 2:3] - data.hit_pos_w",
    "relative",
  ),
  _value("O12", G, "  return heights.clamp(-1.0, 1.0)\n", "  return heights\n", "clip"),
  _name(
    "R9",
    G,
    "ground = env.scene[sensor_name]",
    f'ground = env.scene["{canned.task_names().feet_scan}"]',
    "sensor_name",
  ),
  _name(
    "R9",
    G,
    "  data = env.scene[asset_cfg.name].data\n  ground",
    '  data = env.scene["robot"].data\n  ground',
    "asset_cfg",
  ),
  _value(
    "R9", G, "torch.square(height - target_height)", "torch.square(height - 0.08)", "target_height"
  ),
  _value("R9", G, "torch.tanh(tanh_mult * speed)", "torch.tanh(2.0 * speed)", "tanh_mult"),
  _value(
    "R9",
    G,
    "height = data.site_pos_w[:, asset_cfg.site_ids, 2] - ground",
    "height = data.site_pos_w[:, asset_cfg.site_ids, 2] + 0.0 * ground",
    "above_terrain",
  ),
  _name(
    "K3",
    G,
    "get_command(command_name)[env_ids, :2]",
    'get_command("twist")[env_ids, :2]',
    "command_name",
  ),
  _name(
    "K3",
    G,
    "position = env.scene[asset_cfg.name]",
    'position = env.scene["robot"]',
    "asset_cfg",
  ),
  _value(
    "K3",
    G,
    "  terrain = env.scene.terrain\n  position",
    "  terrain = env.scene.terrain\n  env_ids = torch.arange(env.num_envs)\n  position",
    "env_ids",
  ),
  _value(
    "K3",
    G,
    "(walked > terrain.cfg.generator.size[0] / 2)",
    "(walked > terrain.cfg.generator.size[0])",
    "up",
  ),
  _value("K3", G, "(walked < 0.5 * asked)", "(walked < asked)", "down"),
  _value(
    "K3",
    G,
    "  ran = env.episode_length_buf[env_ids] > 0\n",
    "  ran = env.episode_length_buf[env_ids] >= 0\n",
    "ran",
  ),
  _value(
    "K3",
    G,
    "return float(terrain.levels.float().mean())",
    "return float(terrain.levels[env_ids].float().mean())",
    "mean",
  ),
]


PLANTS += [_with_canned_names(plant) for plant in PLANTS if plant.category == NAME]


def _groups() -> list[list[Mutant]]:
  """The plants in as few folders as possible, one plant per TODO in each, of one assignment
  each (a group's check runs its assignment's TODOs only)."""
  groups: list[list[Mutant]] = []
  for plant in PLANTS:
    assignment = todos.assignment_of(plant.todo)
    group = next(
      (
        g
        for g in groups
        if plant.todo not in {p.todo for p in g} and todos.assignment_of(g[0].todo) is assignment
      ),
      None,
    )
    if group is None:
      groups.append(group := [])
    group.append(plant)
  return groups


@pytest.mark.parametrize("group", _groups(), ids=lambda g: "+".join(p.todo for p in g))
def test_each_planted_mistake_fails_its_todo_in_the_public_check(group, tmp_path):
  folder = SOLUTIONS
  for i, plant in enumerate(group):
    folder = write_mutant(plant, tmp_path / str(i), source=folder)
  assignments = dict.fromkeys(todos.assignment_of(p.todo).name for p in group)
  results = {
    r.todo: r
    for assignment in assignments
    for r in public.run_public_checks(load_mdp(str(folder)), assignment)
  }
  cases = {c.name: c for c in load_public_cases()}
  planted = {p.todo: p for p in group}
  problems = [_problem(planted.get(todo), r, cases) for todo, r in results.items()]
  assert not [p for p in problems if p], "\n".join(p for p in problems if p)


def _problem(plant: Mutant | None, result: public.Result, cases: dict) -> str:
  """What is wrong with one TODO's result in a folder of plants ("" when nothing is)."""
  where = f"{result.todo} ({plant.rule if plant else 'no plant'}): {result.status}: {result.detail}"
  if plant is None:
    return "" if result.status == "pass" else f"unplanted TODO fails: {where}"
  if plant.category == NAME:  # a name one of the canned envs does not have: the call raises
    written = re.escape(re.search(r'"(\w+)"', plant.new)[1])
    ok = result.status == "error" and re.search(f"'{written}'", result.detail)
    return "" if ok else f"no error naming the name written: {where}"
  category = re.match(r"\[(\w+)\] ", result.detail)
  if result.status != "fail" or not category:
    return f"does not fail with a category: {where}"
  if plant.category is not VALUE and category[1] != plant.category:
    return f"category is not {plant.category}: {where}"
  case = re.search(r"^case (public_\w+): (.+)$", result.detail, re.M)
  if not (case and case[2] == cases[case[1]].describe(result.todo) != ""):
    return f"no case description: {where}"
  if "expected -0," in result.detail or "got -0\n" in result.detail:
    return f"prints -0: {where}"
  return ""


def test_every_rule_of_the_registry_has_a_planted_mistake():
  planted = {(p.todo, p.rule) for p in PLANTS}
  missing = [
    (t.todo, rule)
    for t in todos.BY_ID.values()
    for rule in t.rules
    if (t.todo, rule) not in planted
  ]
  assert not missing, f"rules without a planted mistake: {missing}"
  term_rules_planted = {p.rule for p in PLANTS if todos.BY_ID[p.todo].kind == "term"}
  assert set(todos.TERM_RULES) <= term_rules_planted, set(todos.TERM_RULES) - term_rules_planted
  for plant in PLANTS:
    if plant.rule is not None:
      rules = todos.BY_ID[plant.todo].rules
      assert plant.rule in rules or plant.rule in todos.TERM_RULES, plant


def test_every_parameter_of_a_todo_has_a_rule():
  """A parameter of a TODO's signature is a rule: the cases give it a value the task does not."""
  mdp = load_mdp("solutions")
  for todo in todos.BY_ID.values():
    owner = getattr(mdp, todo.name.split(".")[0])
    func = getattr(owner, todo.name.split(".")[1]) if "." in todo.name else owner
    if isinstance(func, type):
      func = func.__call__
    params = set(inspect.signature(func).parameters) - {"self", "env", "env_ids"}
    assert params <= set(todo.rules), (todo.todo, params - set(todo.rules))


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
