"""CommandManager and the CommandTerm base class.

A command term holds one command per env (e.g. a body-frame twist), draws a new one every
U(resampling_time_range) seconds, updates it every step (e.g. heading control) and tracks
metrics that are logged when an env resets (``Metrics/<command>/<metric>``)."""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING

import torch

from trotlab.managers.manager_term_config import CommandTermCfg
from trotlab.utils.names import NAMES_COME_FROM_PARAMETERS
from trotlab.utils.todo import TodoNotImplemented

if TYPE_CHECKING:
  from trotlab.envs.manager_based_rl_env import ManagerBasedRlEnv


class CommandTerm(abc.ABC):
  """Base class of a command term: one command per env, redrawn after a random time and updated
  every env step. Subclasses implement ``command``, ``_resample_command``, ``_update_command`` and
  ``_update_metrics``."""

  def __init__(self, cfg: CommandTermCfg, env: ManagerBasedRlEnv) -> None:
    self.cfg = cfg
    self._env = env
    self.num_envs = env.num_envs
    self.device = env.device
    self.time_left = torch.zeros(self.num_envs, device=self.device)
    """(num_envs,) seconds until each env draws a new command."""
    self.command_counter = torch.zeros(self.num_envs, dtype=torch.long, device=self.device)
    """(num_envs,) commands drawn since the env's last reset."""
    self.metrics: dict[str, torch.Tensor] = {}
    """name -> (num_envs,) running metric, averaged into the log at reset."""

  @property
  @abc.abstractmethod
  def command(self) -> torch.Tensor:
    """(num_envs, d) the current command."""

  def reset(self, env_ids: torch.Tensor | slice) -> dict[str, float]:
    """New episodes for ``env_ids``: return each metric's mean over those envs and zero it, then
    draw new commands and resampling times (``command_counter`` restarts at 1)."""
    extras = {}
    for name, values in self.metrics.items():
      extras[name] = values[env_ids].mean().item()
      values[env_ids] = 0.0
    self.command_counter[env_ids] = 0
    self._resample(env_ids)
    return extras

  def compute(self, dt: float) -> None:
    """Advance by one env step of ``dt`` seconds: update the metrics, draw new commands for the
    envs whose time ran out, then update every env's command (e.g. heading control)."""
    self._update_metrics()
    self.time_left -= dt
    expired = (self.time_left <= 0.0).nonzero().flatten()
    if len(expired) > 0:
      self._resample(expired)
    self._update_command()

  def _resample(self, env_ids: torch.Tensor | slice) -> None:
    lo, hi = self.cfg.resampling_time_range
    n = self.time_left[env_ids].shape[0]
    self.time_left[env_ids] = torch.empty(n, device=self.device).uniform_(lo, hi)
    self.command_counter[env_ids] += 1
    self._resample_command(env_ids)

  @abc.abstractmethod
  def _resample_command(self, env_ids: torch.Tensor | slice) -> None:
    """Draw new commands for ``env_ids``."""

  @abc.abstractmethod
  def _update_command(self) -> None:
    """Per-step update of the commands (after resampling)."""

  @abc.abstractmethod
  def _update_metrics(self) -> None:
    """Per-step update of ``self.metrics`` (before resampling)."""


class CommandManager:
  """Holds the command terms (the velocity task has one: the velocity command), steps them and
  resets them."""

  def __init__(self, cfg: dict[str, CommandTermCfg], env: ManagerBasedRlEnv) -> None:
    self._terms: dict[str, CommandTerm] = {}
    for name, term_cfg in cfg.items():
      if not (
        isinstance(term_cfg.class_type, type) and issubclass(term_cfg.class_type, CommandTerm)
      ):
        raise TypeError(
          f"Command {name!r}: class_type must be a CommandTerm subclass, got {term_cfg.class_type!r}"
        )
      self._terms[name] = self._guard(name, lambda c=term_cfg: c.class_type(c, env))

  @property
  def active_terms(self) -> list[str]:
    """Names of the command terms."""
    return list(self._terms)

  def get_term(self, name: str) -> CommandTerm:
    """The command term called ``name`` (e.g. to change its ``cfg.ranges``); KeyError lists the
    commands."""
    if name not in self._terms:
      raise KeyError(
        f"No command {name!r}; commands: {self.active_terms}. {NAMES_COME_FROM_PARAMETERS}"
      )
    return self._terms[name]

  def get_command(self, name: str) -> torch.Tensor:
    """(num_envs, d) the current command of term ``name`` (velocity: vx, vy, wz, body frame)."""
    return self.get_term(name).command

  @staticmethod
  def _guard(name: str, call):
    try:
      return call()
    except TodoNotImplemented as err:
      raise TodoNotImplemented(err.todo_id, where=f"command {name!r}") from None

  def compute(self, dt: float) -> None:
    """Advance every command term by one env step of ``dt`` seconds (CommandTerm.compute)."""
    for name, term in self._terms.items():
      self._guard(name, lambda t=term: t.compute(dt))

  def reset(self, env_ids: torch.Tensor | slice) -> dict[str, float]:
    """Reset every term for ``env_ids``; return their metrics as ``Metrics/<command>/<metric>``."""
    extras = {}
    for name, term in self._terms.items():
      for metric, value in self._guard(name, lambda t=term: t.reset(env_ids)).items():
        extras[f"Metrics/{name}/{metric}"] = value
    return extras

  def __str__(self) -> str:
    rows = [
      f"  {name:<26} {type(t).__name__}, dim {t.command.shape[1]}"
      for name, t in self._terms.items()
    ]
    return "Commands:\n" + "\n".join(rows)
