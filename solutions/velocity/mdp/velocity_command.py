"""The velocity command: a body-frame twist (vx, vy, wz) per env (student work: TODO C1..C3).

Every env draws a new command every U(resampling_time_range) seconds. Some envs are "heading
envs": instead of a yaw rate they get a target heading, and the yaw rate is computed every step
by a P controller toward it. Some envs are "turning envs": their linear command is zero, so they
turn in place (uniform commands alone almost never ask for that, and some training runs then
never learn it). Some envs are "standing envs": their whole command is zero.
"""

from __future__ import annotations

import dataclasses
import math
from typing import TYPE_CHECKING

import torch

from trotlab.managers.command_manager import CommandTerm
from trotlab.managers.manager_term_config import CommandTermCfg
from trotlab.utils.math import wrap_to_pi
from trotlab.utils.todo import TodoNotImplemented  # noqa: F401  (the student stubs raise it)

if TYPE_CHECKING:
  from trotlab.envs.manager_based_rl_env import ManagerBasedRlEnv

__all__ = ["UniformVelocityCommand", "UniformVelocityCommandCfg", "VelocityRanges"]


@dataclasses.dataclass(kw_only=True)
class VelocityRanges:
  lin_vel_x: tuple[float, float] = (-1.0, 1.0)
  """Forward speed range [m/s], body frame."""
  lin_vel_y: tuple[float, float] = (-0.5, 0.5)
  """Sideways speed range [m/s], body frame (left positive)."""
  ang_vel_z: tuple[float, float] = (-1.0, 1.0)
  """Yaw rate range [rad/s]; also the clip of the heading controller's output."""
  heading: tuple[float, float] = (-math.pi, math.pi)
  """Target heading range [rad], world frame, for heading envs."""


class UniformVelocityCommand(CommandTerm):
  """Attributes:
  vel_command_b: (N, 3) the command (vx, vy, wz), body frame.
  heading_target: (N,) target heading [rad] (used by heading envs).
  is_heading_env, is_turning_env, is_standing_env: (N,) bool.
  metrics["error_vel_xy"], metrics["error_vel_yaw"]: (N,) running tracking errors.
  """

  cfg: UniformVelocityCommandCfg

  def __init__(self, cfg: UniformVelocityCommandCfg, env: ManagerBasedRlEnv) -> None:
    super().__init__(cfg, env)
    self.robot = env.scene[cfg.entity_name]
    self.vel_command_b = torch.zeros(self.num_envs, 3, device=self.device)
    self.heading_target = torch.zeros(self.num_envs, device=self.device)
    self.is_heading_env = torch.zeros(self.num_envs, dtype=torch.bool, device=self.device)
    self.is_turning_env = torch.zeros(self.num_envs, dtype=torch.bool, device=self.device)
    self.is_standing_env = torch.zeros(self.num_envs, dtype=torch.bool, device=self.device)
    self.metrics["error_vel_xy"] = torch.zeros(self.num_envs, device=self.device)
    self.metrics["error_vel_yaw"] = torch.zeros(self.num_envs, device=self.device)

  @property
  def command(self) -> torch.Tensor:
    return self.vel_command_b

  def _resample_command(self, env_ids: torch.Tensor | slice) -> None:
    """TODO(C1): draw new commands for the envs ``env_ids``.

    For each env in env_ids, independently and uniformly (use torch's global generator, e.g.
    torch.rand or Tensor.uniform_):
      - vel_command_b[:, 0] ~ U(ranges.lin_vel_x), [:, 1] ~ U(ranges.lin_vel_y),
        [:, 2] ~ U(ranges.ang_vel_z);
      - heading_target ~ U(ranges.heading);
      - is_heading_env = (u < cfg.rel_heading_envs) with u ~ U(0, 1), and always False when
        cfg.heading_command is False;
      - is_turning_env = (u' < cfg.rel_turning_envs) with a fresh u' ~ U(0, 1);
      - is_standing_env = (u'' < cfg.rel_standing_envs) with a fresh u'' ~ U(0, 1).
    Do not touch the other envs.
    With cfg.heading_command False the reference still draws u (then sets the flag to False), so
    its draws do not depend on the flag. That costs or earns no points: C1 is graded by rules
    (ranges, uniform spread, the flags' fractions, envs left untouched), never by comparing the
    numbers drawn, so the number and order of your draws from the global generator are free.
    Hint: n = self.vel_command_b[env_ids].shape[0] works for index tensors and slices;
    torch.empty(n, device=self.device).uniform_(lo, hi) draws n samples.
    """
    ### BEGIN SOLUTION
    n = self.vel_command_b[env_ids].shape[0]
    r = self.cfg.ranges
    sample = torch.empty(n, 3, device=self.device)
    sample[:, 0].uniform_(*r.lin_vel_x)
    sample[:, 1].uniform_(*r.lin_vel_y)
    sample[:, 2].uniform_(*r.ang_vel_z)
    self.vel_command_b[env_ids] = sample
    self.heading_target[env_ids] = torch.empty(n, device=self.device).uniform_(*r.heading)
    heading = torch.rand(n, device=self.device) < self.cfg.rel_heading_envs
    self.is_heading_env[env_ids] = heading & self.cfg.heading_command
    self.is_turning_env[env_ids] = torch.rand(n, device=self.device) < self.cfg.rel_turning_envs
    self.is_standing_env[env_ids] = torch.rand(n, device=self.device) < self.cfg.rel_standing_envs
    ### END SOLUTION

  def _update_command(self) -> None:
    """TODO(C2): per-step update, after resampling.

    Heading envs (only when cfg.heading_command is True): set the yaw-rate command from the
    heading error, wrapped to [-pi, pi) (trotlab.utils.math.wrap_to_pi):
        wz = clip(cfg.heading_control_stiffness * wrap_to_pi(heading_target - heading_w),
                  ranges.ang_vel_z[0], ranges.ang_vel_z[1])
    where heading_w is the robot's current heading (self.robot.data.heading_w).
    Turning envs: set the linear command (vx, vy) to 0; the yaw rate stays.
    Standing envs: set the whole command (vx, vy, wz) to 0 (this comes last, so a standing
    heading env stands still).
    Hint: ids = self.is_heading_env.nonzero().flatten(); torch.clamp(x, lo, hi);
    boolean-mask assignment zeroes rows: t[mask] = 0.0.
    """
    ### BEGIN SOLUTION
    if self.cfg.heading_command:
      ids = self.is_heading_env.nonzero().flatten()
      error = wrap_to_pi(self.heading_target[ids] - self.robot.data.heading_w[ids])
      lo, hi = self.cfg.ranges.ang_vel_z
      self.vel_command_b[ids, 2] = torch.clamp(self.cfg.heading_control_stiffness * error, lo, hi)
    self.vel_command_b[self.is_turning_env, :2] = 0.0
    self.vel_command_b[self.is_standing_env] = 0.0
    ### END SOLUTION

  def _update_metrics(self) -> None:
    """TODO(C3): accumulate the tracking errors of this step (called before resampling).

    With max_command_step = cfg.resampling_time_range[1] / env.step_dt (self._env.step_dt) and
    the trunk's body-frame velocities v = root_link_lin_vel_b, w = root_link_ang_vel_b:
        metrics["error_vel_xy"]  += ||command[:, :2] - v[:, :2]|| / max_command_step
        metrics["error_vel_yaw"] += |command[:, 2] - w[:, 2]| / max_command_step
    Only add here. The metrics are reset elsewhere: when envs reset, CommandTerm.reset logs each
    metric's mean over those envs (Metrics/twist/...) and sets it to 0 for them.
    Hint: torch.linalg.norm(x, dim=1) and torch.abs.
    """
    ### BEGIN SOLUTION
    max_command_step = self.cfg.resampling_time_range[1] / self._env.step_dt
    data = self.robot.data
    error_xy = torch.linalg.norm(self.vel_command_b[:, :2] - data.root_link_lin_vel_b[:, :2], dim=1)
    error_yaw = torch.abs(self.vel_command_b[:, 2] - data.root_link_ang_vel_b[:, 2])
    self.metrics["error_vel_xy"] += error_xy / max_command_step
    self.metrics["error_vel_yaw"] += error_yaw / max_command_step
    ### END SOLUTION


@dataclasses.dataclass(kw_only=True)
class UniformVelocityCommandCfg(CommandTermCfg):
  class_type: type = UniformVelocityCommand
  entity_name: str = "robot"
  heading_command: bool = True
  """Give some envs a target heading instead of a yaw rate."""
  heading_control_stiffness: float = 0.5
  """P gain of the heading controller [1/s]."""
  rel_heading_envs: float = 0.3
  """Fraction of envs that are heading envs (when heading_command)."""
  rel_turning_envs: float = 0.0
  """Fraction of envs commanded to turn in place (zero linear command)."""
  rel_standing_envs: float = 0.1
  """Fraction of envs commanded to stand still."""
  ranges: VelocityRanges = dataclasses.field(default_factory=VelocityRanges)
