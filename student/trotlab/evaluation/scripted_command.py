"""A command term whose command is written by the evaluator (trusted framework code, no student
code): every env gets the same body-frame twist, never resampled."""

from __future__ import annotations

import dataclasses
from typing import Any

import torch

from trotlab.managers.command_manager import CommandTerm
from trotlab.managers.manager_term_config import CommandTermCfg


class ScriptedVelocityCommand(CommandTerm):
  def __init__(self, cfg: ScriptedVelocityCommandCfg, env) -> None:
    super().__init__(cfg, env)
    self.vel_command_b = torch.zeros(self.num_envs, 3, device=self.device)

  @property
  def command(self) -> torch.Tensor:
    return self.vel_command_b

  def set(self, twist: tuple[float, float, float]) -> None:
    """Give every env the command (vx [m/s], vy [m/s], wz [rad/s]), body frame."""
    self.vel_command_b[:] = torch.tensor(twist, device=self.device)

  def _resample_command(self, env_ids) -> None:
    pass

  def _update_command(self) -> None:
    pass

  def _update_metrics(self) -> None:
    pass


@dataclasses.dataclass(kw_only=True)
class ScriptedVelocityCommandCfg(CommandTermCfg):
  class_type: type = ScriptedVelocityCommand
  resampling_time_range: tuple[float, float] = (1.0e9, 1.0e9)
  ranges: Any = None
  """Command ranges object (e.g. VelocityRanges), for curricula that edit it; unused here."""
