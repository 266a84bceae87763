"""ObservationManager: computes each observation group ("actor", "critic") from its terms."""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from trotlab.managers.manager_base import ManagerTerm
from trotlab.managers.manager_term_config import ObservationGroupCfg

if TYPE_CHECKING:
  from trotlab.envs.manager_based_rl_env import ManagerBasedRlEnv


class ObservationManager:
  def __init__(self, cfg: dict[str, ObservationGroupCfg], env: ManagerBasedRlEnv) -> None:
    self._env = env
    self.cfg = cfg
    self._terms = {
      group: {
        name: ManagerTerm("Observation", name, term_cfg, env, leading=1, output_ndim=2)
        for name, term_cfg in group_cfg.terms.items()
      }
      for group, group_cfg in cfg.items()
    }
    # Probe every term once so that dimensions are known (and bad terms fail at build time).
    self.group_obs_dim = {
      group: {name: tuple(value.shape[1:]) for name, value in obs.items()}
      for group, obs in self._compute_terms().items()
    }

  def _compute_terms(self) -> dict[str, dict[str, torch.Tensor]]:
    out: dict[str, dict[str, torch.Tensor]] = {}
    for group, terms in self._terms.items():
      group_cfg = self.cfg[group]
      out[group] = {}
      for name, term in terms.items():
        value = term(self._env)
        term_cfg = term.cfg
        if group_cfg.enable_corruption and term_cfg.noise is not None:
          value = term_cfg.noise.apply(value)
        if term_cfg.clip is not None:
          value = value.clamp(*term_cfg.clip)
        if term_cfg.scale is not None:
          value = value * term_cfg.scale
        out[group][name] = value
    return out

  def compute_group_terms(self, group: str) -> dict[str, torch.Tensor]:
    """{term: (num_envs, d)} of one group, computed now (noise, clip and scale applied)."""
    return self._compute_terms()[group]

  def compute(self) -> dict[str, torch.Tensor | dict[str, torch.Tensor]]:
    """{group: (num_envs, sum d)} (or {group: {term: tensor}} without concatenation)."""
    out: dict[str, torch.Tensor | dict[str, torch.Tensor]] = {}
    for group, obs in self._compute_terms().items():
      out[group] = (
        torch.cat(list(obs.values()), dim=-1) if self.cfg[group].concatenate_terms else obs
      )
    return out

  def reset(self, env_ids: torch.Tensor | slice) -> dict[str, float]:
    for terms in self._terms.values():
      for term in terms.values():
        term.reset(env_ids)
    return {}

  def __str__(self) -> str:
    lines = []
    for group, dims in self.group_obs_dim.items():
      noise = " (noise on)" if self.cfg[group].enable_corruption else ""
      lines.append(f"Observation group {group!r}{noise}: {sum(d[0] for d in dims.values())} dims")
      lines += [f"  {name:<26} {dim}" for name, dim in dims.items()]
    return "\n".join(lines)
