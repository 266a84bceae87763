"""The Go1 flat-ground velocity task, training and play configs."""

from __future__ import annotations

from trotlab.assets.unitree_go1 import go1_constants as go1
from trotlab.envs.manager_based_rl_env_cfg import ManagerBasedRlEnvCfg
from trotlab.tasks.velocity.mdp import Mdp, load_mdp
from trotlab.tasks.velocity.velocity_env_cfg import LeggedRobotSpec, make_play, velocity_env_cfg

GO1 = LeggedRobotSpec(
  entity=go1.go1_entity_cfg(full_collision=True),  # non-foot contacts must be detectable
  action_scale=go1.ACTION_SCALE,
  foot_site_names=go1.FOOT_NAMES,
  foot_geom_names=go1.FOOT_GEOM_NAMES,
  nonfoot_geom_pattern=r"(?!.*_foot_collision$).*_collision",
)

CPU_NUM_ENVS = 1024
"""Tuned for wall-clock on 2 CPU cores (the instructor repository's docs/benchmarks.md)."""
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
