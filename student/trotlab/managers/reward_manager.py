"""RewardManager: reward = sum over terms of weight * term(env) * step_dt.

Scaling by step_dt makes the weights independent of the control rate: a weight is "reward per
second". Episode sums per term are logged as ``Episode_Reward/<term>`` (per second of episode)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from trotlab.managers.manager_base import ManagerTerm
from trotlab.managers.manager_term_config import RewardTermCfg
from trotlab.utils.names import NAMES_COME_FROM_PARAMETERS

if TYPE_CHECKING:
  from trotlab.envs.manager_based_rl_env import ManagerBasedRlEnv


class RewardManager:
  """Computes the step reward from the reward terms (see the module docstring) and sums each
  term's contribution over the episode, for the log."""

  def __init__(self, cfg: dict[str, RewardTermCfg], env: ManagerBasedRlEnv) -> None:
    self._env = env
    self._terms = {
      name: ManagerTerm("Reward", name, c, env, leading=1, output_ndim=1) for name, c in cfg.items()
    }
    self._episode_sums = {
      name: torch.zeros(env.num_envs, device=env.device) for name in self._terms
    }
    self._step_reward = torch.zeros(env.num_envs, len(self._terms), device=env.device)
    """(num_envs, num_terms) the last step's weighted, dt-scaled contributions."""
    self.reward_buf = torch.zeros(env.num_envs, device=env.device)

  @property
  def active_terms(self) -> list[str]:
    """Names of the reward terms, in the order of ``step_reward``'s columns."""
    return list(self._terms)

  @property
  def step_reward(self) -> torch.Tensor:
    """(num_envs, num_terms) the last step's weighted, dt-scaled contribution of each term, in
    ``active_terms`` order."""
    return self._step_reward

  def get_term_cfg(self, name: str) -> RewardTermCfg:
    """The config of term ``name`` (a curriculum changes its ``weight`` there); KeyError lists
    the terms."""
    if name not in self._terms:
      raise KeyError(
        f"No reward term {name!r}; terms: {self.active_terms}. {NAMES_COME_FROM_PARAMETERS}"
      )
    return self._terms[name].cfg  # type: ignore[return-value]

  def compute(self, dt: float) -> torch.Tensor:
    """(num_envs,) the step reward, sum over terms of weight * term(env) * dt; terms of weight 0
    are not evaluated. Also fills ``step_reward`` and adds to the episode sums."""
    self.reward_buf.zero_()
    for i, (name, term) in enumerate(self._terms.items()):
      weight = term.cfg.weight  # type: ignore[attr-defined]
      if weight == 0.0:
        self._step_reward[:, i] = 0.0
        continue
      value = term(self._env)
      contribution = value * weight * dt
      self.reward_buf += contribution
      self._episode_sums[name] += contribution
      self._step_reward[:, i] = contribution
    return self.reward_buf

  def reset(self, env_ids: torch.Tensor | slice) -> dict[str, float]:
    """Return each term's episode sum, averaged over ``env_ids`` and divided by the maximum
    episode length [s], as ``Episode_Reward/<term>``; zero those sums and reset the terms."""
    extras = {}
    for name, sums in self._episode_sums.items():
      extras[f"Episode_Reward/{name}"] = (
        sums[env_ids].mean() / self._env.max_episode_length_s
      ).item()
      sums[env_ids] = 0.0
    for term in self._terms.values():
      term.reset(env_ids)
    return extras

  def __str__(self) -> str:
    rows = [f"  {name:<26} weight {t.cfg.weight:+g}" for name, t in self._terms.items()]  # type: ignore[attr-defined]
    return "Reward terms (weight * term * dt):\n" + "\n".join(rows)
