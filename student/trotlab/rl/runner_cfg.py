"""rsl-rl-lib runner configuration as dataclasses (turned into the dict the runner reads)."""

from __future__ import annotations

import dataclasses
from typing import Literal


@dataclasses.dataclass(kw_only=True)
class RslRlModelCfg:
  hidden_dims: tuple[int, ...] = (512, 256, 128)
  activation: str = "elu"
  obs_normalization: bool = True
  """Running mean/std normalization of the model's inputs."""
  init_noise_std: float | None = None
  """Initial action std (actor only; None for the critic)."""


@dataclasses.dataclass(kw_only=True)
class RslRlPpoCfg:
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


@dataclasses.dataclass(kw_only=True)
class RslRlRunnerCfg:
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
  algorithm: RslRlPpoCfg = dataclasses.field(default_factory=RslRlPpoCfg)
  clip_actions: float | None = None
  """Clip policy actions to [-x, x] before the env sees them (None: no clipping)."""
  resume: bool = False
  """Continue from a checkpoint of an earlier run of this experiment."""
  load_run: str = ".*"
  """Regex of the run folder to resume from (the newest match)."""
  load_checkpoint: str = r"model_.*\.pt"
  """Regex of the checkpoint file in that run (the highest iteration)."""
  logger: Literal["tensorboard"] = "tensorboard"

  def to_rsl_rl(self) -> dict:
    """The dict rsl_rl's OnPolicyRunner expects."""

    def model(cfg: RslRlModelCfg) -> dict:
      out = {
        "class_name": "MLPModel",
        "hidden_dims": list(cfg.hidden_dims),
        "activation": cfg.activation,
        "obs_normalization": cfg.obs_normalization,
      }
      if cfg.init_noise_std is not None:
        out["distribution_cfg"] = {
          "class_name": "GaussianDistribution",
          "init_std": cfg.init_noise_std,
        }
      return out

    ppo = {"class_name": "PPO", **dataclasses.asdict(self.algorithm)}
    symmetry = ppo.pop("symmetry_function")
    if symmetry is not None:
      ppo["symmetry_cfg"] = {"data_augmentation_func": symmetry, "use_data_augmentation": True}
    return {
      "seed": self.seed,
      "num_steps_per_env": self.num_steps_per_env,
      "save_interval": self.save_interval,
      "obs_groups": {"actor": ["actor"], "critic": ["critic"]},
      "actor": model(self.actor),
      "critic": model(self.critic),
      "algorithm": ppo,
      "logger": self.logger,
      "run_name": self.run_name,
      "experiment_name": self.experiment_name,
    }
