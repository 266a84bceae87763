"""Env-steps/s of the rough task beside the flat one, and the height scan's share (issue 19).

  uv run python -m bench terrain [--num-envs 1024] [--steps 200]

Both tasks' training envs (reference MDP, CPU backend) are stepped in the same run by the same
walking policy (the reference's, autograder/hidden/reference_policy.pt: the rough task's policy
sees what the flat one's does), so that contacts and resets look like training. Steps are timed
in chunks of ``chunk``; medians are printed, with the rough task's rate as a fraction of the
flat one's and the time of one height scan (all envs; the critic reads one per env step).
"""

from __future__ import annotations

import dataclasses
import statistics
import time
from pathlib import Path

import torch

FLAT = "Mjlab-Velocity-Flat-Unitree-Go1"
ROUGH = "Mjlab-Velocity-Rough-Unitree-Go1"


@dataclasses.dataclass
class TerrainBench:
  num_envs: int = 1024
  steps: int = 200
  """Timed env steps per task (after ``warmup``)."""
  warmup: int = 20
  chunk: int = 20
  """Env steps per timed chunk."""
  threads: int | None = None
  """CPU threads of torch and of MuJoCo's pool (None: every core)."""
  policy: Path = Path("autograder/hidden/reference_policy.pt")


def _make_env(task: str, num_envs: int, threads: int | None):
  from trotlab.envs.manager_based_rl_env import ManagerBasedRlEnv
  from trotlab.sim.choice import configure_sim
  from trotlab.tasks import get_task
  from trotlab.tasks.velocity.mdp import load_mdp

  spec = get_task(task)
  env_cfg = spec.env_cfg(play=False, device="cpu", mdp=load_mdp("solutions"))
  env_cfg.scene.num_envs = num_envs
  configure_sim(env_cfg.sim, "cpu", "cpu")
  env_cfg.sim.nthread = threads
  return ManagerBasedRlEnv(env_cfg, verbose=False), spec


def _time_steps(env, policy, cfg: TerrainBench) -> list[float]:
  obs = env.obs_buf
  chunks = []
  with torch.inference_mode():
    for k in range(cfg.warmup + cfg.steps):
      if k >= cfg.warmup and (k - cfg.warmup) % cfg.chunk == 0:
        start = time.perf_counter()
      obs, *_ = env.step(policy(obs))
      if k >= cfg.warmup and (k - cfg.warmup) % cfg.chunk == cfg.chunk - 1:
        chunks.append(time.perf_counter() - start)
  return chunks


def run_terrain_bench(cfg: TerrainBench) -> dict[str, float]:
  from trotlab.rl.policy import load_policy

  if cfg.threads is not None:
    torch.set_num_threads(cfg.threads)
  rates, scan_ms = {}, None
  policy = None
  for task in (FLAT, ROUGH):
    env, spec = _make_env(task, cfg.num_envs, cfg.threads)
    if policy is None:  # the flat env's runner fits the checkpoint's actor and critic
      policy = load_policy(cfg.policy, env, spec.agent_cfg(device="cpu"))
    chunks = _time_steps(env, policy, cfg)
    rates[task] = cfg.num_envs * cfg.chunk / statistics.median(chunks)
    if task == ROUGH:
      scan = env.scene["height_scan"]
      times = []
      for _ in range(20):
        start = time.perf_counter()
        scan._scan()
        times.append(time.perf_counter() - start)
      scan_ms = 1000 * statistics.median(times)
      levels = env.scene.terrain.levels.float().mean().item()
    env.close()
  step_ms = 1000 * cfg.num_envs / rates[ROUGH]
  print(
    f"[bench terrain] {cfg.num_envs} envs, threads {cfg.threads or 'all'}, medians of "
    f"{cfg.steps // cfg.chunk} chunks of {cfg.chunk} steps (reference policy)"
  )
  print("| task | env-steps/s | vs flat | height scan ms / env step |")
  print("| --- | ---: | ---: | ---: |")
  print(f"| {FLAT} | {rates[FLAT]:,.0f} | 1.00 | |")
  print(
    f"| {ROUGH} | {rates[ROUGH]:,.0f} | {rates[ROUGH] / rates[FLAT]:.2f} | "
    f"{scan_ms:.2f} ({scan_ms / step_ms:.0%} of its step) |"
  )
  print(f"mean terrain level at the end: {levels:.2f}")
  return {"flat": rates[FLAT], "rough": rates[ROUGH], "scan_ms": scan_ms}
