"""Simulation: compiles the scene's MjSpec and runs it on the chosen backend."""

from __future__ import annotations

import mujoco
import torch

from trotlab.sim.backend import EnvIds, SimBackend
from trotlab.sim.config import SimulationCfg
from trotlab.sim.cpu_backend import CpuBackend


class Simulation:
  """``num_envs`` copies of one model, stepped together.

  Attributes:
    mj_model: the compiled model (shared fields; per-env fields live in the backend).
    backend: the backend holding the batched state.
  """

  def __init__(self, cfg: SimulationCfg, spec: mujoco.MjSpec, num_envs: int) -> None:
    if num_envs < 1:
      raise ValueError(f"num_envs must be >= 1, got {num_envs}")
    self.cfg = cfg
    cfg.apply(spec)
    self.mj_model: mujoco.MjModel = spec.compile()
    self.num_envs = num_envs
    if cfg.backend == "cpu":
      self.backend: SimBackend = CpuBackend(self.mj_model, num_envs, nthread=cfg.nthread)
    elif cfg.backend == "warp":
      from trotlab.sim.warp_backend import WarpBackend  # imports warp: only when asked for

      self.backend = WarpBackend(
        self.mj_model,
        num_envs,
        device=cfg.warp_device,
        nconmax=cfg.nconmax,
        njmax=cfg.njmax,
        contact_sensor_maxmatch=cfg.contact_sensor_maxmatch,
        cuda_graph=cfg.cuda_graph,
      )
    else:
      raise ValueError(f"Unknown simulation backend {cfg.backend!r}; choose 'cpu' or 'warp'.")

  @property
  def device(self) -> torch.device:
    return self.backend.device

  @property
  def timestep(self) -> float:
    return self.cfg.timestep

  @property
  def qpos(self) -> torch.Tensor:
    return self.backend.qpos

  @property
  def qvel(self) -> torch.Tensor:
    return self.backend.qvel

  @property
  def sensordata(self) -> torch.Tensor:
    return self.backend.sensordata

  @property
  def ctrl(self) -> torch.Tensor:
    return self.backend.ctrl

  def step(self, nsubsteps: int = 1) -> None:
    """Advance all envs by ``nsubsteps`` physics steps with ``ctrl`` held."""
    self.backend.step(nsubsteps)

  def write_state(
    self, env_ids: EnvIds, qpos: torch.Tensor | None = None, qvel: torch.Tensor | None = None
  ) -> None:
    self.backend.write_state(env_ids, qpos=qpos, qvel=qvel)

  def model_field(self, name: str) -> torch.Tensor:
    return self.backend.model_field(name)

  def env_model_and_data(self, env_id: int = 0):
    """(MjModel, MjData) of one env, for rendering."""
    return self.backend.env_model_and_data(env_id)
