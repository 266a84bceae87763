"""rsl-rl-lib runner configuration as dataclasses (turned into the dict the runner reads).

The choices beyond rsl-rl's defaults the kit exposes (see README.md, "Training options"):

- ``actor.class_name`` / ``critic.class_name``: "MLPModel" (default) or "RNNModel" (an LSTM or
  GRU in front of the MLP; ``rnn_type``, ``rnn_hidden_dim``, ``rnn_num_layers``).
- ``algorithm.rnd``: random network distillation (an intrinsic reward for novel states).
- ``logger``: "tensorboard" (default), "wandb" or "neptune" (rsl-rl's own writers; the last two
  are optional dependency groups: ``uv sync --group wandb`` / ``uv sync --group neptune``).
- ``actor_obs_group``: "critic" trains a privileged teacher (its actor sees what the critic sees).
- ``distillation.teacher_checkpoint``: distill a student (the ``actor`` model, on the actor
  group) from such a teacher with rsl-rl's Distillation and DistillationRunner.
"""

from __future__ import annotations

import dataclasses
import importlib.util
from typing import Annotated, Any, Literal

import tyro

ModelClass = Literal["MLPModel", "RNNModel"]
ObsGroup = Literal["actor", "critic"]
LoggerChoice = Literal["tensorboard", "wandb", "neptune"]

LOG_WRITERS = {
  "wandb": ("rsl_rl.utils.wandb_log_writer:WandbLogWriter", "wandb"),
  "neptune": ("rsl_rl.utils.neptune_log_writer:NeptuneLogWriter", "neptune"),
}
"""logger choice -> (rsl-rl's writer class, the Python package it imports)."""


@dataclasses.dataclass(kw_only=True)
class RslRlModelCfg:
  """An actor or critic network: rsl-rl's MLPModel, or RNNModel (a recurrent layer, then an MLP)."""

  class_name: ModelClass = "MLPModel"
  """MLPModel: obs (N, d) -> MLP. RNNModel: obs (N, d) -> LSTM/GRU -> (N, rnn_hidden_dim) ->
  MLP; its hidden state is carried from step to step and zeroed where an episode ends."""
  hidden_dims: tuple[int, ...] = (512, 256, 128)
  activation: str = "elu"
  obs_normalization: bool = True
  """Running mean/std normalization of the model's inputs."""
  init_noise_std: float | None = None
  """Initial action std (actor only; None for the critic)."""
  rnn_type: Literal["lstm", "gru"] = "lstm"
  """RNNModel only."""
  rnn_hidden_dim: int = 256
  """RNNModel only: the size H of the hidden state (and of the cell state of an LSTM)."""
  rnn_num_layers: int = 1
  """RNNModel only: stacked recurrent layers L; the hidden state is (L, N, H)."""

  @property
  def is_recurrent(self) -> bool:
    """Whether this is an RNNModel (whose hidden state carries from step to step)."""
    return self.class_name == "RNNModel"

  def to_rsl_rl(self) -> dict:
    """rsl-rl's model dict: class_name and the constructor's keyword arguments."""
    out: dict[str, Any] = {
      "class_name": self.class_name,
      "hidden_dims": list(self.hidden_dims),
      "activation": self.activation,
      "obs_normalization": self.obs_normalization,
    }
    if self.init_noise_std is not None:
      out["distribution_cfg"] = {
        "class_name": "GaussianDistribution",
        "init_std": self.init_noise_std,
      }
    if self.is_recurrent:
      out |= {
        "rnn_type": self.rnn_type,
        "rnn_hidden_dim": self.rnn_hidden_dim,
        "rnn_num_layers": self.rnn_num_layers,
      }
    return out

  @classmethod
  def from_plain(cls, saved: dict, fallback: RslRlModelCfg) -> RslRlModelCfg:
    """From a params/agent.yaml entry (missing keys: ``fallback``'s, for older runs)."""
    kwargs = {}
    for field in dataclasses.fields(cls):
      value = saved.get(field.name, getattr(fallback, field.name))
      kwargs[field.name] = tuple(value) if field.name == "hidden_dims" else value
    return cls(**kwargs)


@dataclasses.dataclass(kw_only=True)
class RslRlRndCfg:
  """Random network distillation (Burda et al. 2018): a predictor MLP learns to match a frozen
  random target MLP on the states of one observation group; its error (large on states seldom
  seen) is added to the reward as ``weight * step_dt * ||predictor(s) - target(s)||``."""

  enabled: bool = False
  weight: float = 1.0
  """Intrinsic reward weight (rsl-rl scales it by the env's step_dt, like the reward terms)."""
  obs_group: str = "critic"
  """The observation group (N, d) RND reads: "critic" (privileged, noise-free) or "actor"."""
  num_outputs: int = 16
  """Embedding size of predictor and target."""
  predictor_hidden_dims: tuple[int, ...] = (64, 64)
  target_hidden_dims: tuple[int, ...] = (64, 64)
  learning_rate: float = 1.0e-3
  state_normalization: bool = True
  reward_normalization: bool = False

  def to_rsl_rl(self) -> dict:
    """rsl-rl's rnd_cfg (without the observation group: that goes to obs_groups["rnd_state"])."""
    out = dataclasses.asdict(self)
    del out["enabled"], out["obs_group"]
    out["predictor_hidden_dims"] = list(self.predictor_hidden_dims)
    out["target_hidden_dims"] = list(self.target_hidden_dims)
    return out


@dataclasses.dataclass(kw_only=True)
class RslRlDistillationCfg:
  """Teacher-student distillation (rsl-rl's Distillation, DAgger-style): the student acts in the
  env and learns, by behavior cloning, the teacher's action mean on the states it visits. The
  student is the runner's ``actor`` model on the "actor" group (what a real robot senses); the
  teacher is a PPO policy, typically trained with ``actor_obs_group="critic"`` (privileged)."""

  teacher_checkpoint: str = ""
  """The teacher's PPO checkpoint (model_<it>.pt of its run folder); "" (default): PPO, no
  distillation."""
  # Not options: `train` fills both in from the teacher run's params/agent.yaml (with_teacher).
  teacher: Annotated[RslRlModelCfg | None, tyro.conf.Suppress] = None
  """The teacher's network."""
  teacher_obs_group: Annotated[ObsGroup, tyro.conf.Suppress] = "critic"
  """The observation group the teacher's actor read."""
  student_noise_std: float = 0.1
  """Action noise of the student while it collects (fixed: the loss trains the mean only)."""
  num_learning_epochs: int = 2
  gradient_length: int = 8
  """Time steps of the rollout per gradient step; divides num_steps_per_env (24) so that no
  step of a rollout goes unused."""
  learning_rate: float = 1.0e-3
  max_grad_norm: float = 1.0
  loss_type: Literal["mse", "huber"] = "mse"

  @property
  def enabled(self) -> bool:
    """Whether distillation is on: a teacher checkpoint is set."""
    return bool(self.teacher_checkpoint)

  def to_rsl_rl(self) -> dict:
    """rsl-rl's algorithm dict for Distillation."""
    return {
      "class_name": "Distillation",
      "num_learning_epochs": self.num_learning_epochs,
      "gradient_length": self.gradient_length,
      "learning_rate": self.learning_rate,
      "max_grad_norm": self.max_grad_norm,
      "loss_type": self.loss_type,
    }


@dataclasses.dataclass(kw_only=True)
class RslRlPpoCfg:
  """PPO's settings (rsl-rl's PPO algorithm dict), with symmetry augmentation and RND."""

  num_learning_epochs: int = 5
  num_mini_batches: int = 4
  learning_rate: float = 1.0e-3
  schedule: Literal["adaptive", "fixed"] = "adaptive"
  desired_kl: float = 0.01
  gamma: float = 0.99
  lam: float = 0.95
  entropy_coef: float = 0.01
  value_loss_coef: float = 1.0
  clip_param: float = 0.2
  max_grad_norm: float = 1.0
  use_clipped_value_loss: bool = True
  symmetry_function: str | None = None
  """"module:function" mirroring (observations, actions) for rsl-rl's symmetry augmentation
  (every mini-batch also holds the mirror image of each sample); None: no augmentation."""
  rnd: RslRlRndCfg = dataclasses.field(default_factory=RslRlRndCfg)
  """Random network distillation; off unless rnd.enabled."""


@dataclasses.dataclass(kw_only=True)
class RslRlRunnerCfg:
  """The runner: its rollout length, iterations, checkpoints and logging, the actor and critic, and
  the algorithm (PPO, or distillation when a teacher checkpoint is set)."""

  experiment_name: str
  """Logs go to logs/rsl_rl/{experiment_name}/{timestamp}[_{run_name}]/."""
  run_name: str = ""
  seed: int = 42
  max_iterations: int = 300
  num_steps_per_env: int = 24
  """Env steps per env per PPO iteration."""
  save_interval: int = 50
  actor: RslRlModelCfg = dataclasses.field(
    default_factory=lambda: RslRlModelCfg(init_noise_std=1.0)
  )
  critic: RslRlModelCfg = dataclasses.field(default_factory=RslRlModelCfg)
  actor_obs_group: ObsGroup = "actor"
  """The observation group the actor reads: "actor" (noisy proprioception, what a robot has) or
  "critic" (privileged and noise-free: a teacher for distillation)."""
  distillation: RslRlDistillationCfg = dataclasses.field(default_factory=RslRlDistillationCfg)
  """Off unless distillation.teacher_checkpoint is set; then ``algorithm`` and ``critic`` are
  unused."""
  algorithm: RslRlPpoCfg = dataclasses.field(default_factory=RslRlPpoCfg)
  clip_actions: float | None = None
  """Clip policy actions to [-x, x] before the env sees them (None: no clipping)."""
  init_checkpoint: str = ""
  """A runner checkpoint (a model_<it>.pt: actor, critic and optimizer) a new run starts from
  instead of fresh networks: its iterations and the env's curricula go on from the checkpoint's
  (``trotlab.rl.runner.resume_clock``); "": fresh networks, training from scratch. Ignored when
  resuming or distilling."""
  resume: bool = False
  """Continue from a checkpoint of an earlier run of this experiment."""
  load_run: str = ".*"
  """Regex of the run folder to resume from (the newest match)."""
  load_checkpoint: str = r"model_.*\.pt"
  """Regex of the checkpoint file in that run (the highest iteration)."""
  logger: LoggerChoice = "tensorboard"
  """tensorboard, or wandb / neptune (which also write the TensorBoard events; WANDB_MODE=offline
  or NEPTUNE_MODE=offline keep them on this machine)."""
  log_project: str = ""
  """W&B / Neptune project name (default: experiment_name)."""

  def validate(self) -> None:
    """Raise ValueError naming the option to change, for choices that cannot work together or a
    logger whose package is not installed; before any env is built."""
    recurrent = [m for m in ("actor", "critic") if getattr(self, m).is_recurrent]
    mirrored = self.algorithm.symmetry_function is not None and not self.distillation.enabled
    if recurrent and mirrored:
      raise ValueError(
        f"the {' and '.join(recurrent)} is recurrent (RNNModel), and rsl-rl's mirror "
        "augmentation works on single steps, not on hidden states: turn it off with "
        "--agent.algorithm.symmetry-function None"
      )
    if self.distillation.enabled and self.algorithm.rnd.enabled:
      raise ValueError(
        "rsl-rl's Distillation has no RND: drop --agent.algorithm.rnd.enabled when distilling"
      )
    if self.distillation.enabled and self.actor_obs_group != "actor":
      raise ValueError(
        "the distilled student reads the actor group (what a robot senses): drop "
        "--agent.actor-obs-group when --agent.distillation.teacher-checkpoint is set"
      )
    if self.logger in LOG_WRITERS:
      _, package = LOG_WRITERS[self.logger]
      if importlib.util.find_spec(package) is None:
        raise ValueError(
          f"--agent.logger {self.logger} needs the {package} package, an optional dependency: "
          f"install it with `uv sync --group {self.logger}` (or pip install {package})"
        )

  def to_rsl_rl(self) -> dict:
    """The dict rsl_rl's OnPolicyRunner (PPO) or DistillationRunner expects."""
    if self.distillation.enabled:
      return self._common_rsl_rl() | self._distillation_rsl_rl()
    ppo = {"class_name": "PPO", **dataclasses.asdict(self.algorithm)}
    symmetry = ppo.pop("symmetry_function")
    if symmetry is not None:
      ppo["symmetry_cfg"] = {"data_augmentation_func": symmetry, "use_data_augmentation": True}
    del ppo["rnd"]
    obs_groups = {"actor": [self.actor_obs_group], "critic": ["critic"]}
    if self.algorithm.rnd.enabled:
      ppo["rnd_cfg"] = self.algorithm.rnd.to_rsl_rl()
      obs_groups["rnd_state"] = [self.algorithm.rnd.obs_group]
    return self._common_rsl_rl() | {
      "obs_groups": obs_groups,
      "actor": self.actor.to_rsl_rl(),
      "critic": self.critic.to_rsl_rl(),
      "algorithm": ppo,
    }

  def _distillation_rsl_rl(self) -> dict:
    teacher = self.distillation.teacher
    if teacher is None:
      raise ValueError(
        "distillation.teacher is unset: fill it in from the teacher run's params/agent.yaml "
        "with with_teacher (train does)"
      )
    student = dataclasses.replace(self.actor, init_noise_std=self.distillation.student_noise_std)
    return {
      "obs_groups": {"student": ["actor"], "teacher": [self.distillation.teacher_obs_group]},
      "student": student.to_rsl_rl(),
      "teacher": teacher.to_rsl_rl(),
      "algorithm": self.distillation.to_rsl_rl(),
    }

  def _common_rsl_rl(self) -> dict:
    if self.logger in LOG_WRITERS:
      writer, _ = LOG_WRITERS[self.logger]
      logger = {"class_name": writer, "project_name": self.log_project or self.experiment_name}
    else:
      logger = self.logger
    return {
      "seed": self.seed,
      "num_steps_per_env": self.num_steps_per_env,
      "save_interval": self.save_interval,
      "logger": logger,
      "run_name": self.run_name,
      "experiment_name": self.experiment_name,
    }

  def with_teacher(self, teacher_agent: dict) -> None:
    """Fill in distillation.teacher and teacher_obs_group from the teacher run's saved agent
    config (its params/agent.yaml, as a dict)."""
    self.distillation.teacher = RslRlModelCfg.from_plain(teacher_agent.get("actor", {}), self.actor)
    self.distillation.teacher_obs_group = teacher_agent.get("actor_obs_group", "actor")
