"""GPU benchmarks (issue 7): env-steps/s of the full task on the warp backend, and mjlab beside it.

``gpu``: for each env count, builds the training env of the task (reference MDP, warp backend on
``device``), drives it with uniform random actions in [-1, 1] (the same distribution the mjlab
script below uses) and times ``steps`` env steps after ``warmup`` (CUDA graph capture and kernel
compilation happen there). Reported per env count, medians over ``repeats``:
  full task     ManagerBasedRlEnv.step: actions, 4 physics substeps, sensors, terminations,
                rewards, resets of done envs, commands, events, observations;
  physics only  Simulation.step(decimation) on the same env, PD targets held (the floor).
Every timing is bracketed by torch.cuda.synchronize(), so GPU work is fully counted.

``mjlab``: sets up mjlab in its own virtual env (``uv venv`` + ``uv pip install mjlab``; mjlab is
not a trotlab dependency), measures its env-steps/s on ``Mjlab-Velocity-Flat-Unitree-Go1`` the
same way, and, with ``train_seconds`` > 0, trains that task with mjlab's own ``train`` CLI for
that wall-clock. Scoring mjlab's policy with our tracking evaluation is NOT automated: mjlab's Go1
(MJCF, PD gains, action scale, observation layout) differs from ours, so its policy cannot run in
our env; the protocol would have to be re-implemented on mjlab's env (how far that went: the
instructor repository's docs/benchmarks.md).

No figure in the instructor repository's docs/benchmarks.md comes from these until someone runs
them on a GPU.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import json
import os
import statistics
import subprocess
import tempfile
import textwrap
import time
from pathlib import Path

import torch


@dataclasses.dataclass
class GpuBench:
  """Env-steps/s of the full task (and physics only) on the warp backend."""

  task: str = "Mjlab-Velocity-Flat-Unitree-Go1"
  num_envs: tuple[int, ...] = (1024, 4096, 8192)
  device: str = "cuda:0"
  """cuda:N; cpu runs MuJoCo Warp on the CPU (a smoke test of this script, not a benchmark)."""
  mdp: str = "solutions"
  warmup: int = 20
  steps: int = 200
  """Env steps per timed repeat."""
  repeats: int = 3
  out: Path | None = None
  """Optional JSON file for the results."""


def _sync(device: torch.device) -> None:
  if device.type == "cuda":
    torch.cuda.synchronize(device)


def _time_env(env, cfg: GpuBench) -> tuple[float, float]:
  """Median env-steps/s of (full env step, physics only) over cfg.repeats timed runs."""
  device = torch.device(env.device)
  num_envs, decimation = env.num_envs, env.cfg.decimation
  gen = torch.Generator(device=device).manual_seed(0)
  action_dim = env.action_manager.total_action_dim

  def full_steps(n: int) -> None:
    for _ in range(n):
      env.step(2 * torch.rand(num_envs, action_dim, device=device, generator=gen) - 1)

  def physics_steps(n: int) -> None:
    for _ in range(n):
      env.sim.step(decimation)

  timings: dict[str, list[float]] = {"full_task": [], "physics_only": []}
  with torch.inference_mode():
    full_steps(cfg.warmup)
    physics_steps(cfg.warmup)
    for _ in range(cfg.repeats):
      for name, run in (("full_task", full_steps), ("physics_only", physics_steps)):
        _sync(device)
        start = time.perf_counter()
        run(cfg.steps)
        _sync(device)
        timings[name].append(num_envs * cfg.steps / (time.perf_counter() - start))
  return statistics.median(timings["full_task"]), statistics.median(timings["physics_only"])


def run_gpu_bench(cfg: GpuBench) -> dict[int, dict[str, float]]:
  from trotlab.envs.manager_based_rl_env import ManagerBasedRlEnv
  from trotlab.sim.choice import configure_sim
  from trotlab.tasks import get_task
  from trotlab.tasks.velocity.mdp import load_mdp

  mdp = load_mdp(cfg.mdp)
  spec = get_task(cfg.task)
  results: dict[int, dict[str, float]] = {}
  device_name = torch.cuda.get_device_name(cfg.device) if cfg.device.startswith("cuda") else "cpu"
  print(f"[bench gpu] {cfg.task}, warp backend on {cfg.device} ({device_name})")
  for num_envs in cfg.num_envs:
    env_cfg = spec.env_cfg(play=False, device=cfg.device, mdp=mdp)
    env_cfg.scene.num_envs = num_envs
    configure_sim(env_cfg.sim, "warp", cfg.device)
    env = ManagerBasedRlEnv(env_cfg, verbose=False)
    full, physics = _time_env(env, cfg)
    results[num_envs] = {"full_task": full, "physics_only": physics, "ratio": full / physics}
    print(
      f"{num_envs:6d} envs: full task {full:>12,.0f} env-steps/s   "
      f"physics only {physics:>12,.0f}   ratio {full / physics:.2f}"
    )
    del env  # free its GPU memory (Warp's arrays go with the last reference) before the next size
    gc.collect()
    if cfg.device.startswith("cuda"):
      torch.cuda.empty_cache()
  if cfg.out is not None:
    cfg.out.parent.mkdir(parents=True, exist_ok=True)
    payload = {"task": cfg.task, "device": device_name, "results": results}
    cfg.out.write_text(json.dumps(payload, indent=1))
    print(f"[bench gpu] wrote {cfg.out}")
  return results


@dataclasses.dataclass
class MjlabBench:
  """mjlab's Go1 flat velocity task in a separate virtual env: env-steps/s, then training."""

  venv: Path = dataclasses.field(default_factory=lambda: Path.home() / ".cache/trotlab/mjlab-venv")
  """Created with ``uv venv`` when missing (needs the package registry); outside the repository."""
  mjlab_spec: str = "mjlab"
  """What ``uv pip install`` gets, e.g. mjlab==1.2.0 to pin the version you compare with."""
  task: str = "Mjlab-Velocity-Flat-Unitree-Go1"
  num_envs: tuple[int, ...] = (1024, 4096, 8192)
  device: str = "cuda:0"
  warmup: int = 20
  steps: int = 200
  repeats: int = 3
  train_seconds: float = 0.0
  """> 0: then train with mjlab's ``train`` CLI (4096 envs, its defaults) for this wall-clock."""
  train_args: tuple[str, ...] = ("--env.scene.num-envs", "4096", "--agent.max-iterations", "100000")
  log_root: Path = Path("logs/mjlab")


# Runs inside mjlab's virtual env. Kept to mjlab's public entry points (the ones its train CLI
# uses); if mjlab renames them, this is the place to follow.
_MJLAB_THROUGHPUT = textwrap.dedent(
  """
  import json, statistics, sys, time
  import torch
  import mjlab.tasks  # noqa: F401  (fills the task registry)
  from mjlab.envs import ManagerBasedRlEnv
  from mjlab.tasks.registry import load_env_cfg

  task, device, warmup, steps, repeats = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:6])
  results = {}
  for num_envs in map(int, sys.argv[6:]):
    cfg = load_env_cfg(task)
    cfg.scene.num_envs = num_envs
    env = ManagerBasedRlEnv(cfg=cfg, device=device)
    env.reset()
    gen = torch.Generator(device=device).manual_seed(0)
    dim = env.action_manager.total_action_dim
    def run(n):
      for _ in range(n):
        env.step(2 * torch.rand(num_envs, dim, device=device, generator=gen) - 1)
    rates = []
    with torch.inference_mode():
      run(warmup)
      for _ in range(repeats):
        torch.cuda.synchronize()
        start = time.perf_counter()
        run(steps)
        torch.cuda.synchronize()
        rates.append(num_envs * steps / (time.perf_counter() - start))
    results[num_envs] = statistics.median(rates)
    print(f"mjlab {num_envs:6d} envs: full task {results[num_envs]:>12,.0f} env-steps/s", flush=True)
    env.close()
    del env
    torch.cuda.empty_cache()
  print("RESULTS " + json.dumps(results))
  """
)


def _venv_python(venv: Path) -> Path:
  return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def run_mjlab_bench(cfg: MjlabBench) -> dict:
  python = _venv_python(cfg.venv)
  if not python.exists():
    print(f"[bench mjlab] creating {cfg.venv} and installing {cfg.mjlab_spec}", flush=True)
    subprocess.run(["uv", "venv", str(cfg.venv), "--python", "3.11"], check=True)
    subprocess.run(["uv", "pip", "install", "--python", str(python), cfg.mjlab_spec], check=True)
  version = subprocess.run(
    [str(python), "-c", "import importlib.metadata as m; print(m.version('mjlab'))"],
    check=True,
    capture_output=True,
    text=True,
  ).stdout.strip()
  print(f"[bench mjlab] mjlab {version}, {cfg.task} on {cfg.device}", flush=True)
  args = [cfg.task, cfg.device, cfg.warmup, cfg.steps, cfg.repeats, *cfg.num_envs]
  with tempfile.TemporaryDirectory() as tmp:
    script = Path(tmp) / "mjlab_throughput.py"
    script.write_text(_MJLAB_THROUGHPUT)
    # stderr is not captured: mjlab's own errors reach the terminal
    proc = subprocess.run(
      [str(python), str(script), *map(str, args)], stdout=subprocess.PIPE, text=True
    )
  print(proc.stdout, end="")
  if proc.returncode != 0:
    raise SystemExit(
      f"[bench mjlab] the mjlab throughput script failed (exit {proc.returncode}); its errors are above"
    )
  line = next(row for row in proc.stdout.splitlines() if row.startswith("RESULTS "))
  result: dict = {"mjlab_version": version, "env_steps_per_s": json.loads(line[8:])}
  if cfg.train_seconds > 0:
    train = Path(python).with_name("train")
    command = [str(train), cfg.task, *cfg.train_args, "--log-root", str(cfg.log_root)]
    print(f"[bench mjlab] training for {cfg.train_seconds:g} s: {' '.join(command)}", flush=True)
    start = time.perf_counter()
    # mjlab saves checkpoints every agent.save_interval iterations; we stop it at the budget.
    with contextlib.suppress(subprocess.TimeoutExpired):
      subprocess.run(command, timeout=cfg.train_seconds, check=False)
    result["train_wall_clock_s"] = round(time.perf_counter() - start, 1)
    checkpoints = sorted(cfg.log_root.rglob("model_*.pt"), key=lambda p: p.stat().st_mtime)
    result["last_checkpoint"] = str(checkpoints[-1]) if checkpoints else None
    print(f"[bench mjlab] last checkpoint: {result['last_checkpoint']}")
  return result
