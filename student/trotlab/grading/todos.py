"""The assignment's TODOs: the one list of them.

Every place that needs the TODOs reads this list: the autograder (its cases, the term checks,
the report), the stub generator, the public self-check (``uv run check``) and the tests. A TODO
has its handout id, its kind (how it is probed and judged), the student file and the function,
class or method to fill in, its points (term checks: 100 in all, split evenly over the TODO's
canned cases) and the contract its output must meet.

Kinds: ``term`` (a reward, observation or termination function or class, called on env states),
``resample`` (C1, judged by rules on many random draws), ``update_command`` and ``metrics``
(C2, C3: the command's state after the call), ``curriculum`` (K1, K2: returned value and the
config it changed).
"""

from __future__ import annotations

import dataclasses

N = "num_envs"


@dataclasses.dataclass(frozen=True)
class Todo:
  todo: str
  """The handout's id, e.g. "R1"."""
  kind: str
  """term | resample | update_command | metrics | curriculum"""
  file: str
  """The student file, without ".py"."""
  name: str
  """The function or class (terms, curricula) or "Class.method" (the command) to fill in."""
  points: int
  shape: str
  """The output's shape per call (``num_envs`` envs), as the docstrings state it."""
  dtype: str | None = None
  """The output's dtype where the contract fixes one (terms); the grader checks it."""


def _reward(todo: str, name: str, points: int) -> Todo:
  return Todo(todo, "term", "rewards", name, points, f"({N},)", "float32")


def _obs(todo: str, name: str, points: int, width: str) -> Todo:
  return Todo(todo, "term", "observations", name, points, f"({N}, {width})", "float32")


def _termination(todo: str, name: str, points: int) -> Todo:
  return Todo(todo, "term", "terminations", name, points, f"({N},)", "bool")


COMMAND = "velocity_command"

TODOS: tuple[Todo, ...] = (
  _reward("R1", "track_linear_velocity", 7),
  _reward("R2", "track_angular_velocity", 6),
  _reward("R3", "flat_orientation", 4),
  _reward("R4", "default_joint_position", 3),
  _reward("R5", "feet_air_time", 9),
  _reward("R6", "feet_clearance", 5),
  _reward("R7", "feet_swing_height", 8),
  _reward("R8", "feet_slip", 5),
  _obs("O1", "base_lin_vel", 2, "3"),
  _obs("O2", "base_ang_vel", 2, "3"),
  _obs("O3", "projected_gravity", 2, "3"),
  _obs("O4", "joint_pos_rel", 2, "selected joints"),
  _obs("O5", "joint_vel_rel", 2, "selected joints"),
  _obs("O6", "last_action", 2, "action dim"),
  _obs("O7", "generated_commands", 2, "3"),
  _obs("O8", "foot_height", 2, "selected feet"),
  _obs("O9", "foot_air_time", 2, "feet"),
  _obs("O10", "foot_contact", 2, "feet"),
  _obs("O11", "foot_contact_forces", 2, "3 x feet"),
  _termination("T1", "bad_orientation", 4),
  _termination("T2", "root_height_below_minimum", 2),
  _termination("T3", "illegal_contact", 3),
  Todo(
    "C1",
    "resample",
    COMMAND,
    "UniformVelocityCommand._resample_command",
    6,
    "fills vel_command_b, heading_target and the env flags of env_ids",
  ),
  Todo(
    "C2",
    "update_command",
    COMMAND,
    "UniformVelocityCommand._update_command",
    5,
    f"updates vel_command_b ({N}, 3)",
  ),
  Todo(
    "C3",
    "metrics",
    COMMAND,
    "UniformVelocityCommand._update_metrics",
    3,
    f'accumulates metrics["error_vel_xy"], metrics["error_vel_yaw"] ({N},)',
  ),
  Todo("K1", "curriculum", "curriculums", "commands_vel", 5, "dict of 3 floats"),
  Todo("K2", "curriculum", "curriculums", "reward_weight", 3, "float"),
)
BY_ID: dict[str, Todo] = {t.todo: t for t in TODOS}
IDS: tuple[str, ...] = tuple(BY_ID)
FILES: tuple[str, ...] = tuple(dict.fromkeys(t.file for t in TODOS))
"""The five student files, in the order of the TODOs."""
TOTAL_POINTS = sum(t.points for t in TODOS)
