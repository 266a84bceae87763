"""Term configurations: what each manager computes, from which function, with which parameters.

A term's ``func`` is either a function ``func(env, **params) -> Tensor`` or a class; a class is
instantiated once as ``func(cfg, env)`` and then called as ``instance(env, **params)``, and its
optional ``reset(env_ids)`` runs when envs reset (use a class when a term needs memory).
``params`` must match the function's keyword parameters: the managers check this when the env
is built. SceneEntityCfg values in ``params`` are resolved to indices at build time.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, Literal

from trotlab.utils.noise import NoiseCfg


@dataclasses.dataclass(kw_only=True)
class ManagerTermBaseCfg:
  func: Callable[..., Any] | type
  """The term's function or class."""
  params: dict[str, Any] = dataclasses.field(default_factory=dict)
  """Keyword arguments passed to ``func`` on every call."""


@dataclasses.dataclass(kw_only=True)
class ObservationTermCfg(ManagerTermBaseCfg):
  """Returns (num_envs, d) float32. Post-processing order: noise, clip, scale."""

  noise: NoiseCfg | None = None
  clip: tuple[float, float] | None = None
  scale: float | None = None


@dataclasses.dataclass(kw_only=True)
class ObservationGroupCfg:
  terms: dict[str, ObservationTermCfg]
  concatenate_terms: bool = True
  """Concatenate the terms into one (num_envs, sum d) tensor (rsl_rl needs this)."""
  enable_corruption: bool = False
  """Apply each term's noise model."""


@dataclasses.dataclass(kw_only=True)
class RewardTermCfg(ManagerTermBaseCfg):
  """Returns (num_envs,). The step reward adds weight * term * step_dt."""

  weight: float


@dataclasses.dataclass(kw_only=True)
class TerminationTermCfg(ManagerTermBaseCfg):
  """Returns (num_envs,) bool."""

  time_out: bool = False
  """A time-out truncates the episode (the value function bootstraps), it is not a failure."""


@dataclasses.dataclass(kw_only=True)
class EventTermCfg(ManagerTermBaseCfg):
  """``func(env, env_ids, **params)``; env_ids is None for startup events (all envs)."""

  mode: Literal["startup", "reset", "interval"]
  interval_range_s: tuple[float, float] | None = None
  """For interval events: each env waits U(lo, hi) seconds between applications."""
  domain_randomization: bool = False
  """Marks events that randomize physical parameters (model fields); play configs drop them."""


@dataclasses.dataclass(kw_only=True)
class CurriculumTermCfg(ManagerTermBaseCfg):
  """``func(env, env_ids, **params)``, called when envs reset; returns a value to log."""


@dataclasses.dataclass(kw_only=True)
class CommandTermCfg:
  """Base of command configs; ``class_type`` is the CommandTerm subclass built from it."""

  class_type: type
  resampling_time_range: tuple[float, float]
  """Each env draws a new command after U(lo, hi) seconds."""


@dataclasses.dataclass(kw_only=True)
class ActionTermCfg:
  """Base of action configs; ``class_type`` is the ActionTerm subclass built from it."""

  class_type: type
  entity_name: str = "robot"
  clip: tuple[float, float] | None = None
  """Clip the raw (policy) action before scaling."""
