"""The warp backend's self-test: whether MuJoCo Warp works on a device before a run relies on it.

``--device auto`` (trotlab.sim.choice) trains on a GPU only when this test passes there. It
builds the Go1 scene (two envs, every collision geom) on MuJoCo Warp on the device and on
MuJoCo C, steps both from the same state with the same PD targets, and compares the joint and
root states after every env step within the backends' consistency tolerances (POS_ATOL,
VEL_ATOL). Everything a run would need first is inside: initialising Warp (the NVIDIA driver),
compiling the kernels (Warp's kernel cache keeps them: ``warp.config.kernel_cache_dir``, by
default ~/.cache/warp, so a machine compiles once; a fresh Colab runtime compiles again) and
stepping. Any exception is a failure, with its reason.
"""

from __future__ import annotations

import warnings
from typing import Any

import torch

NUM_ENVS = 2
STEPS = 5
DECIMATION = 4
POS_ATOL = 1e-4
"""m, rad: MuJoCo Warp (float32, solver tolerance 1e-6) and MuJoCo C (float64) agree to about
1e-6 in positions over 20 env steps; a physical difference (a wrong friction, a skipped
substep, stale targets) moves the joints by 1e-2 or more within a few steps."""
VEL_ATOL = 1e-2
"""m/s, rad/s: the velocities' tolerance (measured agreement: about 3e-5)."""


def _rollout(backend: str, warp_device: str, sim_kwargs: dict[str, Any]) -> list[torch.Tensor]:
  """qpos and qvel (on the CPU) after each of STEPS env steps of the Go1 scene on ``backend``,
  from the default stand with seeded PD targets around it."""
  from trotlab.assets.unitree_go1 import go1_constants
  from trotlab.scene import Scene, SceneCfg
  from trotlab.sim import SimulationCfg

  cfg = SceneCfg(
    num_envs=NUM_ENVS, entities={"robot": go1_constants.go1_entity_cfg(full_collision=True)}
  )
  if backend == "warp":
    sim_kwargs = {"warp_device": warp_device, **sim_kwargs}
  with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*CPU device", category=UserWarning)
    scene = Scene(cfg, SimulationCfg(backend=backend, **sim_kwargs))
  robot = scene["robot"]
  default = robot.data.default_joint_pos.cpu()
  states = []
  for step in range(STEPS):
    noise = torch.randn(NUM_ENVS, robot.num_joints, generator=torch.Generator().manual_seed(step))
    robot.set_joint_position_target((default + 0.3 * noise).to(scene.device))
    scene.sim.step(DECIMATION)
    states += [scene.sim.qpos.cpu().clone(), scene.sim.qvel.cpu().clone()]
  return states


def warp_self_test(warp_device: str, **sim_kwargs: Any) -> str | None:
  """None when MuJoCo Warp on ``warp_device`` ("cuda:0"; "cpu": Warp's CPU device) steps the Go1
  as MuJoCo C does; else why not, in one line. ``sim_kwargs``: SimulationCfg fields of the warp
  run (e.g. a contact capacity)."""
  try:
    warp_states = _rollout("warp", warp_device, sim_kwargs)
  except Exception as err:  # a driver too old, a failed compile, a failed step: all say why
    first_line = (str(err).strip().splitlines() or [""])[0]
    return f"MuJoCo Warp failed on {warp_device}{_driver()}: {type(err).__name__}: {first_line}"
  cpu_states = _rollout("cpu", warp_device, {})
  for k, (warp, cpu) in enumerate(zip(warp_states, cpu_states, strict=True)):
    tolerance = POS_ATOL if k % 2 == 0 else VEL_ATOL
    gap = (warp - cpu.to(warp.dtype)).abs().max().item()
    if not gap <= tolerance:  # NaN fails too
      what = "qpos" if k % 2 == 0 else "qvel"
      return (
        f"MuJoCo Warp on {warp_device}{_driver()} disagrees with MuJoCo C: {what} differs by "
        f"{gap:.3g} after env step {k // 2 + 1} (tolerance {tolerance:g})"
      )
  return None


def _driver() -> str:
  """ " (NVIDIA driver X.Y)" when Warp knows the CUDA driver's version, else ""."""
  try:
    import warp

    version = warp.context.runtime.driver_version
  except Exception:  # no runtime (not initialised, no CUDA): nothing to add
    return ""
  return f" (NVIDIA driver {version[0]}.{version[1]})" if version else ""
