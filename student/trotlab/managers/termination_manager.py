"""TerminationManager: which envs end this step, and whether by failure or by time-out."""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from trotlab.managers.manager_base import ManagerTerm
from trotlab.managers.manager_term_config import TerminationTermCfg

if TYPE_CHECKING:
  from trotlab.envs.manager_based_rl_env import ManagerBasedRlEnv


class TerminationManager:
  """Evaluates the termination terms every env step: an env is done when any term is true. Terms
  with ``time_out=True`` truncate the episode; the others end it as a failure."""

  def __init__(self, cfg: dict[str, TerminationTermCfg], env: ManagerBasedRlEnv) -> None:
    self._env = env
    self._terms = {
      name: ManagerTerm(
        "Termination", name, c, env, leading=1, output_ndim=1, output_dtype=torch.bool
      )
      for name, c in cfg.items()
    }
    n = env.num_envs
    self._term_dones = {
      name: torch.zeros(n, dtype=torch.bool, device=env.device) for name in self._terms
    }
    self.terminated = torch.zeros(n, dtype=torch.bool, device=env.device)
    """(num_envs,) ended by a failure term this step."""
    self.time_outs = torch.zeros(n, dtype=torch.bool, device=env.device)
    """(num_envs,) ended by a time-out term this step (and by no failure)."""

  @property
  def active_terms(self) -> list[str]:
    """Names of the termination terms."""
    return list(self._terms)

  @property
  def dones(self) -> torch.Tensor:
    """(num_envs,) bool: ended this step, by a failure or by a time-out."""
    return self.terminated | self.time_outs

  def compute(self) -> torch.Tensor:
    """Evaluate every term, fill ``terminated`` and ``time_outs`` and return ``dones``,
    (num_envs,) bool. An env that fails and times out in the same step counts as terminated."""
    self.terminated.zero_()
    self.time_outs.zero_()
    for name, term in self._terms.items():
      value = term(self._env)
      self._term_dones[name][:] = value
      if term.cfg.time_out:  # type: ignore[attr-defined]
        self.time_outs |= value
      else:
        self.terminated |= value
    self.time_outs &= ~self.terminated
    return self.dones

  def get_term(self, name: str) -> torch.Tensor:
    """(num_envs,) bool: what term ``name`` returned at the last ``compute``."""
    return self._term_dones[name]

  def reset(self, env_ids: torch.Tensor | slice) -> dict[str, float]:
    """Reset the terms for ``env_ids``; return, per term, how many of those envs it flagged at
    the last ``compute``, as ``Episode_Termination/<term>``."""
    extras = {
      f"Episode_Termination/{name}": dones[env_ids].sum().item()
      for name, dones in self._term_dones.items()
    }
    for term in self._terms.values():
      term.reset(env_ids)
    return extras

  def __str__(self) -> str:
    rows = [
      f"  {name:<26} {'time-out' if t.cfg.time_out else 'failure'}"
      for name, t in self._terms.items()
    ]  # type: ignore[attr-defined]
    return "Termination terms:\n" + "\n".join(rows)
