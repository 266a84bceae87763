"""Observation noise models (applied only when a group's ``enable_corruption`` is True)."""

from __future__ import annotations

import dataclasses

import torch


@dataclasses.dataclass(kw_only=True)
class UniformNoiseCfg:
  """Add U(n_min, n_max) independently to every element."""

  n_min: float
  n_max: float

  def apply(self, x: torch.Tensor) -> torch.Tensor:
    return x + torch.rand_like(x) * (self.n_max - self.n_min) + self.n_min


@dataclasses.dataclass(kw_only=True)
class GaussianNoiseCfg:
  """Add N(mean, std^2) independently to every element."""

  mean: float = 0.0
  std: float

  def apply(self, x: torch.Tensor) -> torch.Tensor:
    return x + torch.randn_like(x) * self.std + self.mean


NoiseCfg = UniformNoiseCfg | GaussianNoiseCfg
