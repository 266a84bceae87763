"""CurriculumManager: adjusts the task as training goes (called when envs reset)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch

from trotlab.managers.manager_base import ManagerTerm
from trotlab.managers.manager_term_config import CurriculumTermCfg

if TYPE_CHECKING:
  from trotlab.envs.manager_based_rl_env import ManagerBasedRlEnv


class CurriculumManager:
  """Runs the curriculum terms when envs reset and keeps what each one returned, for the log."""

  def __init__(self, cfg: dict[str, CurriculumTermCfg], env: ManagerBasedRlEnv) -> None:
    self._env = env
    self._terms = {
      name: ManagerTerm("Curriculum", name, c, env, leading=2) for name, c in cfg.items()
    }
    self._state: dict[str, Any] = {name: None for name in self._terms}

  @property
  def active_terms(self) -> list[str]:
    """Names of the curriculum terms."""
    return list(self._terms)

  def compute(self, env_ids: torch.Tensor | slice) -> None:
    """Run every term for the envs ``env_ids`` (just before they reset); keep its return value."""
    for name, term in self._terms.items():
      self._state[name] = term(self._env, env_ids)

  def reset(self, env_ids: torch.Tensor | slice) -> dict[str, float]:
    """The terms' last return values for the log: ``Curriculum/<term>`` for a number,
    ``Curriculum/<term>/<key>`` per entry of a dict, nothing for None. ``env_ids`` is unused."""
    extras: dict[str, float] = {}
    for name, state in self._state.items():
      if isinstance(state, dict):
        extras.update({f"Curriculum/{name}/{k}": float(v) for k, v in state.items()})
      elif state is not None:
        extras[f"Curriculum/{name}"] = float(state)
    return extras

  def __str__(self) -> str:
    return "Curriculum terms:\n" + "\n".join(f"  {name}" for name in self._terms)
