"""The grader's cases without snapshots: C1's command sampling and the K1/K2/K3 curricula.

Each case is one TODO with its parameters, written with the canned names (autograder/cases.py);
a case whose ``names`` is "task" says the task's names instead (probe_params.in_names). Public
cases (names starting with "public_") ship to students with their expected values.
"""

from __future__ import annotations

import dataclasses

from autograder.cases import COMMAND, robot


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
