"""Terms of the rough-terrain task: the height-scan observation, the terrain-level curriculum and a
foot-clearance penalty measured from the terrain under each foot.

They are framework terms for now; the second assignment (issue 19) turns them into TODOs of its
own stub files, the first assignment's files staying as they are.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from trotlab.managers.scene_entity_cfg import SceneEntityCfg

if TYPE_CHECKING:
  from trotlab.envs.manager_based_rl_env import ManagerBasedRlEnv

_ROBOT = SceneEntityCfg("robot")


def height_scan(env: ManagerBasedRlEnv, sensor_name: str, offset: float = 0.3) -> torch.Tensor:
  """(num_envs, R) the terrain's height under each ray of a HeightScan, relative to the body:
  body z - hit z - offset [m], clipped to [-1, 1]. 0 where the ground is ``offset`` below the
  body (the Go1's trunk stands about 0.3 m high); positive where it is lower, negative higher."""
  data = env.scene[sensor_name].data
  heights = data.pos_w[:, 2:3] - data.hit_pos_w[..., 2] - offset
  return heights.clamp(-1.0, 1.0)


def terrain_levels(
  env: ManagerBasedRlEnv,
  env_ids: torch.Tensor,
  command_name: str,
  asset_cfg: SceneEntityCfg = _ROBOT,
) -> float:
  """At reset: an env that walked farther than half a tile from its origin moves one level up;
  one that walked less than half of what its command asked over a whole episode
  (||c_xy|| x episode length) moves one level down. Envs that have not run an episode yet stay.

  Returns: the mean terrain level of all envs (for the log)."""
  terrain = env.scene.terrain
  if terrain.levels is None:
    raise ValueError("terrain_levels needs a generated terrain (SceneCfg.terrain.generator).")
  root = env.scene[asset_cfg.name].data.root_link_pos_w[env_ids, :2]
  walked = torch.linalg.norm(root - env.scene.env_origins[env_ids, :2], dim=1)
  command = env.command_manager.get_command(command_name)[env_ids, :2]
  asked = torch.linalg.norm(command, dim=1) * env.max_episode_length_s
  ran = env.episode_length_buf[env_ids] > 0
  move_up = ran & (walked > terrain.cfg.generator.size[0] / 2)
  move_down = ran & (walked < 0.5 * asked) & ~move_up
  env.scene.move_terrain_levels(env_ids, move_up, move_down)
  return float(terrain.levels.float().mean())


def feet_clearance_terrain(
  env: ManagerBasedRlEnv,
  sensor_name: str,
  target_height: float,
  tanh_mult: float,
  asset_cfg: SceneEntityCfg,
) -> torch.Tensor:
  """(num_envs,) the flat task's foot-clearance penalty (R6) with each foot's height measured
  above the terrain under it: h_f = site z - hit z of the HeightScan ``sensor_name``, whose
  ``sites`` are the feet selected by asset_cfg.site_ids, in that order; s_f the foot's
  horizontal speed [m/s]:

      penalty = sum_f (h_f - target_height)^2 * tanh(tanh_mult * s_f)
  """
  data = env.scene[asset_cfg.name].data
  under = env.scene[sensor_name].data.hit_pos_w[..., 2]
  height = data.site_pos_w[:, asset_cfg.site_ids, 2] - under
  speed = torch.linalg.norm(data.site_lin_vel_w[:, asset_cfg.site_ids, :2], dim=-1)
  return torch.sum(torch.square(height - target_height) * torch.tanh(tanh_mult * speed), dim=1)
