"""Load a trained policy from an rsl_rl checkpoint for deterministic inference; export one."""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import torch
import yaml
from tensordict import TensorDict

from trotlab.envs.manager_based_rl_env import ManagerBasedRlEnv
from trotlab.rl.runner import Runner
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
  if not checkpoint.is_file():
    raise FileNotFoundError(f"No checkpoint at {checkpoint}")
  agent = agent_cfg_for_checkpoint(checkpoint, agent)
  runner = Runner(RslRlVecEnvWrapper(env), agent.to_rsl_rl(), log_dir=None, device=device)
  runner.load(str(checkpoint), map_location=device)
  model = runner.get_inference_policy(device=device)
  num_envs = env.num_envs

  def policy(obs: dict[str, torch.Tensor]) -> torch.Tensor:
    return model(TensorDict(obs, batch_size=[num_envs]).to(device)).to(env.device)

  return policy


@contextlib.contextmanager
def _drop_log_messages(logger_name: str, prefix: str) -> Iterator[None]:
  """Drop one logger's records whose message starts with ``prefix``, for the block only."""
  logger = logging.getLogger(logger_name)

  def keep(record: logging.LogRecord) -> bool:
    return not record.getMessage().startswith(prefix)

  logger.addFilter(keep)
  try:
    yield
  finally:
    logger.removeFilter(keep)


def export_policy(runner: Runner, run_dir: Path) -> tuple[Path, Path]:
  """Write the runner's actor (with its observation normalizer) to run_dir/policy.onnx and
  run_dir/policy.pt (TorchScript): obs (N, d_actor) -> actions (N, A). Returns both paths."""
  # torch.onnx logs one "torchvision is not installed. Skipping torchvision::<op>" per vision op
  # it could register; the policy uses none of them (torchvision is no dependency of the kit).
  with _drop_log_messages(
    "torch.onnx._internal.exporter._registration", "torchvision is not installed"
  ):
    runner.export_policy_to_onnx(str(run_dir), "policy.onnx")
  with warnings.catch_warnings():
    # rsl-rl's TorchScript export calls torch.jit.script, which recent torch releases deprecate
    # with a FutureWarning; the file it writes loads with torch.jit.load, all we promise.
    warnings.filterwarnings(
      "ignore", message=r"`torch\.jit\.script` is deprecated", category=FutureWarning
    )
    runner.export_policy_to_jit(str(run_dir), "policy.pt")
  return run_dir / "policy.onnx", run_dir / "policy.pt"
