"""Physics settings shared by every backend."""

from __future__ import annotations

import dataclasses
import os
from typing import Literal

import mujoco


def usable_core_ids() -> list[int]:
  """The cores this process may run on, sorted (respects taskset / cgroup affinity)."""
  try:
    return sorted(os.sched_getaffinity(0))
  except AttributeError:  # macOS, Windows: no affinity, every core
    return list(range(os.cpu_count() or 1))


def usable_cores() -> int:
  """How many cores this process may run on."""
  return len(usable_core_ids())


@dataclasses.dataclass(kw_only=True)
class SimulationCfg:
  """MuJoCo options and the choice of backend."""

  timestep: float = 0.005
  """Physics step [s]. The env step is ``decimation`` of these."""
  integrator: Literal["euler", "implicitfast", "rk4"] = "implicitfast"
  """implicitfast treats the PD damping implicitly, which keeps stiff actuators stable."""
  cone: Literal["pyramidal", "elliptic"] = "pyramidal"
  impratio: float = 1.0
  iterations: int = 10
  """Constraint solver (Newton) iterations per physics step."""
  ls_iterations: int = 20
  """Line-search iterations per solver iteration."""
  backend: Literal["cpu", "warp"] = "cpu"
  """cpu: MuJoCo C, all envs stepped on a C++ thread pool (mujoco.batch). warp: MuJoCo Warp,
  all envs on one GPU. The CLIs set it from --sim-backend (auto: warp when --device is CUDA), so
  on the command line use --sim-backend rather than --env.sim.backend."""
  nthread: int | None = None
  """Threads of the CPU backend; None uses every usable core."""
  warp_device: str = "cuda:0"
  """Warp backend: the Warp device, cuda:N, or cpu (one kernel thread: for tests only). The
  CLIs set it from --device."""
  nconmax: int | None = None
  """Warp backend: contacts buffered per env (all envs share nconmax * num_envs). None: an
  upper bound computed from the model's collision pairs. Raise it if an overflow is reported."""
  njmax: int | None = None
  """Warp backend: constraint rows per env. None: an upper bound from the model."""
  contact_sensor_maxmatch: int = 64
  """Warp backend: most contacts one contact sensor considers."""
  cuda_graph: bool = True
  """Warp backend on CUDA: replay the substeps of an env step as one captured CUDA graph."""

  def apply(self, spec: mujoco.MjSpec) -> None:
    """Write these options into a spec before it is compiled."""
    spec.option.timestep = self.timestep
    spec.option.integrator = {
      "euler": mujoco.mjtIntegrator.mjINT_EULER,
      "implicitfast": mujoco.mjtIntegrator.mjINT_IMPLICITFAST,
      "rk4": mujoco.mjtIntegrator.mjINT_RK4,
    }[self.integrator]
    spec.option.cone = {
      "pyramidal": mujoco.mjtCone.mjCONE_PYRAMIDAL,
      "elliptic": mujoco.mjtCone.mjCONE_ELLIPTIC,
    }[self.cone]
    spec.option.impratio = self.impratio
    spec.option.iterations = self.iterations
    spec.option.ls_iterations = self.ls_iterations
