"""RslRlVecEnvWrapper: presents a ManagerBasedRlEnv as rsl-rl-lib's VecEnv."""

from __future__ import annotations

from collections.abc import Callable

import torch
from rsl_rl.env import VecEnv
from tensordict import TensorDict

from trotlab.envs.manager_based_rl_env import ManagerBasedRlEnv


class RslRlVecEnvWrapper(VecEnv):
  """Observations are a TensorDict of the env's groups ("actor", "critic"); dones are
  terminated | truncated, with the time-outs in ``extras["time_outs"]`` so PPO bootstraps them.
  The env is reset when the wrapper is built. ``step_hooks`` are called after every step with
  the actions and the observations (train: the NaN guard, the training videos)."""

  def __init__(
    self,
    env: ManagerBasedRlEnv,
    clip_actions: float | None = None,
    step_hooks: tuple[Callable[[torch.Tensor, dict], None], ...] = (),
  ) -> None:
    self.env = env
    self.cfg = env.cfg
    self.clip_actions = clip_actions
    self.step_hooks = step_hooks
    self.num_envs = env.num_envs
    self.device = env.device
    self.max_episode_length = env.max_episode_length
    self.num_actions = env.action_manager.total_action_dim
    self._obs = self._to_tensordict(env.reset())

  @property
  def episode_length_buf(self) -> torch.Tensor:
    """(num_envs,) int64 env steps into each env's episode: the env's own buffer (rsl-rl's
    init_at_random_ep_len sets it to random lengths, so that episodes do not all end together)."""
    return self.env.episode_length_buf

  @episode_length_buf.setter
  def episode_length_buf(self, value: torch.Tensor) -> None:
    self.env.episode_length_buf = value

  @property
  def unwrapped(self) -> ManagerBasedRlEnv:
    """The wrapped ManagerBasedRlEnv."""
    return self.env

  def _to_tensordict(self, obs: dict) -> TensorDict:
    return TensorDict(obs, batch_size=[self.num_envs])

  def get_observations(self) -> TensorDict:
    """The observations of the last reset or step: a TensorDict {group: (num_envs, d)}."""
    return self._obs

  def step(self, actions: torch.Tensor) -> tuple[TensorDict, torch.Tensor, torch.Tensor, dict]:
    """Clip ``actions`` (num_envs, num_actions) to +-clip_actions if set, step the env, run the
    step hooks; return observations, reward (num_envs,), dones (num_envs,) int64, extras."""
    if self.clip_actions is not None:
      actions = torch.clamp(actions, -self.clip_actions, self.clip_actions)
    obs, reward, terminated, truncated, extras = self.env.step(actions)
    for hook in self.step_hooks:
      hook(actions, obs)
    dones = (terminated | truncated).to(torch.long)
    extras["time_outs"] = truncated
    self._obs = self._to_tensordict(obs)
    return self._obs, reward, dones, extras

  def close(self) -> None:
    """Close the wrapped env."""
    self.env.close()
