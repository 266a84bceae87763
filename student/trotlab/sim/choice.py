"""Where the physics runs: the CLIs' --device and --sim-backend, resolved into a SimulationCfg.

The CLIs (train, play, evaluate), the benchmarks and the grader's training child all choose the
device and the backend here, so that "auto" means the same everywhere.
"""

from __future__ import annotations

from typing import Any, Literal

import torch

from trotlab.sim.config import SimulationCfg

SimBackendChoice = Literal["auto", "cpu", "warp"]
"""--sim-backend: auto (warp on a CUDA device, else cpu), cpu (MuJoCo C threads), warp."""


def resolve_device(device: str, sim_backend: str = "auto") -> str:
  """The device of the networks and, with the warp backend (the default on CUDA, see
  resolve_sim_backend), of the simulation. auto: cuda:0 when a GPU is visible and, where the
  physics would run on it, MuJoCo Warp passes its self-test there (``choose_auto_device``);
  else cpu. An explicit cuda:N is used as given (its failures stay loud)."""
  if device == "auto":
    gpu = "cuda:0" if torch.cuda.is_available() else None
    return choose_auto_device(gpu, sim_backend)
  if device.startswith("cuda") and not torch.cuda.is_available():
    raise SystemExit(f"--device {device}: no CUDA device is visible. Use --device cpu or auto.")
  return device


def choose_auto_device(candidate: str | None, sim_backend: str = "auto", **self_test: Any) -> str:
  """--device auto's choice: ``candidate`` (the visible GPU; None: none) when the physics will
  not run on it (--sim-backend cpu) or MuJoCo Warp passes its self-test there
  (trotlab.sim.self_test); else "cpu", saying why in one line. ``self_test``: SimulationCfg
  fields for the test's warp run (tests provoke a real failure with them)."""
  if candidate is None:
    return "cpu"
  if sim_backend == "cpu":
    return candidate
  from trotlab.sim.self_test import warp_self_test

  reason = warp_self_test(candidate, **self_test)
  if reason is None:
    return candidate
  print(f"[trotlab] --device auto: using the CPU, not {candidate}: {reason}", flush=True)
  return "cpu"


def resolve_sim_backend(sim_backend: str, device: str) -> Literal["cpu", "warp"]:
  """auto -> warp when the (resolved) device is CUDA, else cpu. Forcing warp on a CPU device runs
  MuJoCo Warp on Warp's CPU device: for testing only, it warns that it is slow."""
  if sim_backend == "auto":
    return "warp" if device.startswith("cuda") else "cpu"
  if sim_backend not in ("cpu", "warp"):
    raise SystemExit(f"--sim-backend {sim_backend}: choose auto, cpu or warp.")
  return sim_backend  # type: ignore[return-value]


def configure_sim(sim_cfg: SimulationCfg, sim_backend: str, device: str) -> str:
  """Point an env's SimulationCfg at the chosen backend (on ``device``); return its name.

  ``--sim-backend`` wins over ``--env.sim.backend``. With --sim-backend cpu on a CUDA device the
  simulation runs on the CPU and only the networks use the GPU."""
  backend = resolve_sim_backend(sim_backend, device)
  sim_cfg.backend = backend
  if backend == "warp":
    sim_cfg.warp_device = device if device.startswith("cuda") else "cpu"
  return backend
