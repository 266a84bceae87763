"""Curriculum terms of the velocity task (student work: TODO K1..K2).

Curriculum terms run when envs reset, as ``term(env, env_ids, **params)``. They read
env.common_step_counter (env steps since training started, the same for every env) and change
the task; what they return is logged under ``Curriculum/<term>``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from trotlab.utils.todo import TodoNotImplemented  # noqa: F401  (the student stubs raise it)

if TYPE_CHECKING:
  from trotlab.envs.manager_based_rl_env import ManagerBasedRlEnv

__all__ = ["commands_vel", "reward_weight"]


def commands_vel(
  env: ManagerBasedRlEnv,
  env_ids: torch.Tensor,
  command_name: str,
  velocity_stages: list[dict],
) -> dict[str, float]:
  """TODO(K1): staged command ranges.

  velocity_stages is a list sorted by "step", e.g.
      [{"step": 0, "lin_vel_x": (-0.5, 0.5), "ang_vel_z": (-0.5, 0.5)},
       {"step": 5000, "lin_vel_x": (-1.0, 1.0), "lin_vel_y": (-0.5, 0.5)}]
  The active stage is the last one whose "step" <= env.common_step_counter (a stage starts at
  its step exactly). Copy every range the active stage gives ("lin_vel_x", "lin_vel_y",
  "ang_vel_z"; the others stay as they are) into the command's config,
  env.command_manager.get_term(command_name).cfg.ranges. If no stage is active yet (the counter
  is below the first stage's "step"), change nothing: the ranges stay as they are, as K2 keeps
  its weight, and the return value gives their upper ends.

  Returns: {"lin_vel_x_max": ..., "lin_vel_y_max": ..., "ang_vel_z_max": ...}, the upper ends
  of the three ranges now in force (floats), for the log.
  Hint: setattr(ranges, key, tuple(stage[key])) sets one range.
  """
  ### BEGIN SOLUTION
  ranges = env.command_manager.get_term(command_name).cfg.ranges
  active = None
  for stage in velocity_stages:
    if env.common_step_counter >= stage["step"]:
      active = stage
  if active is not None:
    for key in ("lin_vel_x", "lin_vel_y", "ang_vel_z"):
      if key in active:
        setattr(ranges, key, tuple(active[key]))
  return {
    "lin_vel_x_max": float(ranges.lin_vel_x[1]),
    "lin_vel_y_max": float(ranges.lin_vel_y[1]),
    "ang_vel_z_max": float(ranges.ang_vel_z[1]),
  }
  ### END SOLUTION


def reward_weight(
  env: ManagerBasedRlEnv,
  env_ids: torch.Tensor,
  reward_name: str,
  weight_stages: list[dict],
) -> float:
  """TODO(K2): staged reward weight.

  weight_stages is a list sorted by "step", e.g. [{"step": 0, "weight": -0.01},
  {"step": 10000, "weight": -0.1}]. The active stage is the last one whose "step" <=
  env.common_step_counter. Set the reward term's weight to the active stage's "weight":
      cfg = env.reward_manager.get_term_cfg(reward_name); cfg.weight = ...
  If no stage is active yet, leave the weight unchanged.

  Returns: the weight now in force (float).
  Hint: walk the stages in order and keep the last one whose step has been reached.
  """
  ### BEGIN SOLUTION
  cfg = env.reward_manager.get_term_cfg(reward_name)
  for stage in weight_stages:
    if env.common_step_counter >= stage["step"]:
      cfg.weight = float(stage["weight"])
  return float(cfg.weight)
  ### END SOLUTION
