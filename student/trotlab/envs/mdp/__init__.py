"""Generic MDP terms provided by the framework (none of them is student work)."""

from trotlab.envs.mdp.events import (
  push_by_setting_velocity,
  randomize_field,
  reset_joints_by_offset,
  reset_root_state_uniform,
)
from trotlab.envs.mdp.terms import action_rate_l2, joint_pos_limits, time_out

__all__ = [
  "action_rate_l2",
  "joint_pos_limits",
  "push_by_setting_velocity",
  "randomize_field",
  "reset_joints_by_offset",
  "reset_root_state_uniform",
  "time_out",
]
