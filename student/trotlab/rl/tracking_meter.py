"""The training console's tracking error: what the robots do against what they are asked, step by
step, measured the way ``evaluate`` measures it.

The velocity command's own metrics (C3: ``Metrics/<command>/error_vel_xy`` in TensorBoard) sum
an episode's errors and divide by the longest command time, so they grow with the episode length
while a policy learns to stay up. The meter instead averages, over every env and every env step
since it was last read, the body-frame errors ||v_xy - cmd_xy|| [m/s] and |w_z - cmd_wz| [rad/s]
from the simulator's state (EntityData) and the command's tensor: one number per iteration that
falls as the policy learns to track.
"""

from __future__ import annotations

import torch

from trotlab.envs.manager_based_rl_env import ManagerBasedRlEnv


class TrackingErrorMeter:
  """A step hook of ``RslRlVecEnvWrapper``: accumulates the per-step tracking errors of all envs.

  The command is read after the step, so a few envs per step (those just reset or resampled)
  are compared with their next command: about one env step in several hundred, which does not
  move an iteration's mean."""

  def __init__(self, env: ManagerBasedRlEnv, command_name: str, robot_name: str = "robot") -> None:
    self.robot = env.scene[robot_name]
    self.command = env.command_manager.get_term(command_name)
    self._sum_xy = torch.zeros((), dtype=torch.float64, device=env.device)
    self._sum_yaw = torch.zeros((), dtype=torch.float64, device=env.device)
    self._count = 0

  @classmethod
  def for_env(cls, env: ManagerBasedRlEnv, command_name: str) -> TrackingErrorMeter | None:
    """The meter of ``env``'s velocity command ``command_name``; None when the env has no such
    command (a task without one: the console prints "--")."""
    if command_name not in env.command_manager.active_terms:
      return None
    return cls(env, command_name)

  def __call__(self, actions: torch.Tensor, obs: dict) -> None:
    """Add this step's errors (the hook signature: the step's actions and observations)."""
    cmd = self.command.command  # (N, 3): vx, vy [m/s], wz [rad/s], body frame
    data = self.robot.data
    error_xy = torch.linalg.norm(data.root_link_lin_vel_b[:, :2] - cmd[:, :2], dim=1)
    error_yaw = (data.root_link_ang_vel_b[:, 2] - cmd[:, 2]).abs()
    self._sum_xy += error_xy.sum()
    self._sum_yaw += error_yaw.sum()
    self._count += error_xy.numel()

  def take(self) -> tuple[float | None, float | None]:
    """(mean ||v_xy err|| [m/s], mean |w_z err| [rad/s]) over the env steps since the last call,
    then start over; (None, None) when no step was taken."""
    if self._count == 0:
      return None, None
    means = (self._sum_xy / self._count).item(), (self._sum_yaw / self._count).item()
    self._sum_xy.zero_()
    self._sum_yaw.zero_()
    self._count = 0
    return means
