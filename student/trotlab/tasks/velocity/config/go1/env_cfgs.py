"""The Go1 velocity tasks, training and play configs: on flat ground, and on rough terrain (a
generated grid of rough, sloped and stepped tiles, a height scan for the critic, a terrain-level
curriculum)."""

from __future__ import annotations

import dataclasses

from trotlab.assets.unitree_go1 import go1_constants as go1
from trotlab.envs.manager_based_rl_env_cfg import ManagerBasedRlEnvCfg
from trotlab.managers import CurriculumTermCfg, ObservationTermCfg
from trotlab.scene import TerrainCfg
from trotlab.scene.terrain_generator import TerrainGeneratorCfg
from trotlab.sensors.height_scan import HeightScanCfg
from trotlab.tasks.velocity.mdp import Mdp, load_mdp
from trotlab.tasks.velocity.velocity_env_cfg import (
  COMMAND,
  LeggedRobotSpec,
  make_play,
  velocity_env_cfg,
)

GO1 = LeggedRobotSpec(
  entity=go1.go1_entity_cfg(full_collision=True),  # non-foot contacts must be detectable
  action_scale=go1.ACTION_SCALE,
  foot_site_names=go1.FOOT_NAMES,
  foot_geom_names=go1.FOOT_GEOM_NAMES,
  nonfoot_geom_pattern=r"(?!.*_foot_collision$).*_collision",
)

CPU_NUM_ENVS = 1024
"""Tuned for wall-clock on 2 CPU cores (measured by the course's staff)."""
GPU_NUM_ENVS = 4096


def unitree_go1_flat_env_cfg(
  play: bool = False, device: str = "cpu", mdp: Mdp | None = None
) -> ManagerBasedRlEnvCfg:
  """The training (or ``play``) config; ``mdp``: its terms (``load_mdp``'s value; None: the
  student's files, ``load_mdp("student")``)."""
  num_envs = GPU_NUM_ENVS if device.startswith("cuda") else CPU_NUM_ENVS
  cfg = velocity_env_cfg(GO1, num_envs=num_envs, mdp=load_mdp("student") if mdp is None else mdp)
  if play:
    cfg = make_play(cfg)
    cfg.scene.num_envs = 32
  return cfg


ROUGH_TERRAIN = TerrainGeneratorCfg(num_levels=10, num_types=10, size=(8.0, 8.0), seed=0)
"""10 levels x 10 columns of 8 m tiles (TerrainGeneratorCfg's default mix of types)."""
PLAY_TERRAIN = dataclasses.replace(
  ROUGH_TERRAIN,
  num_levels=5,
  num_types=6,
  sub_terrains={
    name: dataclasses.replace(sub, proportion=1.0)
    for name, sub in ROUGH_TERRAIN.sub_terrains.items()
  },
)
"""Play and the tracking evaluation: the same difficulties over 5 levels, one column per type (a
third of the training field's vertices: software rendering draws every triangle)."""
HEIGHT_SCAN = "height_scan"
FEET_SCAN = "feet_height_scan"


def unitree_go1_rough_env_cfg(
  play: bool = False, device: str = "cpu", mdp: Mdp | None = None
) -> ManagerBasedRlEnvCfg:
  """The flat task's config on generated terrain: envs start on the five easiest levels and move
  by the terrain-level curriculum; the critic also sees a height scan under the trunk (the
  policy stays blind); the foot-clearance penalty measures foot heights above the terrain under
  each foot (a ray under each foot site). The play config spreads its envs over every level."""
  mdp = load_mdp("student") if mdp is None else mdp
  cfg = unitree_go1_flat_env_cfg(play=False, device=device, mdp=mdp)
  cfg.scene.terrain = TerrainCfg(generator=ROUGH_TERRAIN, max_init_level=4)
  # 0.2 m apart (9 x 6 = 54 rays), not mjlab's 0.1 m (187): on the CPU a ray against the height
  # field costs about a microsecond, and 187 rays were 43% of a rough env step (measured). The
  # stairs' 0.3 m treads still show at 0.2 m.
  cfg.scene.sensors[HEIGHT_SCAN] = HeightScanCfg(body="trunk", resolution=0.2)
  cfg.observations["critic"].terms["height_scan"] = ObservationTermCfg(
    func=mdp.height_scan, params={"sensor_name": HEIGHT_SCAN}
  )
  # The foot-clearance penalty measures each foot's height above the terrain under it.
  cfg.scene.sensors[FEET_SCAN] = HeightScanCfg(body="trunk", sites=GO1.foot_site_names)
  clearance = cfg.rewards["foot_clearance"]
  cfg.rewards["foot_clearance"] = dataclasses.replace(
    clearance,
    func=mdp.feet_clearance_terrain,
    params={**clearance.params, "sensor_name": FEET_SCAN},
  )
  cfg.curriculum["terrain_levels"] = CurriculumTermCfg(
    func=mdp.terrain_levels, params={"command_name": COMMAND}
  )
  if play:
    cfg = make_play(cfg)
    cfg.scene.num_envs = 32
    top = PLAY_TERRAIN.num_levels - 1
    cfg.scene.terrain = TerrainCfg(generator=PLAY_TERRAIN, max_init_level=top)
  return cfg
