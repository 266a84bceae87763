"""uv run evaluate TASK --checkpoint-file PATH [--out DIR] [--mdp student|solutions|PATH]

Runs the tracking evaluation (trotlab.evaluation.tracking: 64 envs, scripted commands, per-phase
errors and falls) on a trained policy and writes metrics.json, tracking.npz and tracking.png.
Exit code 0 whether or not the policy passes; the verdict is printed and in metrics.json.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from trotlab.scripts.common import (
  cli,
  friendly_errors,
  main_argv,
  require_checkpoint,
  select_mdp,
  split_task_argv,
)
from trotlab.sim.choice import SimBackendChoice, configure_sim, resolve_device


@dataclasses.dataclass
class EvaluateCfg:
  checkpoint_file: Path
  """A model_{it}.pt written by train."""
  out: Path | None = None
  """Output folder; default: <run folder>/evaluation/<checkpoint name>/."""
  mdp: str = "student"
  """Where the observation terms come from: student, a folder with the five files, or
  solutions (the instructor's copy only)."""
  device: str = "cpu"
  sim_backend: SimBackendChoice = "auto"
  """auto: warp on a CUDA device, else cpu."""
  num_envs: int = 64


@friendly_errors
def main() -> None:
  task, argv = split_task_argv(main_argv(), "evaluate")
  from trotlab.envs.manager_based_rl_env import ManagerBasedRlEnv
  from trotlab.evaluation import (
    TrackingEvalCfg,
    eval_env_cfg,
    run_tracking_eval,
    save_tracking_outputs,
  )
  from trotlab.rl.policy import load_policy
  from trotlab.tasks import get_task

  cfg = cli(EvaluateCfg, argv, f"evaluate {task}")
  require_checkpoint(cfg.checkpoint_file)
  mdp = select_mdp(argv)
  device = resolve_device(cfg.device, cfg.sim_backend)
  spec = get_task(task)
  eval_cfg = TrackingEvalCfg(num_envs=cfg.num_envs)
  env_cfg = eval_env_cfg(spec.env_cfg(play=True, device=device, mdp=mdp), eval_cfg)
  configure_sim(env_cfg.sim, cfg.sim_backend, device)
  env = ManagerBasedRlEnv(env_cfg, verbose=False)
  try:
    policy = load_policy(cfg.checkpoint_file, env, spec.agent_cfg(device=device), device=device)
  except FileNotFoundError as err:
    raise SystemExit(f"error: {err}") from None
  if cfg.num_envs != TrackingEvalCfg().num_envs:
    print(
      f"[evaluate] {cfg.num_envs} robots: the grader evaluates {TrackingEvalCfg().num_envs} "
      "(the default), whose verdict can differ"
    )
  metrics = run_tracking_eval(env, policy, eval_cfg)
  out = cfg.out or cfg.checkpoint_file.parent / "evaluation" / cfg.checkpoint_file.stem
  paths = save_tracking_outputs(metrics, out, title=task)
  print(
    f"[evaluate] {'PASSED' if metrics['passed'] else 'FAILED'}; wrote {', '.join(str(p) for p in paths.values())}"
  )


if __name__ == "__main__":
  main()
