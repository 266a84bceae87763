"""ManagerBasedRlEnv: a batched RL environment assembled from managers.

One step (the handout's "One environment step" draws it too):

  actions -> ActionManager (scale, offset by default pose, clip)
          -> Simulation.step(decimation substeps, PD targets held)
          -> EntityData / sensors refreshed
          -> terminations -> rewards (weight * term * step_dt) -> reset done envs
             (curriculum, scene reset, reset events, command resample)
          -> command update, interval events -> observations -> extras
"""

from __future__ import annotations

import math

import torch

from trotlab.envs.manager_based_rl_env_cfg import ManagerBasedRlEnvCfg
from trotlab.managers import (
  ActionManager,
  CommandManager,
  CurriculumManager,
  EventManager,
  ObservationManager,
  RewardManager,
  TerminationManager,
)
from trotlab.scene import Scene


class ManagerBasedRlEnv:
  """Attributes the MDP terms may read: scene, num_envs, device, step_dt, max_episode_length_s,
  max_episode_length, episode_length_buf, common_step_counter, extras, and the managers."""

  def __init__(self, cfg: ManagerBasedRlEnvCfg, verbose: bool = True) -> None:
    self.cfg = cfg
    if cfg.seed is not None:
      torch.manual_seed(cfg.seed)
    self.scene = Scene(cfg.scene, cfg.sim)
    self.sim = self.scene.sim
    self.num_envs = cfg.scene.num_envs
    self.device = self.sim.device
    self.physics_dt = cfg.sim.timestep
    self.step_dt = cfg.decimation * cfg.sim.timestep
    self.max_episode_length_s = cfg.episode_length_s
    self.max_episode_length = math.ceil(cfg.episode_length_s / self.step_dt)
    self.episode_length_buf = torch.zeros(self.num_envs, dtype=torch.long, device=self.device)
    self.common_step_counter = 0
    self.extras: dict = {"log": {}}

    # Order matters: observations read commands and actions; rewards read terminations.
    self.event_manager = EventManager(cfg.events, self)
    self.command_manager = CommandManager(cfg.commands, self)
    self.action_manager = ActionManager(cfg.actions, self)
    self.observation_manager = ObservationManager(cfg.observations, self)
    self.termination_manager = TerminationManager(cfg.terminations, self)
    self.reward_manager = RewardManager(cfg.rewards, self)
    self.curriculum_manager = CurriculumManager(cfg.curriculum, self)
    self.event_manager.apply("startup")
    self.obs_buf = self.reset()
    if verbose:
      print(self)

  def __str__(self) -> str:
    header = (
      f"ManagerBasedRlEnv: {self.num_envs} envs on {self.device}, step_dt {self.step_dt:g} s "
      f"(decimation {self.cfg.decimation}), episodes of {self.max_episode_length_s:g} s"
    )
    managers = (
      self.observation_manager,
      self.action_manager,
      self.reward_manager,
      self.termination_manager,
      self.command_manager,
      self.event_manager,
      self.curriculum_manager,
    )
    return "\n".join([header, *map(str, managers)])

  @property
  def unwrapped(self) -> ManagerBasedRlEnv:
    return self

  def reset(self) -> dict[str, torch.Tensor]:
    """Reset every env; return the observations."""
    self._reset_idx(torch.arange(self.num_envs, device=self.device))
    self.obs_buf = self.observation_manager.compute()
    return self.obs_buf

  def step(
    self, action: torch.Tensor
  ) -> tuple[dict[str, torch.Tensor], torch.Tensor, torch.Tensor, torch.Tensor, dict]:
    """Advance every env by one control step.

    Args:
      action: (num_envs, action_dim) raw policy actions.

    Returns:
      observations {group: (num_envs, d)}, reward (num_envs,), terminated (num_envs,) bool,
      truncated (time-outs, num_envs,) bool, extras (with "log" for the envs that reset).
    """
    self.action_manager.process_action(action)
    self.action_manager.apply_action()
    self.sim.step(self.cfg.decimation)
    self.scene.update(self.step_dt)

    self.episode_length_buf += 1
    self.common_step_counter += 1
    dones = self.termination_manager.compute()
    reward = self.reward_manager.compute(self.step_dt)
    terminated = self.termination_manager.terminated.clone()
    truncated = self.termination_manager.time_outs.clone()

    self.extras["log"] = {}
    reset_ids = dones.nonzero().flatten()
    if len(reset_ids) > 0:
      self._reset_idx(reset_ids)

    self.command_manager.compute(self.step_dt)
    self.event_manager.apply("interval", dt=self.step_dt)
    self.obs_buf = self.observation_manager.compute()
    return self.obs_buf, reward.clone(), terminated, truncated, self.extras

  def _reset_idx(self, env_ids: torch.Tensor) -> None:
    self.curriculum_manager.compute(env_ids)
    self.scene.reset(env_ids)
    self.event_manager.apply("reset", env_ids)
    log: dict[str, float] = {}
    for manager in (
      self.reward_manager,
      self.curriculum_manager,
      self.command_manager,
      self.action_manager,
      self.observation_manager,
      self.event_manager,
      self.termination_manager,
    ):
      log.update(manager.reset(env_ids))
    self.extras["log"] = log
    self.episode_length_buf[env_ids] = 0

  def close(self) -> None:
    pass
