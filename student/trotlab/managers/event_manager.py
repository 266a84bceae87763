"""EventManager: things that happen to envs at start-up, at reset, or at random intervals
(randomized initial states, friction, pushes)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from trotlab.managers.manager_base import ManagerTerm
from trotlab.managers.manager_term_config import EventTermCfg

if TYPE_CHECKING:
  from trotlab.envs.manager_based_rl_env import ManagerBasedRlEnv

MODES = ("startup", "reset", "interval")


class EventManager:
  def __init__(self, cfg: dict[str, EventTermCfg], env: ManagerBasedRlEnv) -> None:
    self._env = env
    self._terms: dict[str, dict[str, ManagerTerm]] = {mode: {} for mode in MODES}
    self._time_left: dict[str, torch.Tensor] = {}
    for name, term_cfg in cfg.items():
      if term_cfg.mode not in MODES:
        raise ValueError(f"Event {name!r}: mode must be one of {MODES}, got {term_cfg.mode!r}")
      if term_cfg.mode == "interval":
        if term_cfg.interval_range_s is None:
          raise ValueError(f"Event {name!r}: interval events need interval_range_s=(lo, hi).")
        self._time_left[name] = self._draw(term_cfg.interval_range_s, env.num_envs)
      self._terms[term_cfg.mode][name] = ManagerTerm("Event", name, term_cfg, env, leading=2)

  def _draw(self, interval: tuple[float, float], n: int) -> torch.Tensor:
    return torch.empty(n, device=self._env.device).uniform_(*interval)

  @property
  def active_terms(self) -> dict[str, list[str]]:
    return {mode: list(terms) for mode, terms in self._terms.items()}

  def apply(self, mode: str, env_ids: torch.Tensor | None = None, dt: float | None = None) -> None:
    """Run the events of ``mode``: startup (all envs), reset (env_ids), interval (those whose
    timer ran out after advancing by dt)."""
    for name, term in self._terms[mode].items():
      if mode == "interval":
        assert dt is not None
        timer = self._time_left[name]
        timer -= dt
        due = (timer <= 0).nonzero().flatten()
        if len(due) == 0:
          continue
        timer[due] = self._draw(term.cfg.interval_range_s, len(due))  # type: ignore[attr-defined]
        term(self._env, due)
      else:
        term(self._env, env_ids)

  def reset(self, env_ids: torch.Tensor | slice) -> dict[str, float]:
    for terms in self._terms.values():
      for term in terms.values():
        term.reset(env_ids)
    return {}

  def __str__(self) -> str:
    rows = [f"  {name:<26} {mode}" for mode, terms in self._terms.items() for name in terms]
    return "Events:\n" + "\n".join(rows)
