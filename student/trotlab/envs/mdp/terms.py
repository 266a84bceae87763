"""Generic terms that are not student work: time-out, action rate, joint limits."""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from trotlab.managers.scene_entity_cfg import SceneEntityCfg

if TYPE_CHECKING:
  from trotlab.envs.manager_based_rl_env import ManagerBasedRlEnv

_ROBOT = SceneEntityCfg("robot")


def time_out(env: ManagerBasedRlEnv) -> torch.Tensor:
  """(num_envs,) bool: the episode reached its length."""
  return env.episode_length_buf >= env.max_episode_length


def action_rate_l2(env: ManagerBasedRlEnv) -> torch.Tensor:
  """(num_envs,) sum over actions of (a_t - a_{t-1})^2 (raw policy actions)."""
  return torch.sum(torch.square(env.action_manager.action - env.action_manager.prev_action), dim=1)


def joint_pos_limits(env: ManagerBasedRlEnv, asset_cfg: SceneEntityCfg = _ROBOT) -> torch.Tensor:
  """(num_envs,) sum over joints of how far [rad] each is outside its soft limits."""
  data = env.scene[asset_cfg.name].data
  pos = data.joint_pos[:, asset_cfg.joint_ids]
  limits = data.soft_joint_pos_limits[:, asset_cfg.joint_ids]
  below = (limits[..., 0] - pos).clamp(min=0.0)
  above = (pos - limits[..., 1]).clamp(min=0.0)
  return torch.sum(below + above, dim=1)
