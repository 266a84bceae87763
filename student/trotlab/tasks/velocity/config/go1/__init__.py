"""Registers the Go1 velocity tasks, flat and rough (the task ids keep mjlab's names)."""

from trotlab.tasks.registry import TaskSpec, register_task
from trotlab.tasks.velocity.config.go1.env_cfgs import (
  unitree_go1_flat_env_cfg,
  unitree_go1_rough_env_cfg,
)
from trotlab.tasks.velocity.config.go1.rl_cfg import (
  unitree_go1_ppo_runner_cfg,
  unitree_go1_rough_ppo_runner_cfg,
)

register_task(
  TaskSpec(
    task_id="Mjlab-Velocity-Flat-Unitree-Go1",
    env_cfg=unitree_go1_flat_env_cfg,
    agent_cfg=unitree_go1_ppo_runner_cfg,
    description="Unitree Go1 follows a commanded body twist on flat ground.",
  )
)
register_task(
  TaskSpec(
    task_id="Mjlab-Velocity-Rough-Unitree-Go1",
    env_cfg=unitree_go1_rough_env_cfg,
    agent_cfg=unitree_go1_rough_ppo_runner_cfg,
    description="Unitree Go1 follows a commanded body twist over rough, sloped and stepped terrain.",
  )
)
