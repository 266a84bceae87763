"""The autograder's training run (untrusted side: it runs the submission's MDP).

  python -m trotlab.checks.train_child JOB_DIR

JOB_DIR/job.json gives the profile: task, seed, device, num_envs (null: the task default),
budget_s (training wall-clock), max_iterations, chunk (iterations between progress lines) and
eval_num_envs. The child trains with rsl-rl-lib's PPO on the submission in JOB_DIR/submission/,
then runs the tracking evaluation (trotlab.evaluation) on the trained policy and writes its
per-step traces to JOB_DIR/out/traces.npz (time, phase, command, lin_vel_b, ang_vel_z, fallen) and
JOB_DIR/out/train.json (iterations, wall-clock) and the trained policy JOB_DIR/out/model.pt. The grader computes the metrics and the score
from the traces; nothing here scores.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
from tensordict import TensorDict


def run_job(job_dir: Path) -> None:
  from rsl_rl.runners import OnPolicyRunner

  from trotlab.envs.manager_based_rl_env import ManagerBasedRlEnv
  from trotlab.evaluation import TrackingEvalCfg, eval_env_cfg, run_tracking_eval
  from trotlab.rl.vecenv_wrapper import RslRlVecEnvWrapper
  from trotlab.tasks import get_task
  from trotlab.tasks.velocity.mdp import use_mdp

  job = json.loads((job_dir / "job.json").read_text())
  out_dir = job_dir / "out"
  out_dir.mkdir(exist_ok=True)
  use_mdp(str(job_dir / "submission"))
  device = job["device"]
  spec = get_task(job["task"])
  env_cfg = spec.env_cfg(play=False, device=device)
  if job.get("num_envs"):
    env_cfg.scene.num_envs = job["num_envs"]
  agent = spec.agent_cfg(device=device)
  agent.seed = env_cfg.seed = job["seed"]
  torch.manual_seed(job["seed"])
  env = ManagerBasedRlEnv(env_cfg, verbose=False)
  runner = OnPolicyRunner(RslRlVecEnvWrapper(env), agent.to_rsl_rl(), log_dir=None, device=device)
  print(f"[training check] seed {job['seed']}, {env.num_envs} envs, budget {job['budget_s']:.0f} s", flush=True)  # fmt: skip
  start, iteration = time.perf_counter(), 0
  while time.perf_counter() - start < job["budget_s"] and iteration < job["max_iterations"]:
    chunk = min(job["chunk"], job["max_iterations"] - iteration)
    runner.learn(chunk, init_at_random_ep_len=iteration == 0)
    iteration += chunk
    print(f"[training check] iteration {iteration}, {time.perf_counter() - start:.0f} s", flush=True)  # fmt: skip
  train_s = time.perf_counter() - start
  runner.save(str(out_dir / "model.pt"))  # for the instructor's calibration runs; never scored

  eval_cfg = TrackingEvalCfg(num_envs=job["eval_num_envs"])
  eval_env = ManagerBasedRlEnv(eval_env_cfg(spec.env_cfg(play=True, device=device), eval_cfg), verbose=False)  # fmt: skip
  runner.alg.eval_mode()
  model = runner.alg.get_policy()

  def policy(obs):
    return model(TensorDict(obs, batch_size=[eval_env.num_envs]).to(device)).to(eval_env.device)

  metrics = run_tracking_eval(eval_env, policy, eval_cfg, progress=False)
  np.savez(out_dir / "traces.npz", **metrics["_traces"])
  (out_dir / "train.json").write_text(json.dumps({"iterations": iteration, "train_s": train_s, "step_dt": eval_env.step_dt}))  # fmt: skip


if __name__ == "__main__":
  run_job(Path(sys.argv[1]))
