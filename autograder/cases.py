"""The grader's snapshot cases: which recorded states, of which assignment, probe the term TODOs.

Snapshot cases are sequences of env states (see trotlab.grading.snapshot) recorded by
``record_cases.py`` from real rollouts and crafted poses. Every term TODO is probed on every
snapshot case, with the parameters of autograder/probe_params.py (hidden cases use other values
than the public one, so a hard-coded constant does not pass) unless the case gives its own. The
command TODOs and the curricula have their own cases (autograder/param_cases.py).
Public cases (names starting with "public_") ship to students with their expected values.
Parameters are written with the canned names (trotlab.grading.protocol.CANNED; ``feet`` and
``robot`` below); a case whose ``names`` is "task" runs in a canned env named as the task is, and
its parameters say the task's names instead (probe_params.in_names). Each TODO has public cases
of both name sets.
The TODOs themselves (ids, files, names, kinds, points) are trotlab.grading.todos's registry.
A snapshot case belongs to one assignment (its canned env: the flat task's, or the rough task's
with its terrain and height scans) and probes that assignment's term TODOs only.
"""

from __future__ import annotations

import dataclasses
import math

from trotlab.grading.protocol import CANNED

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
