"""Reward terms of the velocity task (student work: TODO R1..R8).

Every function returns a (num_envs,) float32 tensor. The RewardManager multiplies each term by its
weight and by the env step dt, so a term is "reward per second": penalties are positive numbers
given a negative weight in the env config. Frames: ``_b`` is the trunk (root link) frame, ``_w``
the world frame.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from trotlab.managers.scene_entity_cfg import SceneEntityCfg
from trotlab.utils.todo import TodoNotImplemented  # noqa: F401  (the student stubs raise it)

if TYPE_CHECKING:
  from trotlab.envs.manager_based_rl_env import ManagerBasedRlEnv

__all__ = [
  "default_joint_position",
  "feet_air_time",
  "feet_clearance",
  "feet_slip",
  "feet_swing_height",
  "flat_orientation",
  "track_angular_velocity",
  "track_linear_velocity",
]

_ROBOT = SceneEntityCfg("robot")


def track_linear_velocity(
  env: ManagerBasedRlEnv, std: float, command_name: str, asset_cfg: SceneEntityCfg = _ROBOT
) -> torch.Tensor:
  """TODO(R1): reward for following the commanded planar velocity.

  With the command c = env.command_manager.get_command(command_name), shape (N, 3) holding
  (vx, vy, wz) in the body frame, and the trunk's linear velocity v = root_link_lin_vel_b (N, 3):

      error = (c_x - v_x)^2 + (c_y - v_y)^2 + v_z^2        # vertical bouncing is an error too
      reward = exp(-error / std^2)                           # in (0, 1]; 1 = perfect tracking

  Returns: (N,) float32.
  Hint: env.scene[asset_cfg.name].data holds root_link_lin_vel_b; reduce with torch.sum(..., dim=1).
  """
  ### BEGIN SOLUTION
  command = env.command_manager.get_command(command_name)
  lin_vel_b = env.scene[asset_cfg.name].data.root_link_lin_vel_b
  error = torch.sum(torch.square(command[:, :2] - lin_vel_b[:, :2]), dim=1)
  error = error + torch.square(lin_vel_b[:, 2])
  return torch.exp(-error / std**2)
  ### END SOLUTION


def track_angular_velocity(
  env: ManagerBasedRlEnv, std: float, command_name: str, asset_cfg: SceneEntityCfg = _ROBOT
) -> torch.Tensor:
  """TODO(R2): reward for following the commanded yaw rate.

  With the command c (N, 3) = (vx, vy, wz), body frame, and the trunk's angular velocity
  w = root_link_ang_vel_b (N, 3):

      error = (c_wz - w_z)^2
      reward = exp(-error / std^2)

  Only the yaw rate counts: roll and pitch rates are left to the upright reward (while a robot
  learns to trot they are large, and folding them in here would hide the yaw signal).

  Returns: (N,) float32.
  Hint: the yaw rate is env.scene[asset_cfg.name].data.root_link_ang_vel_b[:, 2]; the command's
  is command[:, 2].
  """
  ### BEGIN SOLUTION
  command = env.command_manager.get_command(command_name)
  ang_vel_b = env.scene[asset_cfg.name].data.root_link_ang_vel_b
  return torch.exp(-torch.square(command[:, 2] - ang_vel_b[:, 2]) / std**2)
  ### END SOLUTION


def flat_orientation(
  env: ManagerBasedRlEnv, std: float, asset_cfg: SceneEntityCfg = _ROBOT
) -> torch.Tensor:
  """TODO(R3): reward for keeping the trunk level ("upright").

  The gravity direction in the body frame g = projected_gravity_b (N, 3) is (0, 0, -1) when the
  trunk is level; its x and y parts grow with pitch and roll:

      reward = exp(-(g_x^2 + g_y^2) / std^2)

  Returns: (N,) float32.
  Hint: g = env.scene[asset_cfg.name].data.projected_gravity_b; use g[:, :2].
  """
  ### BEGIN SOLUTION
  gravity_b = env.scene[asset_cfg.name].data.projected_gravity_b
  return torch.exp(-torch.sum(torch.square(gravity_b[:, :2]), dim=1) / std**2)
  ### END SOLUTION


def default_joint_position(
  env: ManagerBasedRlEnv, asset_cfg: SceneEntityCfg = _ROBOT
) -> torch.Tensor:
  """TODO(R4): posture penalty, how far the joints are from the stand pose.

  Over the joints selected by asset_cfg.joint_ids (all 12 by default):

      penalty = sum_j (q_j - q_default_j)^2        # q: joint_pos, q_default: default_joint_pos [rad]

  Returns: (N,) float32, >= 0 (the config gives it a negative weight).
  Hint: data = env.scene[asset_cfg.name].data; select columns with [:, asset_cfg.joint_ids] (a
  list of indices, or slice(None)).
  """
  ### BEGIN SOLUTION
  data = env.scene[asset_cfg.name].data
  delta = data.joint_pos[:, asset_cfg.joint_ids] - data.default_joint_pos[:, asset_cfg.joint_ids]
  return torch.sum(torch.square(delta), dim=1)
  ### END SOLUTION


def feet_air_time(
  env: ManagerBasedRlEnv,
  sensor_name: str,
  command_name: str,
  threshold: float,
  command_threshold: float = 0.1,
) -> torch.Tensor:
  """TODO(R5): reward long steps, paid once per step, when the foot touches down.

  With the feet contact sensor s = env.scene[sensor_name]:
    first_contact = s.compute_first_contact(env.step_dt)    (N, F) bool, true on touch-down steps
    t_air = s.data.last_air_time                           (N, F) [s], the flight that just ended

      reward = sum_f first_contact_f * (t_air_f - threshold)

  so steps longer than ``threshold`` seconds are rewarded and shorter ones penalized. A standing
  robot should not step: the reward is 0 for envs whose command is small,
  ||(c_vx, c_vy)|| + |c_wz| <= command_threshold.

  Returns: (N,) float32.
  Hint: cast bool tensors with .float() before multiplying; torch.linalg.norm(x, dim=1).
  """
  ### BEGIN SOLUTION
  sensor = env.scene[sensor_name]
  first_contact = sensor.compute_first_contact(env.step_dt).float()
  reward = torch.sum(first_contact * (sensor.data.last_air_time - threshold), dim=1)
  command = env.command_manager.get_command(command_name)
  moving = torch.linalg.norm(command[:, :2], dim=1) + torch.abs(command[:, 2]) > command_threshold
  return reward * moving.float()
  ### END SOLUTION


def feet_clearance(
  env: ManagerBasedRlEnv,
  target_height: float,
  tanh_mult: float,
  asset_cfg: SceneEntityCfg,
) -> torch.Tensor:
  """TODO(R6): penalty for swinging feet that are not at the target height.

  For the foot sites selected by asset_cfg.site_ids, with their world height z_f =
  site_pos_w[..., 2] [m] (the ground is at z = 0) and horizontal speed
  s_f = ||site_lin_vel_w[..., :2]|| [m/s]:

      penalty = sum_f (z_f - target_height)^2 * tanh(tanh_mult * s_f)

  The tanh factor is ~0 for a planted foot and ~1 for a moving one, so only swinging feet count.

  Returns: (N,) float32, >= 0.
  Hint: with data = env.scene[asset_cfg.name].data, data.site_pos_w[:, asset_cfg.site_ids, 2] is
  (N, F); torch.tanh, torch.linalg.norm(..., dim=-1).
  """
  ### BEGIN SOLUTION
  data = env.scene[asset_cfg.name].data
  height_error = torch.square(data.site_pos_w[:, asset_cfg.site_ids, 2] - target_height)
  speed = torch.linalg.norm(data.site_lin_vel_w[:, asset_cfg.site_ids, :2], dim=-1)
  return torch.sum(height_error * torch.tanh(tanh_mult * speed), dim=1)
  ### END SOLUTION


class feet_swing_height:  # noqa: N801  (a term: named like the functions it sits among)
  """TODO(R7): penalty, paid at touch-down, for the highest point of the swing missing a target.

  A stateful term. It remembers, per foot, the highest world height z of its site (site_pos_w
  [..., 2], the ground is at z = 0) since the foot left the ground. Each call does, in this order:

      1. peak_f = max(peak_f, z_f)          (this step's height counts, the landing step's too)
      2. penalty = sum_f first_contact_f * (peak_f - target_height)^2
                                            first_contact: sensor.compute_first_contact(env.step_dt)
      3. peak_f = 0 where the foot is on the ground (found > 0: found counts contacts, a foot
         against a step and on the floor has 2), so each swing is measured on its own

  and returns the penalty of step 2. ``reset(env_ids)`` sets the peaks of those envs to 0.

  Feet: the sites asset_cfg.site_ids, which must be the sensor's primaries in the sensor's order
  (FR, FL, RR, RL): the sensor's found and compute_first_contact, (N, F), are used as they are,
  column f with site f, never indexed by site_ids (site ids count the robot's sites, "imu"
  first, not the sensor's columns). The task config builds both from the same four feet, and
  every graded case does too.

  Called as term(env, sensor_name=..., target_height=..., asset_cfg=...). Returns (N,) float32.
  Hint: in __init__, asset_cfg = cfg.params["asset_cfg"] is already resolved (the manager
  resolves a term's params before it builds the term). Its site_ids is the list of the selected
  sites' indices when site_names were given, as the task gives the four feet ([1, 2, 3, 4] on
  the Go1): then F = len(site_ids). Without site_names it stays slice(None), every site of the
  robot: then F = len(env.scene[asset_cfg.name].site_names), 5 on the Go1 ("imu" and the feet),
  which no foot sensor matches. With env.num_envs, F gives the shape of self.peak_height
  (N, F); torch.maximum and torch.where update it without a Python loop.
  """

  def __init__(self, cfg, env: ManagerBasedRlEnv) -> None:
    ### BEGIN SOLUTION
    asset_cfg = cfg.params["asset_cfg"]
    num_feet = (
      len(env.scene[asset_cfg.name].site_names)
      if asset_cfg.site_ids == slice(None)
      else len(asset_cfg.site_ids)
    )
    self.peak_height = torch.zeros(env.num_envs, num_feet, device=env.device)
    ### END SOLUTION

  def __call__(
    self,
    env: ManagerBasedRlEnv,
    sensor_name: str,
    target_height: float,
    asset_cfg: SceneEntityCfg,
  ) -> torch.Tensor:
    ### BEGIN SOLUTION
    sensor = env.scene[sensor_name]
    height = env.scene[asset_cfg.name].data.site_pos_w[:, asset_cfg.site_ids, 2]
    in_contact = sensor.data.found > 0
    first_contact = sensor.compute_first_contact(env.step_dt)
    airborne_peak = torch.maximum(self.peak_height, height)
    penalty = torch.sum(first_contact.float() * torch.square(airborne_peak - target_height), dim=1)
    self.peak_height = torch.where(in_contact, torch.zeros_like(height), airborne_peak)
    return penalty
    ### END SOLUTION

  def reset(self, env_ids: torch.Tensor | slice) -> None:
    ### BEGIN SOLUTION
    self.peak_height[env_ids] = 0.0
    ### END SOLUTION


def feet_slip(env: ManagerBasedRlEnv, sensor_name: str, asset_cfg: SceneEntityCfg) -> torch.Tensor:
  """TODO(R8): penalty for feet that slide while on the ground.

  For the foot sites selected by asset_cfg.site_ids and the contact sensor's feet in the same
  order, with in_contact_f = 1 where found_f > 0, else 0 (found counts contacts: a foot against a
  step and on the floor has 2, and counts once) and the foot's horizontal velocity
  v_f = site_lin_vel_w[..., :2] [m/s]:

      penalty = sum_f in_contact_f * ||v_f||^2

  As in R7, the sensor's found (N, F) is used as it is, column f with site f: site_ids must
  select the sensor's feet in its order (the task config and every graded case do), and the
  sensor is not indexed by site_ids.

  Returns: (N,) float32, >= 0.
  Hint: (env.scene[sensor_name].data.found > 0).float() is (N, F); the sites' velocities are
  env.scene[asset_cfg.name].data.site_lin_vel_w[:, asset_cfg.site_ids, :2].
  """
  ### BEGIN SOLUTION
  in_contact = (env.scene[sensor_name].data.found > 0).float()
  foot_vel = env.scene[asset_cfg.name].data.site_lin_vel_w[:, asset_cfg.site_ids, :2]
  return torch.sum(in_contact * torch.sum(torch.square(foot_vel), dim=-1), dim=1)
  ### END SOLUTION
