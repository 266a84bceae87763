# Your work: TODOs T1, T2, T3.
# Replace each `raise TodoNotImplemented(...)` with code that does what the docstring above it
# says; handouts/assignment.md has a section per TODO, `uv run check` tells you which pass.
# Generated from the course's reference MDP with its solutions taken out: keep the signatures.
"""Termination terms of the velocity task (student work: TODO T1..T3).

Every function returns a (num_envs,) bool tensor: True ends the episode of that env.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from trotlab.managers.scene_entity_cfg import SceneEntityCfg
from trotlab.utils.todo import TodoNotImplemented  # noqa: F401  (the student stubs raise it)

if TYPE_CHECKING:
  from trotlab.envs.manager_based_rl_env import ManagerBasedRlEnv

__all__ = ["bad_orientation", "illegal_contact", "root_height_below_minimum"]

_ROBOT = SceneEntityCfg("robot")


def bad_orientation(
  env: ManagerBasedRlEnv, limit_angle: float, asset_cfg: SceneEntityCfg = _ROBOT
) -> torch.Tensor:
  """TODO(T1): the trunk tilted more than ``limit_angle`` [rad] from upright.

  The tilt is the angle between the body z axis and the world's up direction. With the gravity
  direction in the body frame g = projected_gravity_b of env.scene[asset_cfg.name].data (unit,
  (0, 0, -1) when level):

      tilt = arccos(-g_z)          (clamp -g_z to [-1, 1] first: float32 can exceed 1)

  Returns: (N,) bool, tilt > limit_angle.
  Hint: torch.acos(torch.clamp(x, -1.0, 1.0)).
  """
  raise TodoNotImplemented("T1")


def root_height_below_minimum(
  env: ManagerBasedRlEnv, minimum_height: float, asset_cfg: SceneEntityCfg = _ROBOT
) -> torch.Tensor:
  """TODO(T2): the trunk origin's world height root_link_pos_w z [m] is below minimum_height.
  Returns (N,) bool.

  Hint: env.scene[asset_cfg.name].data.root_link_pos_w[:, 2].
  """
  raise TodoNotImplemented("T2")


def illegal_contact(env: ManagerBasedRlEnv, sensor_name: str) -> torch.Tensor:
  """TODO(T3): any of the contact sensor's primaries touches the ground (found > 0).

  The sensor's found is (N, P): one column per watched geom (trunk, hips, thighs, calves), the
  number of its contacts with the ground (a calf lying on the ground has 2).
  Returns (N,) bool.
  Hint: env.scene[sensor_name].data.found; torch.any(x, dim=1).
  """
  raise TodoNotImplemented("T3")
