"""PPO settings for the Go1 velocity task: a CPU default tuned for 2 cores, and the mjlab-standard
GPU setting (512-256-128 networks, with 4096 envs from env_cfgs.py)."""

from __future__ import annotations

from trotlab.rl.runner_cfg import RslRlModelCfg, RslRlPpoCfg, RslRlRunnerCfg
from trotlab.tasks.velocity.config.go1.symmetry import MIRROR_FUNCTION


def unitree_go1_ppo_runner_cfg(device: str = "cpu") -> RslRlRunnerCfg:
  on_gpu = device.startswith("cuda")
  hidden = (512, 256, 128) if on_gpu else (256, 128, 64)
  return RslRlRunnerCfg(
    experiment_name="go1_velocity",
    max_iterations=1000 if on_gpu else 300,
    actor=RslRlModelCfg(hidden_dims=hidden, init_noise_std=0.7),
    critic=RslRlModelCfg(hidden_dims=hidden),
    # CPU: left-right mirror augmentation. Without it 2 of 6 seeds failed at 300 CPU iterations
    # (one froze on pure turns); with it seeds 1-10 all passed (configurations I and M of the
    # calibration: the instructor repository's docs/grading.md).
    # It costs ~1.7x per iteration there. The GPU setting stays mjlab's (no augmentation).
    algorithm=RslRlPpoCfg(
      num_learning_epochs=5,
      num_mini_batches=4,
      learning_rate=1.0e-3,
      symmetry_function=None if on_gpu else MIRROR_FUNCTION,
    ),
  )


def unitree_go1_rough_ppo_runner_cfg(device: str = "cpu") -> RslRlRunnerCfg:
  """The flat task's PPO settings, logged under their own experiment name (a rough run's
  checkpoints need the rough task's observations)."""
  cfg = unitree_go1_ppo_runner_cfg(device)
  cfg.experiment_name = "go1_velocity_rough"
  return cfg
