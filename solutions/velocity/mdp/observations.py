"""Observation terms of the velocity task (student work: TODO O1..O11).

Every function returns a (num_envs, d) float32 tensor. The ObservationManager adds noise (when
the group's corruption is on), clips and scales after the term, so terms return clean values.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from trotlab.managers.scene_entity_cfg import SceneEntityCfg
from trotlab.utils.todo import TodoNotImplemented  # noqa: F401  (the student stubs raise it)

if TYPE_CHECKING:
  from trotlab.envs.manager_based_rl_env import ManagerBasedRlEnv

__all__ = [
  "base_ang_vel",
  "base_lin_vel",
  "foot_air_time",
  "foot_contact",
  "foot_contact_forces",
  "foot_height",
  "generated_commands",
  "joint_pos_rel",
  "joint_vel_rel",
  "last_action",
  "projected_gravity",
]

_ROBOT = SceneEntityCfg("robot")


def base_lin_vel(env: ManagerBasedRlEnv, asset_cfg: SceneEntityCfg = _ROBOT) -> torch.Tensor:
  """TODO(O1): the trunk's linear velocity in its own (body) frame [m/s]. Returns (N, 3).

  Hint: one line: the EntityData env.scene[asset_cfg.name].data has it.
  """
  ### BEGIN SOLUTION
  return env.scene[asset_cfg.name].data.root_link_lin_vel_b
  ### END SOLUTION


def base_ang_vel(env: ManagerBasedRlEnv, asset_cfg: SceneEntityCfg = _ROBOT) -> torch.Tensor:
  """TODO(O2): the trunk's angular velocity in its body frame [rad/s]. Returns (N, 3).

  Hint: one line: the EntityData env.scene[asset_cfg.name].data has it.
  """
  ### BEGIN SOLUTION
  return env.scene[asset_cfg.name].data.root_link_ang_vel_b
  ### END SOLUTION


def projected_gravity(env: ManagerBasedRlEnv, asset_cfg: SceneEntityCfg = _ROBOT) -> torch.Tensor:
  """TODO(O3): the unit gravity direction in the body frame; (0, 0, -1) when level. (N, 3).

  Hint: one line: the EntityData env.scene[asset_cfg.name].data has it.
  """
  ### BEGIN SOLUTION
  return env.scene[asset_cfg.name].data.projected_gravity_b
  ### END SOLUTION


def joint_pos_rel(env: ManagerBasedRlEnv, asset_cfg: SceneEntityCfg = _ROBOT) -> torch.Tensor:
  """TODO(O4): joint positions relative to the stand pose, q - q_default [rad], for the joints
  asset_cfg.joint_ids (all 12 by default). Returns (N, J).

  Hint: with data = env.scene[asset_cfg.name].data: data.joint_pos and data.default_joint_pos,
  columns [:, asset_cfg.joint_ids].
  """
  ### BEGIN SOLUTION
  data = env.scene[asset_cfg.name].data
  return data.joint_pos[:, asset_cfg.joint_ids] - data.default_joint_pos[:, asset_cfg.joint_ids]
  ### END SOLUTION


def joint_vel_rel(env: ManagerBasedRlEnv, asset_cfg: SceneEntityCfg = _ROBOT) -> torch.Tensor:
  """TODO(O5): joint velocities relative to the default, qd - qd_default [rad/s], for the joints
  asset_cfg.joint_ids (all 12 by default). Returns (N, J).

  Hint: with data = env.scene[asset_cfg.name].data: data.joint_vel and data.default_joint_vel,
  columns [:, asset_cfg.joint_ids].
  """
  ### BEGIN SOLUTION
  data = env.scene[asset_cfg.name].data
  return data.joint_vel[:, asset_cfg.joint_ids] - data.default_joint_vel[:, asset_cfg.joint_ids]
  ### END SOLUTION


def last_action(env: ManagerBasedRlEnv, action_name: str | None = None) -> torch.Tensor:
  """TODO(O6): the policy's last raw action: env.action_manager.action (N, A), or, when
  action_name is given, env.action_manager.get_term(action_name).raw_action.

  Hint: check action_name for None first.
  """
  ### BEGIN SOLUTION
  if action_name is None:
    return env.action_manager.action
  return env.action_manager.get_term(action_name).raw_action
  ### END SOLUTION


def generated_commands(env: ManagerBasedRlEnv, command_name: str) -> torch.Tensor:
  """TODO(O7): the current command, env.command_manager.get_command(command_name). (N, 3).

  Hint: one line.
  """
  ### BEGIN SOLUTION
  return env.command_manager.get_command(command_name)
  ### END SOLUTION


def foot_height(env: ManagerBasedRlEnv, asset_cfg: SceneEntityCfg) -> torch.Tensor:
  """TODO(O8): world height z [m] of the foot sites asset_cfg.site_ids (the ground is z = 0).
  Returns (N, F).

  Hint: env.scene[asset_cfg.name].data.site_pos_w is (N, sites, 3); index the last axis:
  [:, asset_cfg.site_ids, 2].
  """
  ### BEGIN SOLUTION
  return env.scene[asset_cfg.name].data.site_pos_w[:, asset_cfg.site_ids, 2]
  ### END SOLUTION


def foot_air_time(env: ManagerBasedRlEnv, sensor_name: str) -> torch.Tensor:
  """TODO(O9): how long each foot has been in the air, current_air_time [s] of the contact
  sensor; 0 for a foot on the ground. Returns (N, F).

  The sensor's current_air_time is already 0 for a foot on the ground: its update sets it to 0
  wherever found > 0 (and a reset zeroes it), so return it as it is, without a mask.

  Hint: env.scene[sensor_name] is a ContactSensor; its data has the timers.
  """
  ### BEGIN SOLUTION
  return env.scene[sensor_name].data.current_air_time
  ### END SOLUTION


def foot_contact(env: ManagerBasedRlEnv, sensor_name: str) -> torch.Tensor:
  """TODO(O10): 1.0 for each foot touching the ground (found > 0), else 0.0. Returns (N, F).

  found counts the foot's contacts with the ground: a foot against a step and on the floor has 2,
  and is still one foot touching (1.0).

  Hint: env.scene[sensor_name].data.found; compare, then .float().
  """
  ### BEGIN SOLUTION
  return (env.scene[sensor_name].data.found > 0).float()
  ### END SOLUTION


def foot_contact_forces(env: ManagerBasedRlEnv, sensor_name: str) -> torch.Tensor:
  """TODO(O11): the net contact force on each foot [N], world frame, flattened foot by foot:
  (f_FR_x, f_FR_y, f_FR_z, f_FL_x, ...). The sensor's force is (N, F, 3). Returns (N, 3 F).

  Hint: env.scene[sensor_name].data.force; Tensor.flatten(start_dim=1) keeps the env axis.
  """
  ### BEGIN SOLUTION
  return env.scene[sensor_name].data.force.flatten(start_dim=1)
  ### END SOLUTION
