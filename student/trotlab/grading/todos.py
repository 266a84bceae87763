"""The assignments' TODOs: the one list of them.

Every place that needs the TODOs reads this list: the autograder (its cases, the term checks,
the report), the stub generator, the public self-check (``uv run check``) and the tests. A TODO
has its handout id, its kind (how it is probed and judged), the student file and the function,
class or method to fill in, its points (split evenly over the TODO's canned cases) and the
contract its output must meet.

Two assignments (``ASSIGNMENTS``): "flat", the first (Go1 on flat ground: five files, term checks
worth 100 points, a training check and the notebook), and "rough", the second (Go1 on rough
terrain: one more file, ``terrain.py``, term checks only). The second builds on the first: the
rough task runs the student's first-assignment terms too. Ids are unique across assignments.
``TODOS``, ``FILES``, ``IDS`` and ``TOTAL_POINTS`` are the first assignment's; ``BY_ID`` knows
every TODO.

Each TODO lists the rules its docstring states that a plain value comparison on the nominal
robot could miss (``rules``: a parameter used as given, a stateful term's reset, an order the
docstring fixes, ...); every term TODO also keeps ``TERM_RULES``. Each rule has a case that
code breaking only that rule fails: the course's own tests plant such a mistake for every rule,
and a rule without one fails them.

Kinds: ``term`` (a reward, observation or termination function or class, called on env states),
``resample`` (C1, judged by rules on many random draws), ``update_command`` and ``metrics``
(C2, C3: the command's state after the call), ``curriculum`` (K1, K2: returned value and the
config it changed), ``terrain_curriculum`` (K3: returned value, the envs' levels and origins).
"""

from __future__ import annotations

import dataclasses

N = "num_envs"


@dataclasses.dataclass(frozen=True)
class Todo:
  todo: str
  """The handout's id, e.g. "R1"."""
  kind: str
  """term | resample | update_command | metrics | curriculum | terrain_curriculum"""
  file: str
  """The student file, without ".py"."""
  name: str
  """The function or class (terms, curricula) or "Class.method" (the command) to fill in."""
  points: int
  shape: str
  """The output's shape per call (``num_envs`` envs), as the docstrings state it."""
  dtype: str | None = None
  """The output's dtype where the contract fixes one (terms); the grader checks it."""
  rules: dict[str, str] = dataclasses.field(default_factory=dict, hash=False)
  """Rule id -> the rule, as the docstring states it. A parameter's rule has the parameter's
  name as its id (every parameter of the TODO's signature has one)."""


TERM_RULES: dict[str, str] = {
  "shape": "returns the shape the docstring states",
  "dtype": "returns the dtype the docstring states",
  "inputs_kept": "leaves its inputs (the robot's state, sensors, actions, command) untouched",
  "independent": "each env's output depends on that env's data only",
  "finite": "returns finite numbers",
}
"""The rules of every term TODO (the handout's section on what the grader checks)."""

ASSET = "reads the entity env.scene[asset_cfg.name]"
SELECTED = "uses the {} asset_cfg selects, in its order"
SENSOR = "reads the sensor env.scene[sensor_name]"
COMMAND_NAME = "reads the command named command_name"


COUNT = "touching is found > 0: found counts contacts and can exceed 1"
"""The rule of the TODOs whose output a raw contact count changes (O10, R8, T3; cases:
public_curb, curb, public_tumble). R7 reads found too, but only to zero a stance foot's peak: a
foot with 2 contacts taken for airborne keeps its stance height as peak, and its next swing
starts from that height, so the penalty cannot differ (no case can show the mistake)."""


def _reward(todo: str, name: str, points: int, **rules: str) -> Todo:
  return Todo(todo, "term", "rewards", name, points, f"({N},)", "float32", rules)


def _obs(todo: str, name: str, points: int, width: str, **rules: str) -> Todo:
  return Todo(todo, "term", "observations", name, points, f"({N}, {width})", "float32", rules)


def _termination(todo: str, name: str, points: int, **rules: str) -> Todo:
  return Todo(todo, "term", "terminations", name, points, f"({N},)", "bool", rules)


COMMAND = "velocity_command"
TERRAIN = "terrain"
"""The second assignment's student file."""

FLAT_TODOS: tuple[Todo, ...] = (
  _reward(
    "R1",
    "track_linear_velocity",
    7,
    std="divides the error by std^2, the std given",
    command_name=COMMAND_NAME,
    asset_cfg=ASSET,
    body_frame="compares body-frame velocities (root_link_lin_vel_b)",
    vertical="counts the vertical velocity v_z^2 as error",
  ),
  _reward(
    "R2",
    "track_angular_velocity",
    6,
    std="divides the error by std^2, the std given",
    command_name=COMMAND_NAME,
    asset_cfg=ASSET,
    yaw_only="only the yaw rate counts, not the roll and pitch rates",
  ),
  _reward("R3", "flat_orientation", 4, std="divides by std^2, the std given", asset_cfg=ASSET),
  _reward("R4", "default_joint_position", 3, asset_cfg=SELECTED.format("joints")),
  _reward(
    "R5",
    "feet_air_time",
    9,
    sensor_name=SENSOR,
    command_name=COMMAND_NAME,
    threshold="subtracts the threshold given",
    command_threshold="0 where ||(c_vx, c_vy)|| + |c_wz| <= command_threshold, the one given",
    flight="pays the flight that just ended (last_air_time), on touch-down steps only",
  ),
  _reward(
    "R6",
    "feet_clearance",
    5,
    target_height="compares with the target_height given",
    tanh_mult="scales the speed by the tanh_mult given",
    asset_cfg=SELECTED.format("foot sites"),
  ),
  _reward(
    "R7",
    "feet_swing_height",
    8,
    sensor_name=SENSOR,
    target_height="compares with the target_height given",
    asset_cfg=ASSET,
    order="updates the peak before the penalty: the landing step's height counts",
    reset="reset(env_ids) forgets the peaks of those envs only",
  ),
  _reward("R8", "feet_slip", 5, sensor_name=SENSOR, asset_cfg=ASSET, count=COUNT),
  _obs("O1", "base_lin_vel", 2, "3", asset_cfg=ASSET),
  _obs("O2", "base_ang_vel", 2, "3", asset_cfg=ASSET),
  _obs("O3", "projected_gravity", 2, "3", asset_cfg=ASSET),
  _obs("O4", "joint_pos_rel", 2, "selected joints", asset_cfg=SELECTED.format("joints")),
  _obs("O5", "joint_vel_rel", 2, "selected joints", asset_cfg=SELECTED.format("joints")),
  _obs(
    "O6",
    "last_action",
    2,
    "action dim",
    action_name="with action_name given, that term's raw_action; else action_manager.action",
  ),
  _obs("O7", "generated_commands", 2, "3", command_name=COMMAND_NAME),
  _obs("O8", "foot_height", 2, "selected feet", asset_cfg=SELECTED.format("foot sites")),
  _obs("O9", "foot_air_time", 2, "feet", sensor_name=SENSOR),
  _obs("O10", "foot_contact", 2, "feet", sensor_name=SENSOR, count=COUNT),
  _obs(
    "O11",
    "foot_contact_forces",
    2,
    "3 x feet",
    sensor_name=SENSOR,
    foot_by_foot="flattens foot by foot: (f_FR_x, f_FR_y, f_FR_z, f_FL_x, ...)",
  ),
  _termination("T1", "bad_orientation", 4, limit_angle="the limit_angle given", asset_cfg=ASSET),
  _termination(
    "T2", "root_height_below_minimum", 2, minimum_height="the height given", asset_cfg=ASSET
  ),
  _termination(
    "T3",
    "illegal_contact",
    3,
    sensor_name=SENSOR,
    count=COUNT,
  ),
  Todo(
    "C1",
    "resample",
    COMMAND,
    "UniformVelocityCommand._resample_command",
    6,
    "fills vel_command_b, heading_target and the env flags of env_ids",
    rules={
      "env_ids": "draws for the envs env_ids only; the other envs keep theirs",
      "ranges": "draws each of vx, vy, wz and the heading in its own range",
      "heading_command": "no heading envs when cfg.heading_command is False",
      "fractions": "each flag is true for its fraction of envs (rel_*_envs), drawn independently",
    },
  ),
  Todo(
    "C2",
    "update_command",
    COMMAND,
    "UniformVelocityCommand._update_command",
    5,
    f"updates vel_command_b ({N}, 3)",
    rules={
      "wrap": "wraps the heading error to [-pi, pi)",
      "clip": "clips the yaw rate to ranges.ang_vel_z",
      "heading_command": "heading envs get a yaw rate only when cfg.heading_command is True",
      "turning": "turning envs: (vx, vy) = 0, the yaw rate stays",
      "standing_last": "standing envs are zeroed last, so a standing heading env stands still",
    },
  ),
  Todo(
    "C3",
    "metrics",
    COMMAND,
    "UniformVelocityCommand._update_metrics",
    3,
    f'accumulates metrics["error_vel_xy"], metrics["error_vel_yaw"] ({N},)',
    rules={
      "accumulate": "adds to the metrics; never sets them",
      "max_command_step": "divides by resampling_time_range[1] / step_dt",
    },
  ),
  Todo(
    "K1",
    "curriculum",
    "curriculums",
    "commands_vel",
    5,
    "dict of 3 floats",
    rules={
      "command_name": COMMAND_NAME,
      "velocity_stages": "a stage starts at its step exactly; the last one reached is active",
      "before_first": "before the first stage, the ranges stay as they are",
      "given_keys": "copies only the ranges the active stage gives",
    },
  ),
  Todo(
    "K2",
    "curriculum",
    "curriculums",
    "reward_weight",
    3,
    "float",
    rules={
      "reward_name": "sets the weight of the reward named reward_name",
      "weight_stages": "a stage starts at its step exactly; the last one reached is active",
      "before_first": "before the first stage, the weight stays as it is",
    },
  ),
)

ROUGH_TODOS: tuple[Todo, ...] = (
  Todo(
    "O12",
    "term",
    TERRAIN,
    "height_scan",
    8,
    f"({N}, rays)",
    "float32",
    {
      "sensor_name": "reads the height scan env.scene[sensor_name]",
      "offset": "subtracts the offset given",
      "relative": "heights relative to the body: body z - hit z, not the hit z alone",
      "clip": "clips to [-1, 1]",
    },
  ),
  Todo(
    "R9",
    "term",
    TERRAIN,
    "feet_clearance_terrain",
    10,
    f"({N},)",
    "float32",
    {
      "sensor_name": "reads the foot rays of the height scan env.scene[sensor_name]",
      "target_height": "compares with the target_height given",
      "tanh_mult": "scales the speed by the tanh_mult given",
      "asset_cfg": ASSET,
      "above_terrain": "a foot's height is measured above the terrain under it, not above z = 0",
    },
  ),
  Todo(
    "K3",
    "terrain_curriculum",
    TERRAIN,
    "terrain_levels",
    12,
    "float: the mean level; moves envs with env.scene.move_terrain_levels",
    rules={
      "command_name": COMMAND_NAME,
      "asset_cfg": ASSET,
      "env_ids": "moves the envs env_ids only",
      "up": "up where the robot is farther than half a tile from its env origin",
      "down": "down where it walked less than half of ||c_xy|| x the episode's length in s",
      "ran": "envs whose episode_length_buf is 0 (no episode run yet) stay",
      "mean": "returns the mean level of all envs, not only of env_ids",
    },
  ),
)


@dataclasses.dataclass(frozen=True)
class Assignment:
  name: str
  """"flat" or "rough": the ``--assignment`` of ``check``, ``submit`` and the grader."""
  title: str
  task: str
  """The task whose MDP the assignment's TODOs are part of."""
  handout: str
  """Its handout, from the repository's root."""
  todos: tuple[Todo, ...]
  graded_whole: bool = False
  """Whether the grader also trains its MDP (the training check) and grades its notebook; when
  False, its score is the term checks alone and its hand-in has no notebook."""

  @property
  def check_command(self) -> str:
    """The public self-check of its TODOs."""
    return "uv run check" + ("" if self.name == "flat" else f" --assignment {self.name}")

  @property
  def files(self) -> tuple[str, ...]:
    """Its student files, in the order of its TODOs."""
    return tuple(dict.fromkeys(t.file for t in self.todos))

  @property
  def ids(self) -> tuple[str, ...]:
    return tuple(t.todo for t in self.todos)

  @property
  def total_points(self) -> int:
    """Its term checks' points."""
    return sum(t.points for t in self.todos)


ASSIGNMENTS: dict[str, Assignment] = {
  "flat": Assignment(
    "flat",
    "Go1 on flat ground",
    "Mjlab-Velocity-Flat-Unitree-Go1",
    "handouts/assignment.md",
    FLAT_TODOS,
    graded_whole=True,
  ),
  "rough": Assignment(
    "rough",
    "Go1 on rough terrain",
    "Mjlab-Velocity-Rough-Unitree-Go1",
    "handouts/assignment2.md",
    ROUGH_TODOS,
  ),
}
FIRST = ASSIGNMENTS["flat"]
TODOS: tuple[Todo, ...] = FIRST.todos
"""The first assignment's TODOs."""
BY_ID: dict[str, Todo] = {t.todo: t for a in ASSIGNMENTS.values() for t in a.todos}
"""Every TODO of every assignment, by id."""
IDS: tuple[str, ...] = tuple(t.todo for t in TODOS)
FILES: tuple[str, ...] = FIRST.files
"""The first assignment's five student files, in the order of the TODOs."""
LATER_FILES: tuple[str, ...] = tuple(
  f for a in ASSIGNMENTS.values() if a is not FIRST for f in a.files
)
"""The later assignments' student files (a first-assignment submission has none of them)."""
TOTAL_POINTS = FIRST.total_points


def add_assignment_option(parser) -> None:
  """The ``--assignment`` option of ``check``, ``submit`` and the grader (an argparse parser)."""
  parser.add_argument(
    "--assignment",
    choices=tuple(ASSIGNMENTS),
    default=FIRST.name,
    help="flat (the first assignment, the default) or rough (the second: the rough task's"
    " terrain.py)",
  )


def task_files(task: str) -> tuple[str, ...]:
  """The student files a task's MDP runs: the first assignment's, and a later assignment's own
  where ``task`` is that assignment's task (the rough task runs terrain.py too)."""
  later = [f for a in ASSIGNMENTS.values() if a is not FIRST and a.task == task for f in a.files]
  return FILES + tuple(later)


def assignment_of(todo: str) -> Assignment:
  """The assignment a TODO id belongs to."""
  return next(a for a in ASSIGNMENTS.values() if any(t.todo == todo for t in a.todos))


def check_assignment(name: str) -> Assignment:
  """The assignment named ``name``; ValueError naming the choices otherwise."""
  if name not in ASSIGNMENTS:
    raise ValueError(f"assignment: one of {tuple(ASSIGNMENTS)}, got {name!r}")
  return ASSIGNMENTS[name]
