"""The grader's canned cases: which states, which parameters, for which TODO.

Snapshot cases are sequences of env states (see trotlab.grading.snapshot) recorded by
``record_cases.py`` from real rollouts and crafted poses. Every term TODO is probed on every
snapshot case, with the parameters below (hidden cases use other values than the public one, so
a hard-coded constant does not pass). The command TODOs and the curricula have their own cases.
Public cases (names starting with "public_") ship to students with their expected values.
Parameters are written with the canned names (trotlab.grading.protocol.CANNED); a case whose
``names`` is "task" runs in a canned env named as the task is, and its parameters say the task's
names instead (``in_names``). Each TODO has public cases of both name sets.
The TODOs themselves (ids, files, names, kinds, points) are trotlab.grading.todos's registry.
A snapshot case belongs to one assignment (its canned env: the flat task's, or the rough task's
with its terrain and height scans) and probes that assignment's term TODOs only.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from trotlab.grading.canned import names_of
from trotlab.grading.protocol import CANNED
from trotlab.grading.todos import BY_ID, FILES, TODOS, Todo  # noqa: F401  (the registry, re-exported)

ROBOT, SENSOR, NONFOOT_SENSOR = CANNED.robot, CANNED.feet_sensor, CANNED.nonfoot_sensor
COMMAND, ACTION = CANNED.command, CANNED.action
HEIGHT_SCAN, FEET_SCAN = CANNED.height_scan, CANNED.feet_scan

FEET = ["FR", "FL", "RR", "RL"]


def feet(order: list[str] = FEET) -> dict:
  return {"scene_entity": {"name": ROBOT, "site_names": order, "preserve_order": True}}


def robot(**selection) -> dict:
  """The canned env's robot as an asset_cfg (its name is not the task's "robot", so every case
  passes it, also where the term's default would do in the task)."""
  return {"scene_entity": {"name": ROBOT, **selection}}


# Term parameters: (public values, hidden values).
TERM_PARAMS: dict[str, tuple[dict, dict]] = {
  "R1": (
    {"std": 0.5, "command_name": COMMAND, "asset_cfg": robot()},
    {"std": 0.35, "command_name": COMMAND, "asset_cfg": robot()},
  ),
  "R2": (
    {"std": 0.5, "command_name": COMMAND, "asset_cfg": robot()},
    {"std": 0.7, "command_name": COMMAND, "asset_cfg": robot()},
  ),
  "R3": ({"std": 0.3, "asset_cfg": robot()}, {"std": 0.45, "asset_cfg": robot()}),
  "R4": (
    {"asset_cfg": robot()},
    {
      "asset_cfg": robot(joint_names=[".*_calf_joint", ".*_hip_joint"], preserve_order=True),
    },
  ),
  "R5": (
    {"sensor_name": SENSOR, "command_name": COMMAND, "threshold": 0.2},
    {"sensor_name": SENSOR, "command_name": COMMAND, "threshold": 0.12, "command_threshold": 0.3},
  ),
  "R6": (
    {"target_height": 0.08, "tanh_mult": 2.0, "asset_cfg": feet()},
    {"target_height": 0.1, "tanh_mult": 3.0, "asset_cfg": feet()},
  ),
  "R7": (
    {"sensor_name": SENSOR, "target_height": 0.08, "asset_cfg": feet()},
    {"sensor_name": SENSOR, "target_height": 0.12, "asset_cfg": feet()},
  ),
  "R8": (
    {"sensor_name": SENSOR, "asset_cfg": feet()},
    {"sensor_name": SENSOR, "asset_cfg": feet()},
  ),
  "O1": ({"asset_cfg": robot()}, {"asset_cfg": robot()}),
  "O2": ({"asset_cfg": robot()}, {"asset_cfg": robot()}),
  "O3": ({"asset_cfg": robot()}, {"asset_cfg": robot()}),
  "O4": ({"asset_cfg": robot()}, {"asset_cfg": robot(joint_names=[".*_thigh_joint"])}),
  "O5": ({"asset_cfg": robot()}, {"asset_cfg": robot()}),
  "O6": ({}, {}),
  "O7": ({"command_name": COMMAND}, {"command_name": COMMAND}),
  "O8": ({"asset_cfg": feet()}, {"asset_cfg": feet(["RL", "FR"])}),
  "O9": ({"sensor_name": SENSOR}, {"sensor_name": SENSOR}),
  "O10": ({"sensor_name": SENSOR}, {"sensor_name": SENSOR}),
  "O11": ({"sensor_name": SENSOR}, {"sensor_name": SENSOR}),
  "T1": (
    {"limit_angle": math.radians(10.0), "asset_cfg": robot()},
    {"limit_angle": math.radians(40.0), "asset_cfg": robot()},
  ),
  "T2": (
    {"minimum_height": 0.25, "asset_cfg": robot()},
    {"minimum_height": 0.2, "asset_cfg": robot()},
  ),
  "T3": ({"sensor_name": NONFOOT_SENSOR}, {"sensor_name": NONFOOT_SENSOR}),
  "O12": (
    {"sensor_name": HEIGHT_SCAN, "offset": 0.3},
    {"sensor_name": HEIGHT_SCAN, "offset": 0.27},
  ),
  "R9": (
    {"sensor_name": FEET_SCAN, "target_height": 0.08, "tanh_mult": 2.0, "asset_cfg": feet()},
    {"sensor_name": FEET_SCAN, "target_height": 0.12, "tanh_mult": 3.0, "asset_cfg": feet()},
  ),
}


@dataclasses.dataclass(frozen=True)
class SnapshotCase:
  """A recorded state sequence: ``start`` names a crafted start (record_cases.py)."""

  name: str
  num_envs: int
  steps: int
  start: str
  commands: tuple[tuple[float, float, float], ...]
  policy: bool = False
  """Drive the envs with the reference policy (else a scripted gait)."""
  description: str = ""
  """One line on what the states show, recorded into the case's meta: the public check names a
  failing case with it."""
  notes: dict[str, str] = dataclasses.field(default_factory=dict, hash=False)
  """TODO id -> what the states show for that TODO only, added to the description when it
  fails."""
  params: dict = dataclasses.field(default_factory=dict, hash=False)
  """TODO id -> parameters, in place of the default ones (term_params, update_command_params)."""
  names: str = "canned"
  """The name set of its canned env (trotlab.grading.protocol.NAME_SETS)."""
  assignment: str = "flat"
  """Its assignment: its canned env, the TODOs it probes (trotlab.grading.todos.ASSIGNMENTS)."""
  todos: tuple[str, ...] = ()
  """Only these of its assignment's TODOs (empty: every one): a case made for one rule, whose
  states would not tell every other TODO's mutants apart."""

  @property
  def public(self) -> bool:
    return self.name.startswith("public_")


ROUGH_COMMANDS = (
  (0.5, 0.0, 0.0),
  (0.0, 0.3, 0.2),
  (0.4, -0.2, 0.0),
  (-0.3, 0.0, 0.5),
  (0.6, 0.1, -0.3),
  (0.0, 0.0, 0.0),
)
CONTACT_COUNT_TODOS = ("O10", "R8")
"""The TODOs the curb cases probe: those a raw contact count changes on feet (the registry's
count rule; T3's case is public_tumble's calf on the ground)."""
SNAPSHOT_CASES = [
  SnapshotCase(
    name="public_tumble",
    num_envs=3,
    steps=30,
    start="tumble",
    commands=((0.5, 0.2, 0.3), (0.0, 0.0, 0.0), (-0.4, 0.1, -0.6)),
    description=(
      "3 robots, 30 steps: env 0 steps in place yawed 40 deg, env 1 falls from 15 cm pitched,"
      " rolled and yawed -69 deg, env 2 starts rolled 75 deg and topples onto its side"
    ),
    names="task",
  ),
  SnapshotCase(
    name="public_params",
    num_envs=3,
    steps=30,
    start="turned",
    commands=((0.6, -0.2, 0.4), (0.1, 0.05, 0.1), (0.0, 0.3, -0.5)),
    description="3 robots standing, parameters at non-default values",
    notes={
      "C2": "env 0 faces -160 deg, its target heading is +166 deg (the error wraps)",
      "R5": "env 1's command is below command_threshold",
      "O6": "raw_action differs from action_manager.action",
    },
    params={
      "R1": {"std": 0.4, "command_name": COMMAND, "asset_cfg": robot()},
      "R2": {"std": 0.6, "command_name": COMMAND, "asset_cfg": robot()},
      "R3": {"std": 0.6, "asset_cfg": robot()},
      "R4": {
        "asset_cfg": robot(joint_names=[".*_thigh_joint", "FR_hip_joint"], preserve_order=True)
      },
      "R5": {
        "sensor_name": SENSOR,
        "command_name": COMMAND,
        "threshold": 0.15,
        "command_threshold": 0.35,
      },
      "R6": {"target_height": 0.1, "tanh_mult": 4.0, "asset_cfg": feet(["RL", "FR"])},
      "R7": {"sensor_name": SENSOR, "target_height": 0.11, "asset_cfg": feet()},
      "O4": {"asset_cfg": robot(joint_names=[".*_calf_joint"])},
      "O5": {"asset_cfg": robot(joint_names=["RL_.*", "FR_hip_joint"], preserve_order=True)},
      "O6": {"action_name": ACTION},
      "O8": {"asset_cfg": feet(["FL", "RR", "FR"])},
      "T1": {"limit_angle": math.radians(6.0), "asset_cfg": robot()},
      "T2": {"minimum_height": 0.24, "asset_cfg": robot()},
    },
  ),
  SnapshotCase(
    name="walk",
    num_envs=6,
    steps=40,
    start="walk",
    commands=(
      (0.5, 0.0, 0.0),
      (0.0, 0.3, 0.0),
      (0.0, 0.0, 0.6),
      (0.4, -0.2, 0.3),
      (0.0, 0.0, 0.0),
      (-0.4, 0.0, -0.3),
    ),
    policy=True,
  ),
  SnapshotCase(
    name="crafted",
    num_envs=6,
    steps=25,
    start="crafted",
    commands=(
      (0.0, 0.0, 0.0),
      (0.8, 0.0, 0.0),
      (0.2, -0.4, 0.9),
      (0.0, 0.5, 0.0),
      (0.05, 0.0, 0.02),
      (-0.6, 0.3, -1.0),
    ),
  ),
  SnapshotCase(name="single", num_envs=1, steps=20, start="single", commands=((0.3, -0.2, 0.4),)),
  SnapshotCase(
    name="public_curb",
    num_envs=3,
    steps=30,
    start="curb",
    commands=((0.4, 0.0, 0.0), (0.3, 0.1, 0.0), (0.5, 0.0, 0.2)),
    description=(
      "3 robots walking into a 10 cm curb: a front foot against its side and on the ground touches"
      " the terrain twice (found = 2) for most of the 30 steps"
    ),
    todos=CONTACT_COUNT_TODOS,
  ),
  SnapshotCase(
    name="curb",
    num_envs=6,
    steps=30,
    start="curb",
    commands=(
      (0.4, 0.0, 0.0),
      (0.3, -0.1, 0.0),
      (0.5, 0.0, 0.2),
      (0.2, 0.2, -0.3),
      (0.0, 0.0, 0.0),
      (0.6, 0.0, 0.0),
    ),
    todos=CONTACT_COUNT_TODOS,
  ),
  SnapshotCase(
    name="public_rough",
    num_envs=6,
    steps=30,
    start="rough",
    commands=ROUGH_COMMANDS,
    description=(
      "6 robots on the rough task's play terrain, one per tile type (flat, rough, slope up,"
      " slope down, stairs up, stairs down), placed off their tiles' centres and yawed, a"
      " scripted gait; env 5 drops from 1.2 m above the ground (its scan leaves [-1, 1])"
    ),
    names="task",
    assignment="rough",
  ),
  SnapshotCase(
    name="public_rough_params",
    num_envs=6,
    steps=30,
    start="rough",
    commands=ROUGH_COMMANDS[::-1],
    description="the robots of public_rough, parameters at other values",
    params={
      "O12": {"sensor_name": HEIGHT_SCAN, "offset": 0.36},
      "R9": {
        "sensor_name": FEET_SCAN,
        "target_height": 0.1,
        "tanh_mult": 4.0,
        "asset_cfg": feet(),
      },
    },
    assignment="rough",
  ),
  SnapshotCase(
    name="rough",
    num_envs=6,
    steps=30,
    start="rough_far",
    commands=ROUGH_COMMANDS[1:] + ROUGH_COMMANDS[:1],
    assignment="rough",
  ),
]


CANNED_NAMES = {"asset_cfg": robot(), "sensor_name": SENSOR, "command_name": COMMAND}
"""The canned env's name for a name parameter that a TODO's parameters above do not give (a TODO
without an entry gets these only)."""


def term_params(todo: str, case: SnapshotCase) -> dict[str, Any]:
  """A term TODO's parameters on a snapshot case, in the case's names."""
  params = case.params.get(todo)
  if params is None:
    public, hidden = TERM_PARAMS.get(todo, ({}, {}))
    params = public if case.public else hidden
    names = {k: v for k, v in CANNED_NAMES.items() if k in BY_ID[todo].rules and k not in params}
    params = {**params, **names}
  return in_names(params, case.names)


def in_names(value: Any, names: str) -> Any:
  """``value`` (parameters written with the canned names) with every canned name replaced by
  its name in the name set ``names``."""
  if names == "canned":
    return value
  rename = dict(zip(dataclasses.astuple(CANNED), dataclasses.astuple(names_of(names)), strict=True))

  def walk(item: Any) -> Any:
    if isinstance(item, dict):
      return {k: walk(v) for k, v in item.items()}
    if isinstance(item, list):
      return [walk(v) for v in item]
    return rename.get(item, item) if isinstance(item, str) else item

  return walk(value)


def update_command_params(case: SnapshotCase) -> dict:
  """C2 on a snapshot case: the even envs and env 1 are heading envs, every third one turns in
  place (env 2 is a turning heading env; in a case of fewer than 3 envs all turn), env 1 stands
  (a standing heading env: it must end at rest, whatever its heading error), and the
  controller's raw output leaves the yaw range for some env in every case (so a missing clip
  shows). The probe runs each step with the heading flag on and again with it off."""
  n = case.num_envs
  # In every case a heading env's target minus its heading leaves [-pi, pi), so a missing wrap
  # shows: "turned" env 0 (target 2.9 rad, facing -2.8) and env 2 (-2.6 vs 2.7), "tumble" env 0
  # (-2.6 vs about 0.8), "single" env 0 (1.5 vs about -1.9), and env 4 (4.9) of the others.
  crossing = {"turned": [2.9, 0.0, -2.6], "tumble": [-2.6, -1.6, 2.7], "single": [1.5]}
  heading_target = crossing.get(case.start, [((-1) ** i) * (0.5 + 1.1 * i) for i in range(n)])
  cfg = {
    "resampling_time_range": [2.0, 4.0],
    "heading_command": True,
    "heading_control_stiffness": {"tumble": 0.5, "turned": 0.8}.get(case.start, 1.5),
    "ranges": {
      "lin_vel_x": [-1.0, 1.0],
      "lin_vel_y": [-0.5, 0.5],
      "ang_vel_z": [-0.8, 0.6],
      "heading": [-3.1, 3.1],
    },
  }
  return {
    "cfg": cfg,
    "heading_target": heading_target,
    "is_heading_env": [i % 2 == 0 or i == 1 for i in range(n)],
    "is_turning_env": [i % 3 == 2 or n < 3 for i in range(n)],
    "is_standing_env": [i == 1 or (n == 1) for i in range(n)] if n > 1 else [False],
  }


def metrics_params(case: SnapshotCase) -> dict:
  span = {"tumble": [2.0, 4.0], "turned": [1.0, 5.0]}.get(case.start, [3.0, 7.0])
  return {"cfg": {"resampling_time_range": span}}


@dataclasses.dataclass(frozen=True)
class ParamCase:
  """A case without snapshots (C1 sampling, K1/K2/K3 curricula)."""

  name: str
  todo: str
  num_envs: int
  params: dict
  description: str = ""
  names: str = "canned"
  """The name set of its canned env (trotlab.grading.protocol.NAME_SETS)."""

  @property
  def public(self) -> bool:
    return self.name.startswith("public_")


PARAM_CASES = [
  ParamCase(
    "public_sampling",
    "C1",
    3,
    {
      "env_ids": [0, 2],
      "draws": 400,
      "seed": 0,
      "cfg": {
        "rel_heading_envs": 0.5,
        "rel_turning_envs": 0.2,
        "rel_standing_envs": 0.25,
        "heading_command": True,
        "ranges": {
          "lin_vel_x": [-0.5, 1.0],
          "lin_vel_y": [-0.3, 0.2],
          "ang_vel_z": [0.1, 0.9],
          "heading": [-1.0, 1.0],
        },
      },
    },
    description="C1: 400 draws for envs 0 and 2 of 3, heading commands on",
  ),
  ParamCase(
    "sampling",
    "C1",
    8,
    {
      "env_ids": [1, 3, 4, 6],
      "draws": 300,
      "seed": 7,
      "cfg": {
        "rel_heading_envs": 0.3,
        "rel_turning_envs": 0.1,
        "rel_standing_envs": 0.15,
        "heading_command": True,
        "ranges": {
          "lin_vel_x": [-1.2, 0.4],
          "lin_vel_y": [0.1, 0.6],
          "ang_vel_z": [-1.5, -0.5],
          "heading": [0.5, 2.5],
        },
      },
    },
  ),
  ParamCase(
    "public_no_heading",
    "C1",
    4,
    {
      "env_ids": [1, 3],
      "draws": 400,
      "seed": 1,
      "cfg": {
        "rel_heading_envs": 0.6,
        "rel_turning_envs": 0.3,
        "rel_standing_envs": 0.4,
        "heading_command": False,
        "ranges": {
          "lin_vel_x": [0.2, 1.4],
          "lin_vel_y": [-0.8, -0.1],
          "ang_vel_z": [-1.2, 0.4],
          "heading": [-2.0, 0.5],
        },
      },
    },
    description="C1: 400 draws for envs 1 and 3 of 4, cfg.heading_command False (no heading envs)",
    names="task",
  ),
  ParamCase(
    "sampling_no_heading",
    "C1",
    5,
    {
      "env_ids": [0, 4],
      "draws": 300,
      "seed": 3,
      "cfg": {
        "rel_heading_envs": 0.9,
        "rel_turning_envs": 0.35,
        "rel_standing_envs": 0.5,
        "heading_command": False,
        "ranges": {
          "lin_vel_x": [0.0, 2.0],
          "lin_vel_y": [-1.0, 1.0],
          "ang_vel_z": [-0.2, 0.2],
          "heading": [-3.0, 3.0],
        },
      },
    },
  ),
  ParamCase(
    "public_stages",
    "K1",
    3,
    {
      "initial_ranges": {},
      "steps": [0, 10, 99, 100, 250],
      "stages": [
        {"step": 10, "lin_vel_x": [-0.5, 0.5], "ang_vel_z": [-0.4, 0.4]},
        {"step": 100, "lin_vel_x": [-1.0, 1.0], "lin_vel_y": [-0.6, 0.6]},
        {"step": 250, "ang_vel_z": [-1.5, 1.5]},
      ],
    },
    description=(
      "K1: stages from steps 10, 100 and 250, the counter at 0 (before the first), 10, 99, 100"
      " and 250"
    ),
  ),
  ParamCase(
    "public_stages_task_names",
    "K1",
    2,
    {
      "initial_ranges": {"lin_vel_x": [-0.3, 0.3], "ang_vel_z": [-0.2, 0.2]},
      "steps": [0, 50, 51, 300],
      "stages": [
        {"step": 50, "lin_vel_x": [-0.7, 0.9]},
        {"step": 300, "lin_vel_y": [-0.4, 0.4], "ang_vel_z": [-1.2, 1.2]},
      ],
    },
    description="K1: stages from steps 50 and 300, the counter at 0, 50, 51 and 300",
    names="task",
  ),
  ParamCase(
    "stages",
    "K1",
    2,
    {
      "initial_ranges": {
        "lin_vel_x": [-0.2, 0.2],
        "lin_vel_y": [-0.1, 0.1],
        "ang_vel_z": [-0.3, 0.3],
      },
      "steps": [10, 400, 401, 1200, 5000],
      "stages": [
        {"step": 400, "lin_vel_x": [-0.8, 1.2]},
        {"step": 1200, "lin_vel_y": [-0.7, 0.7], "ang_vel_z": [-2.0, 2.0]},
        {"step": 5000, "lin_vel_x": [-1.5, 2.0]},
      ],
    },
  ),
  ParamCase(
    "public_weights",
    "K2",
    3,
    {
      "initial_weight": -0.01,
      "steps": [0, 10, 99, 100, 250],
      "stages": [
        {"step": 10, "weight": -0.02},
        {"step": 100, "weight": -0.1},
        {"step": 250, "weight": -0.3},
      ],
    },
    description=(
      "K2: weight stages from steps 10, 100 and 250, the counter at 0 (before the first), 10,"
      " 99, 100 and 250"
    ),
  ),
  ParamCase(
    "public_weights_task_names",
    "K2",
    2,
    {
      "initial_weight": -0.02,
      "steps": [0, 60, 61, 500],
      "stages": [{"step": 60, "weight": -0.05}, {"step": 500, "weight": -0.25}],
    },
    description="K2: weight stages from steps 60 and 500, the counter at 0, 60, 61 and 500",
    names="task",
  ),
  ParamCase(
    "weights",
    "K2",
    2,
    {
      "initial_weight": -0.05,
      "steps": [5, 300, 301, 900],
      "stages": [{"step": 300, "weight": -0.2}, {"step": 900, "weight": -0.7}],
    },
  ),
  ParamCase(
    "public_levels",
    "K3",
    6,
    {
      "call": {"command_name": COMMAND, "asset_cfg": robot()},
      "episode_length_s": 20.0,
      "initial_levels": [2, 0, 4, 1, 3, 2],
      "rounds": [
        {
          "env_ids": [0, 1, 2, 3, 4, 5],
          "offsets": [[4.5, 0.0], [0.2, 0.1], [-3.0, 3.0], [1.0, 1.0], [2.0, 0.0], [5.0, 0.0]],
          "commands": [
            [0.5, 0.0, 0.0],
            [0.5, 0.0, 0.0],
            [0.2, 0.0, 0.0],
            [0.1, 0.05, 0.3],
            [0.3, 0.2, 0.0],
            [0.5, 0.0, 0.0],
          ],
          "episode_length": [500, 300, 1000, 200, 800, 0],
        },
        {
          "env_ids": [1, 3, 5],
          "offsets": [[4.5, 1.0]] * 6,
          "commands": [[0.3, 0.0, 0.0]] * 6,
          "episode_length": [100] * 6,
        },
        {
          "env_ids": [0, 4],
          "offsets": [[0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.5, 0.0], [0.0, 0.0]],
          "commands": [[0.0, 0.0, 0.0]] * 4 + [[-0.6, 0.3, 0.0], [0.0, 0.0, 0.0]],
          "episode_length": [50] * 6,
        },
      ],
    },
    description=(
      "K3: 6 envs (one per tile type; 8 m tiles, 5 levels, episodes of 20 s), three rounds of"
      " resets: all envs (walked far, walked little, past the top level, enough for a slow"
      " command, too little, no episode run yet), then envs 1, 3 and 5 only (all walked far),"
      " then envs 0 and 4 (standing still on a zero command; walked too little)"
    ),
  ),
  ParamCase(
    "public_levels_task_names",
    "K3",
    3,
    {
      "call": {"command_name": COMMAND, "asset_cfg": robot()},
      "episode_length_s": 20.0,
      "initial_levels": [1, 2, 3],
      "rounds": [
        {
          "env_ids": [0, 2],
          "offsets": [[0.0, -4.2], [3.9, 0.0], [0.5, 0.5]],
          "commands": [[0.2, 0.2, 0.0], [0.0, 0.0, 0.0], [0.8, 0.0, 0.0]],
          "episode_length": [1000, 1000, 1000],
        },
      ],
    },
    description="K3: envs 0 and 2 of 3 reset (env 0 walked 4.2 m, env 2 too little)",
    names="task",
  ),
  ParamCase(
    "levels",
    "K3",
    6,
    {
      "call": {"command_name": COMMAND, "asset_cfg": robot()},
      "episode_length_s": 12.0,
      "initial_levels": [4, 1, 0, 3, 2, 1],
      "rounds": [
        {
          "env_ids": [5, 0, 2, 3],
          "offsets": [[-4.1, 0.0], [0.0, 3.0], [2.0, -2.0], [0.5, 0.0], [4.5, 0.0], [-3.0, -3.0]],
          "commands": [
            [0.8, 0.0, 0.0],
            [0.1, 0.0, 0.0],
            [0.4, 0.0, 0.5],
            [0.2, 0.3, 0.0],
            [0.6, 0.0, 0.0],
            [1.0, 0.0, 0.0],
          ],
          "episode_length": [600, 600, 0, 600, 600, 600],
        },
        {
          "env_ids": [2, 4],
          "offsets": [[0.0, 0.0], [0.0, 0.0], [0.3, 0.0], [0.0, 0.0], [0.0, 4.1], [0.0, 0.0]],
          "commands": [[0.5, 0.0, 0.0]] * 6,
          "episode_length": [10] * 6,
        },
      ],
    },
  ),
]
