"""The autograder's training run (untrusted side: it runs the submission's MDP).

  python -m trotlab.grading.train_child JOB_DIR

JOB_DIR/job.json gives the profile: task, seed, device, threads (CPU threads of torch and of
MuJoCo's pool), num_envs (null: the task default), overrides (``PATH=VALUE`` changes of the
task's env and agent configs), warm_start (the task's default start, ``agent_cfg(warm_start=)``:
the Go1 flat task on a CPU continues its standing start, curricula included; false: fresh
networks), iterations (the PPO iterations to train), time_limit_s (a wall-clock cap: training
stops there if it is reached first), chunk (iterations between progress lines), eval_num_envs and, for the
instructor's calibration runs only, eval_also_at (earlier iteration counts, multiples of chunk,
whose policies are evaluated too: out/trajectory_<N>.npz; the same runs as profiles of N
iterations, since training does not depend on where it stops). The child
trains with rsl-rl-lib's PPO on the submission in JOB_DIR/submission/ (on a CUDA device with
the warp backend, as `train --device cuda:0` does), then runs the tracking evaluation
(trotlab.evaluation) on the trained policy, always on the CPU backend, and writes
JOB_DIR/out/trajectory.npz: the physics state before every evaluation step (qpos, qvel,
qacc_warmstart: (S + 1, N, nq | nv), float64) and the actions (S, N, A). Also out/train.json
(iterations, wall-clock, the env's common_step_counter at the start and at the end) and the trained policy out/model.pt (calibration runs keep it).

Nothing here scores: the grader's training check (in the instructor's repository) re-runs every
step of the evaluation from the recorded state with the recorded action in its own simulation,
checks that each step lands on the next recorded state, and computes the metrics from its own
simulation.
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
  from trotlab.rl.runner import resume_clock
  from trotlab.rl.vecenv_wrapper import RslRlVecEnvWrapper
  from trotlab.sim.choice import configure_sim
  from trotlab.tasks import get_task
  from trotlab.tasks.velocity.mdp import load_mdp
  from trotlab.utils.overrides import apply_overrides

  job = json.loads((job_dir / "job.json").read_text())
  out_dir = job_dir / "out"
  out_dir.mkdir(exist_ok=True)
  mdp = load_mdp(str(job_dir / "submission"))
  device = job["device"]
  spec = get_task(job["task"])
  env_cfg = spec.env_cfg(play=False, device=device, mdp=mdp)
  configure_sim(env_cfg.sim, "auto", device)
  torch.set_num_threads(job["threads"])
  env_cfg.sim.nthread = job["threads"]
  if job.get("num_envs"):
    env_cfg.scene.num_envs = job["num_envs"]
  agent = spec.agent_cfg(device=device, warm_start=job["warm_start"])
  apply_overrides({"env": env_cfg, "agent": agent}, tuple(job.get("overrides", ())))
  agent.seed = env_cfg.seed = job["seed"]
  torch.manual_seed(job["seed"])
  env = ManagerBasedRlEnv(env_cfg, verbose=False)
  if agent.init_checkpoint:
    resume_clock(env, agent.init_checkpoint, agent.num_steps_per_env)
  start_step = env.common_step_counter
  runner = OnPolicyRunner(RslRlVecEnvWrapper(env), agent.to_rsl_rl(), log_dir=None, device=device)
  if agent.init_checkpoint:
    runner.load(agent.init_checkpoint, map_location=device)
  print(
    f"[training check] seed {job['seed']}, {env.num_envs} envs, {job['iterations']} iterations (time limit {job['time_limit_s']:.0f} s)",
    flush=True,
  )
  also_at = set(job.get("eval_also_at", []))
  start, iteration = time.perf_counter(), 0
  per_iteration = 0.0  # seconds per iteration of the slowest chunk so far
  while iteration < job["iterations"]:
    chunk = min(job["chunk"], job["iterations"] - iteration)
    # A chunk starts only if it should end within the time limit (a deadline-limited check
    # must leave its evaluation the time reserved for it); the first one always runs.
    if time.perf_counter() - start + per_iteration * chunk > job["time_limit_s"]:
      break
    chunk_start = time.perf_counter()
    runner.learn(chunk, init_at_random_ep_len=iteration == 0)
    per_iteration = max(per_iteration, (time.perf_counter() - chunk_start) / chunk)
    iteration += chunk
    if iteration in also_at:
      runner.save(str(out_dir / f"model_{iteration}.pt"))
    print(
      f"[training check] iteration {iteration}, {time.perf_counter() - start:.0f} s", flush=True
    )
  train_s = time.perf_counter() - start
  runner.save(str(out_dir / "model.pt"))  # for the instructor's calibration runs; never scored

  runner.alg.eval_mode()
  model = runner.alg.get_policy().to("cpu")  # training is over: the actor may move
  record_evaluation(
    model, spec, mdp, job["eval_num_envs"], out_dir / "trajectory.npz", job["threads"]
  )
  summary = {
    "iterations": iteration,
    "train_s": train_s,
    "start_step": start_step,
    "env_steps": env.common_step_counter,
  }
  (out_dir / "train.json").write_text(json.dumps(summary))
  for earlier in sorted(i for i in also_at if i < iteration):
    runner.load(str(out_dir / f"model_{earlier}.pt"), load_cfg={"actor": True})
    runner.alg.eval_mode()
    policy = runner.alg.get_policy().to("cpu")
    path = out_dir / f"trajectory_{earlier}.npz"
    record_evaluation(policy, spec, mdp, job["eval_num_envs"], path, job["threads"])


def record_evaluation(
  model, spec, mdp, eval_num_envs: int, path: Path, nthread: int | None = None
) -> None:
  """Run the tracking evaluation with ``model`` (a CPU policy: TensorDict of observations ->
  actions) in the play config of ``spec`` with the terms of ``mdp`` (an Mdp, load_mdp's value)
  and save the trajectory the grader re-plays (keys in the module docstring).
  ``nthread``: threads of the evaluation's MuJoCo pool (None: every core; the trajectory does
  not depend on it).

  The evaluation runs on the CPU backend whatever the training device: the grader re-plays it
  step by step in MuJoCo C, where a step from a given state is exactly reproducible."""
  from trotlab.envs.manager_based_rl_env import ManagerBasedRlEnv
  from trotlab.evaluation import TrackingEvalCfg, eval_env_cfg, run_tracking_eval
  from trotlab.sim.choice import configure_sim

  eval_cfg = TrackingEvalCfg(num_envs=eval_num_envs)
  play_cfg = spec.env_cfg(play=True, device="cpu", mdp=mdp)
  configure_sim(play_cfg.sim, "cpu", "cpu")
  play_cfg.sim.nthread = nthread
  eval_env = ManagerBasedRlEnv(eval_env_cfg(play_cfg, eval_cfg), verbose=False)
  states: list[dict[str, np.ndarray]] = []
  actions: list[np.ndarray] = []

  def record_state(step: int) -> None:
    states.append(eval_env.sim.physics_state())

  def policy(obs):
    action = model(TensorDict(obs, batch_size=[eval_env.num_envs]))
    actions.append(action.numpy().copy())
    return action

  run_tracking_eval(eval_env, policy, eval_cfg, progress=False, before_step=record_state)
  record_state(len(actions))
  trajectory = {key: np.stack([s[key] for s in states]) for key in states[0]}
  np.savez(path, actions=np.stack(actions), **trajectory)


if __name__ == "__main__":
  run_job(Path(sys.argv[1]))
