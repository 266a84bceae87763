# Your work: TODOs O12, R9, K3.
# Replace each `raise TodoNotImplemented(...)` with code that does what the docstring above it
# says; handouts/assignment2.md has a section per TODO, `uv run check --assignment rough` tells you which pass.
# Generated from the course's reference MDP with its solutions taken out: keep the signatures.
"""Terms of the rough-terrain task (the second assignment: TODO O12, R9, K3).

The rough task (``Mjlab-Velocity-Rough-Unitree-Go1``) is the flat task on a generated terrain: a
grid of 8 m tiles, one row per difficulty level, one column per type (rough, slopes, stairs). It
runs your first assignment's terms and these three: the height scan its critic observes, the
foot-clearance penalty measured above the terrain, and the curriculum that moves robots between
levels.

A height scan (env.scene[sensor_name], a trotlab.sensors.HeightScan) casts rays straight down onto
the terrain (the robots themselves are not seen). Its ``data`` holds, in the world frame [m]:
  pos_w      (N, 3)     the position of the body the scan follows (the trunk)
  hit_pos_w  (N, R, 3)  where each of its R rays hit the terrain: a grid of points under the
                        trunk, or one point under each of some sites (the feet)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from trotlab.managers.scene_entity_cfg import SceneEntityCfg
from trotlab.utils.todo import TodoNotImplemented  # noqa: F401  (the student stubs raise it)

if TYPE_CHECKING:
  from trotlab.envs.manager_based_rl_env import ManagerBasedRlEnv

__all__ = ["feet_clearance_terrain", "height_scan", "terrain_levels"]

_ROBOT = SceneEntityCfg("robot")


def height_scan(env: ManagerBasedRlEnv, sensor_name: str, offset: float = 0.3) -> torch.Tensor:
  """TODO(O12): the terrain's height under each ray, relative to the body.

  With the scan's data = env.scene[sensor_name].data, the body's height z_b = data.pos_w[:, 2]
  (N,) and each ray's hit height z_r = data.hit_pos_w[..., 2] (N, R), all in the world frame [m]:

      h_r = clip(z_b - z_r - offset, -1, 1)

  0 where the ground is ``offset`` below the body (the Go1's trunk stands about 0.3 m high);
  positive where the ground is lower (a step down), negative where it is higher (a step up).
  Relative heights let one policy walk on every level: the absolute height of a tile says
  nothing about the next step. The clip keeps a cliff's depth from swamping the other inputs.

  Returns: (N, R) float32, in [-1, 1].
  Hint: data.pos_w[:, 2:3] keeps a (N, 1) column that broadcasts against (N, R); tensor.clamp.
  """
  raise TodoNotImplemented("O12")


def feet_clearance_terrain(
  env: ManagerBasedRlEnv,
  sensor_name: str,
  target_height: float,
  tanh_mult: float,
  asset_cfg: SceneEntityCfg,
) -> torch.Tensor:
  """TODO(R9): the foot-clearance penalty of R6, each foot's height measured above the terrain.

  On flat ground R6 took a foot's world height z_f as its clearance (the ground is at z = 0). On
  a terrain the ground under a foot has its own height g_f: the ray of the height scan
  ``sensor_name`` under that foot hit it, g_f = data.hit_pos_w[:, f, 2] with data =
  env.scene[sensor_name].data. That scan casts one ray under each foot site asset_cfg selects,
  in asset_cfg's order, so ray f belongs to foot f. With the robot's data =
  env.scene[asset_cfg.name].data, the foot's world height z_f = data.site_pos_w[:,
  asset_cfg.site_ids, 2] and its horizontal speed s_f = ||data.site_lin_vel_w[:,
  asset_cfg.site_ids, :2]|| [m/s]:

      h_f = z_f - g_f                                   # the foot's height above the terrain
      penalty = sum_f (h_f - target_height)^2 * tanh(tanh_mult * s_f)

  Returns: (N,) float32, >= 0.
  Hint: your R6 with one subtraction more; the two (N, F) heights line up foot by foot.
  """
  raise TodoNotImplemented("R9")


def terrain_levels(
  env: ManagerBasedRlEnv,
  env_ids: torch.Tensor,
  command_name: str,
  asset_cfg: SceneEntityCfg = _ROBOT,
) -> float:
  """TODO(K3): the terrain-level curriculum: move robots that walked well to harder tiles.

  A curriculum term: it runs when the envs ``env_ids`` (k,) reset, before they are moved to their
  new start (their robots still stand where their episode ended). For each of those envs, with
  its robot's position p = env.scene[asset_cfg.name].data.root_link_pos_w[:, :2], its env origin
  o = env.scene.env_origins[:, :2] (the centre of its tile, world frame [m]), its command c =
  env.command_manager.get_command(command_name)[:, :2] (vx, vy) and the episode's length T =
  env.max_episode_length_s [s]:

      walked = ||p - o||
      up     = walked > tile / 2            tile = env.scene.terrain.cfg.generator.size[0] [m]
      down   = walked < 0.5 * ||c|| * T     (it covered less than half of what it was commanded)

  Only envs that have run an episode move: where env.episode_length_buf is 0 (nothing run yet),
  up and down are both False. Then move them: env.scene.move_terrain_levels(env_ids, up, down)
  (one level up or down, clamped to the grid, up where both are set; it changes their levels and
  origins, and their robots start at the new origins after the reset).

  Returns: the mean level of ALL envs after the move, env.scene.terrain.levels (N,) int64, as a
  float (for the log).
  Hint: index every (N, ...) tensor with env_ids first; up and down are (k,) bool tensors.
  """
  raise TodoNotImplemented("K3")
