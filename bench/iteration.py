"""Cost of one PPO iteration: collection (simulation, managers, policy inference) and update.

  uv run python -m bench iteration --settings "" "agent.algorithm.num_learning_epochs=3"

Each setting is the task's CPU default changed by space-separated ``PATH=VALUE`` items (the
syntax of ``bench train --set``; "" is the default itself). For each, in the order given, a fresh
env and runner (reference MDP) train ``iterations`` PPO iterations; the first is dropped (start-up)
and the median collection and update times of the rest are printed, with the ratio of each
setting's total to the first one's, measured in the same run.
"""

from __future__ import annotations

import dataclasses
import functools
import statistics
import time

import torch


@dataclasses.dataclass
class IterationBench:
  task: str = "Mjlab-Velocity-Flat-Unitree-Go1"
  settings: tuple[str, ...] = ("",)
  """Space-separated PATH=VALUE changes per setting ("" is the task's default)."""
  iterations: int = 6
  """PPO iterations per setting; the first is not counted."""
  threads: int | None = None
  """CPU threads of torch and of MuJoCo's pool (None: every core)."""
  seed: int = 1


def _record(times: list, collect_time: float, learn_time: float, **_) -> None:
  times.append((collect_time, learn_time))


def run_iteration_bench(cfg: IterationBench) -> list[dict]:
  from trotlab.envs.manager_based_rl_env import ManagerBasedRlEnv
  from trotlab.rl.runner import Runner
  from trotlab.rl.vecenv_wrapper import RslRlVecEnvWrapper
  from trotlab.sim.choice import configure_sim
  from trotlab.tasks import get_task
  from trotlab.tasks.velocity.mdp import load_mdp
  from trotlab.utils.overrides import apply_overrides

  mdp = load_mdp("solutions")
  spec = get_task(cfg.task)
  if cfg.threads is not None:
    torch.set_num_threads(cfg.threads)
  results = []
  for setting in cfg.settings:
    env_cfg = spec.env_cfg(play=False, device="cpu", mdp=mdp)
    # From scratch (configuration M, the figures of docs/benchmarks.md); the warm start's
    # 3 epochs: agent.algorithm.num_learning_epochs=3 in a setting.
    agent = spec.agent_cfg(device="cpu", warm_start=False)
    apply_overrides({"env": env_cfg, "agent": agent}, tuple(setting.split()))
    configure_sim(env_cfg.sim, "cpu", "cpu")
    env_cfg.sim.nthread = cfg.threads
    agent.seed = env_cfg.seed = cfg.seed
    torch.manual_seed(cfg.seed)
    env = ManagerBasedRlEnv(env_cfg, verbose=False)
    runner = Runner(RslRlVecEnvWrapper(env), agent.to_rsl_rl(), log_dir=None)
    times: list[tuple[float, float]] = []
    # rsl-rl hands each iteration's timings to its logger
    runner.logger.log = functools.partial(_record, times)
    start = time.perf_counter()
    runner.learn(cfg.iterations, init_at_random_ep_len=True)
    wall = time.perf_counter() - start
    env.close()
    collect = statistics.median(c for c, _ in times[1:])
    update = statistics.median(u for _, u in times[1:])
    results.append(
      {
        "setting": setting or "(task default)",
        "collect_s": collect,
        "update_s": update,
        "wall_s": wall,
      }
    )
  base = results[0]["collect_s"] + results[0]["update_s"]
  print(
    f"[bench iteration] {cfg.task}, medians of {cfg.iterations - 1} iterations, threads {cfg.threads or 'all'}"
  )
  print("| setting | collection s | update s | total s/iteration | vs first |")
  print("| --- | ---: | ---: | ---: | ---: |")
  for r in results:
    total = r["collect_s"] + r["update_s"]
    print(
      f"| {r['setting']} | {r['collect_s']:.2f} | {r['update_s']:.2f} | {total:.2f} | {total / base:.2f} |"
    )
  return results
