"""Reset benchmark: what resetting envs costs on the CPU backend.

Builds the task's training env (reference MDP, CPU backend) and times, medians over ``repeats``:
  reset          ``env._reset_idx(ids)``: curriculum, scene reset, the reset events
                 (reset_base, reset_joints), the managers' resets;
  reset + read   the same, then one read of sensor-derived data (a body position and the feet
                 contacts), as the observations after a reset do: any physics work a reset
                 defers until its results are read is counted here;
for two sets of ids: every env, and ``subset`` evenly spaced envs (about what one training
step resets). Physics state after the reset is the same whichever way the work is scheduled;
this only measures its cost.
"""

from __future__ import annotations

import dataclasses
import statistics
import time

import torch


@dataclasses.dataclass
class ResetBench:
  """Milliseconds per reset of all envs and of a subset, with and without a sensor read."""

  task: str = "Mjlab-Velocity-Flat-Unitree-Go1"
  num_envs: int = 1024
  subset: int = 64
  """Envs reset together in the subset case (evenly spaced ids)."""
  repeats: int = 9
  """Timed repeats per case; the median is printed."""
  nthread: int | None = None
  """Threads of the CPU backend; None uses every usable core."""
  torch_threads: int = 1
  """torch's intra-op threads. With more, on a machine busy with other work, the OpenMP barriers
  of the managers' small tensor ops (measured: ~280 ms per reset of 1024 envs with 2 threads on
  a loaded 2-core machine, 4 ms with 1) hide the physics this benchmark is about."""
  mdp: str = "solutions"


def _median_ms(run, repeats: int) -> float:
  run()  # warm up
  times = []
  for _ in range(repeats):
    start = time.perf_counter()
    run()
    times.append(1000 * (time.perf_counter() - start))
  return statistics.median(times)


def run_reset_bench(cfg: ResetBench) -> dict[str, float]:
  from trotlab.envs.manager_based_rl_env import ManagerBasedRlEnv
  from trotlab.sim.choice import configure_sim
  from trotlab.sim.config import usable_cores
  from trotlab.tasks import get_task
  from trotlab.tasks.velocity.mdp import load_mdp

  env_cfg = get_task(cfg.task).env_cfg(play=False, device="cpu", mdp=load_mdp(cfg.mdp))
  env_cfg.scene.num_envs = cfg.num_envs
  configure_sim(env_cfg.sim, "cpu", "cpu")
  env_cfg.sim.nthread = cfg.nthread
  env = ManagerBasedRlEnv(env_cfg, verbose=False)
  robot = env.scene["robot"]
  sensors = list(env.scene.sensors.values())
  print(
    f"[bench reset] {cfg.task}, {cfg.num_envs} envs, CPU backend, "
    f"{cfg.nthread or usable_cores()} threads, torch {cfg.torch_threads}; "
    f"median of {cfg.repeats} (ms)"
  )

  def read() -> None:
    # The first read of sensor data after the reset, as an observation term makes it.
    _ = robot.data.body_link_pos_w[:, 0].sum() + sum(s.data.found.sum() for s in sensors)

  all_ids = torch.arange(cfg.num_envs)
  step = max(cfg.num_envs // max(cfg.subset, 1), 1)
  subset_ids = all_ids[::step][: cfg.subset]
  results = {}
  torch_threads = torch.get_num_threads()
  torch.set_num_threads(cfg.torch_threads)
  try:
    with torch.inference_mode():
      for label, ids in (("all", all_ids), (f"{len(subset_ids)}", subset_ids)):
        reset = _median_ms(lambda ids=ids: env._reset_idx(ids), cfg.repeats)
        reset_read = _median_ms(lambda ids=ids: (env._reset_idx(ids), read()), cfg.repeats)
        results[f"reset_{label}_ms"] = reset
        results[f"reset_read_{label}_ms"] = reset_read
        print(f"reset {label:>5} envs: {reset:8.2f} ms   reset + read: {reset_read:8.2f} ms")
  finally:
    torch.set_num_threads(torch_threads)  # a caller's setting, e.g. a test process's
  return results
