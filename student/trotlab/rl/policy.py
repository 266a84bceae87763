"""Load a trained policy from an rsl_rl checkpoint for deterministic inference."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import torch
import yaml
from tensordict import TensorDict

from trotlab.envs.manager_based_rl_env import ManagerBasedRlEnv
from trotlab.rl.runner_cfg import RslRlModelCfg, RslRlRunnerCfg
from trotlab.rl.vecenv_wrapper import RslRlVecEnvWrapper


def agent_cfg_for_checkpoint(checkpoint: Path, default: RslRlRunnerCfg) -> RslRlRunnerCfg:
  """The network settings the checkpoint was trained with (from its run's params/agent.yaml),
  falling back to ``default`` when the file is absent."""
  params = checkpoint.parent / "params" / "agent.yaml"
  if not params.is_file():
    return default
  saved = yaml.safe_load(params.read_text())

  def model(d: dict, fallback: RslRlModelCfg) -> RslRlModelCfg:
    return RslRlModelCfg(
      hidden_dims=tuple(d.get("hidden_dims", fallback.hidden_dims)),
      activation=d.get("activation", fallback.activation),
      obs_normalization=d.get("obs_normalization", fallback.obs_normalization),
      init_noise_std=d.get("init_noise_std", fallback.init_noise_std),
    )

  default.actor = model(saved.get("actor", {}), default.actor)
  default.critic = model(saved.get("critic", {}), default.critic)
  return default


def load_policy(
  checkpoint: Path, env: ManagerBasedRlEnv, agent: RslRlRunnerCfg, device: str = "cpu"
) -> Callable[[dict[str, torch.Tensor]], torch.Tensor]:
  """A deterministic policy (action mean): obs {group: (N, d)} -> actions (N, A)."""
  from rsl_rl.runners import OnPolicyRunner

  if not checkpoint.is_file():
    raise FileNotFoundError(f"No checkpoint at {checkpoint}")
  agent = agent_cfg_for_checkpoint(checkpoint, agent)
  runner = OnPolicyRunner(RslRlVecEnvWrapper(env), agent.to_rsl_rl(), log_dir=None, device=device)
  runner.load(str(checkpoint), map_location=device)
  model = runner.get_inference_policy(device=device)
  num_envs = env.num_envs

  def policy(obs: dict[str, torch.Tensor]) -> torch.Tensor:
    return model(TensorDict(obs, batch_size=[num_envs]).to(device)).to(env.device)

  return policy
