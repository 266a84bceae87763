"""The parameters a TODO's probe gets on a case, written in the case's names.

The term TODOs' parameters (TERM_PARAMS: the public cases' values and the hidden cases' other
values), filled in with the canned env's names where a TODO's rules take a name; C2's and C3's
parameters; and in_names, which renames parameters written with the canned names
(trotlab.grading.protocol.CANNED) into a case's name set. A case's own ``params`` for a TODO take
the place of these (autograder/cases.py).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from autograder.cases import (
  COMMAND,
  FEET_SCAN,
  HEIGHT_SCAN,
  NONFOOT_SENSOR,
  SENSOR,
  SnapshotCase,
  feet,
  robot,
)
from trotlab.grading.canned import names_of
from trotlab.grading.protocol import CANNED
from trotlab.grading.todos import BY_ID

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
