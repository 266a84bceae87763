"""Load a trained policy from an rsl_rl checkpoint for deterministic inference; export one."""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import torch
import yaml
from rsl_rl.runners import OnPolicyRunner
from tensordict import TensorDict

from trotlab.envs.manager_based_rl_env import ManagerBasedRlEnv
from trotlab.rl.runner import make_runner
from trotlab.rl.runner_cfg import RslRlModelCfg, RslRlRunnerCfg
from trotlab.rl.vecenv_wrapper import RslRlVecEnvWrapper


def agent_cfg_for_checkpoint(checkpoint: Path, default: RslRlRunnerCfg) -> RslRlRunnerCfg:
  """The network settings the checkpoint was trained with (from its run's params/agent.yaml:
  model classes, sizes, recurrent layers, the actor's observation group, a distilled student's
  teacher), falling back to ``default`` when the file is absent. Training-only extensions
  (mirror augmentation, RND) are off: inference needs neither."""
  params = checkpoint.parent / "params" / "agent.yaml"
  if params.is_file():
    saved = yaml.safe_load(params.read_text())
    default.actor = RslRlModelCfg.from_plain(saved.get("actor", {}), default.actor)
    default.critic = RslRlModelCfg.from_plain(saved.get("critic", {}), default.critic)
    default.actor_obs_group = saved.get("actor_obs_group", "actor")
    distillation = saved.get("distillation") or {}
    if distillation.get("teacher_checkpoint"):
      default.distillation.teacher_checkpoint = distillation["teacher_checkpoint"]
      default.distillation.student_noise_std = distillation["student_noise_std"]
      default.with_teacher(
        {"actor": distillation["teacher"], "actor_obs_group": distillation["teacher_obs_group"]}
      )
  default.algorithm.symmetry_function = None
  default.algorithm.rnd.enabled = False
  default.logger = "tensorboard"
  return default


class InferencePolicy:
  """A deterministic policy (the action mean): ``policy(obs)`` maps obs {group: (N, d)} to
  actions (N, A).

  A recurrent policy (``is_recurrent``) keeps one hidden state per env, (L, N, H) (and the cell
  state of an LSTM), from call to call: call ``reset(dones)`` after each env step with the envs
  whose episode ended, (N,) bool, so they start the next one from a zero state, and ``reset()``
  to zero all (before a fresh run). For an MLP both are no-ops."""

  def __init__(self, model: torch.nn.Module, num_envs: int, env_device: str, device: str) -> None:
    self.model = model
    self.num_envs = num_envs
    self.env_device = env_device
    self.device = device
    self.is_recurrent = bool(getattr(model, "is_recurrent", False))

  # Both run in inference mode: the hidden state is an inference tensor, which only code in
  # inference mode may change in place (rsl-rl's reset zeroes rows of it).
  @torch.inference_mode()
  def __call__(self, obs: dict[str, torch.Tensor]) -> torch.Tensor:
    return self.model(TensorDict(obs, batch_size=[self.num_envs]).to(self.device)).to(
      self.env_device
    )

  @torch.inference_mode()
  def reset(self, dones: torch.Tensor | None = None) -> None:
    if dones is None:
      self.model.reset()
    else:
      self.model.reset(dones.to(self.device).to(torch.long))


def reset_on_done(policy: Callable, terminated: torch.Tensor, truncated: torch.Tensor) -> None:
  """After an env step: zero the hidden state of the envs that were reset (any policy with a
  ``reset(dones)``, e.g. ``InferencePolicy``; nothing for the zero and random agents)."""
  reset = getattr(policy, "reset", None)
  if reset is not None:
    reset(terminated | truncated)


def load_policy(
  checkpoint: Path, env: ManagerBasedRlEnv, agent: RslRlRunnerCfg, device: str = "cpu"
) -> InferencePolicy:
  """A deterministic policy: obs {group: (N, d)} -> actions (N, A) (see ``InferencePolicy``)."""
  if not checkpoint.is_file():
    raise FileNotFoundError(f"No checkpoint at {checkpoint}")
  agent = agent_cfg_for_checkpoint(checkpoint, agent)
  runner = make_runner(RslRlVecEnvWrapper(env), agent.to_rsl_rl(), log_dir=None, device=device)
  # The policy's networks only: a checkpoint of an RND run also holds the RND networks, and a
  # distilled one the teacher, which inference does not need.
  load_cfg = {"student": True} if agent.distillation.enabled else {"actor": True, "critic": True}
  runner.load(str(checkpoint), load_cfg=load_cfg, map_location=device)
  model = runner.get_inference_policy(device=device)
  model.reset()
  return InferencePolicy(model, env.num_envs, env_device=str(env.device), device=device)


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


def export_policy(runner: OnPolicyRunner, run_dir: Path) -> tuple[Path, Path]:
  """Write the runner's policy (the actor, or a distilled student, with its observation
  normalizer) to run_dir/policy.onnx and run_dir/policy.pt (TorchScript). Returns both paths.

  MLP: both map obs (N, d_actor) -> actions (N, A). Recurrent (rsl-rl's contract): the
  TorchScript module keeps its hidden state, batch 1, as buffers: forward(obs (1, d)) -> actions
  (1, A), and ``reset()`` zeroes the state at an episode's start. The ONNX graph is stateless:
  inputs obs (1, d), h_in (L, 1, H) [and c_in (L, 1, H) for an LSTM], outputs actions (1, A),
  h_out [and c_out], fed back as h_in [c_in] at the next step, zeros at an episode's start."""
  # torch.onnx logs one "torchvision is not installed. Skipping torchvision::<op>" per vision op
  # it could register; the policy uses none of them (torchvision is no dependency of the kit).
  with (
    _drop_log_messages(
      "torch.onnx._internal.exporter._registration", "torchvision is not installed"
    ),
    warnings.catch_warnings(),
  ):
    # A recurrent actor: torch's exporter notes that nn.LSTM/GRU refresh their flat weight list
    # while traced; the weights are exported as initializers all the same.
    warnings.filterwarnings(
      "ignore", message=r"The tensor attributes self\.rnn\._flat_weights", category=UserWarning
    )
    runner.export_policy_to_onnx(str(run_dir), "policy.onnx")
  with warnings.catch_warnings():
    # rsl-rl's TorchScript export calls torch.jit.script, which recent torch releases deprecate
    # with a FutureWarning; the file it writes loads with torch.jit.load, all we promise.
    warnings.filterwarnings(
      "ignore", message=r"`torch\.jit\.script` is deprecated", category=FutureWarning
    )
    runner.export_policy_to_jit(str(run_dir), "policy.pt")
  return run_dir / "policy.onnx", run_dir / "policy.pt"
