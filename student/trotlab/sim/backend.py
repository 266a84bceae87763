"""The interface every physics backend implements.

A backend owns the state of ``num_envs`` copies of one MuJoCo model and exposes it as batched
float32 torch tensors on ``device`` (env index first). Nothing above ``trotlab.sim`` knows which
backend runs: the rest of the framework reaches a backend only through ``Simulation``, which
also decides when to run forward() (see trotlab.sim.simulation).
"""

from __future__ import annotations

import abc
from collections.abc import Sequence

import numpy as np
import torch

EnvIds = torch.Tensor | Sequence[int] | slice | None
"""Which envs an operation touches: None (all), a slice, or integer indices."""


class SimBackend(abc.ABC):
  num_envs: int
  device: torch.device
  qpos: torch.Tensor
  """(num_envs, nq) generalized positions; free joint first: pos (3), quat wxyz (4)."""
  qvel: torch.Tensor
  """(num_envs, nv) generalized velocities; free joint: linear (world), angular (body frame)."""
  sensordata: torch.Tensor
  """(num_envs, nsensordata) sensor outputs as the last step() or forward() left them."""
  ctrl: torch.Tensor
  """(num_envs, nu) actuator controls (PD position targets), held over the substeps of step()."""

  @abc.abstractmethod
  def step(self, nsubsteps: int) -> None:
    """Advance every env by ``nsubsteps`` physics steps with ``ctrl`` held, then refresh
    qpos, qvel and sensordata. qpos/qvel are the new state; sensors describe the state at the
    start of the last physics step (MuJoCo's mj_step convention), contacts included."""

  @abc.abstractmethod
  def write_state(
    self, env_ids: EnvIds, qpos: torch.Tensor | None = None, qvel: torch.Tensor | None = None
  ) -> None:
    """Overwrite the state of some envs (rows of qpos / qvel, shape (len(env_ids), nq|nv)) and
    clear their solver warm-start. Nothing is recomputed: their sensordata is stale until
    forward() (Simulation calls it before sensordata is read)."""

  @abc.abstractmethod
  def forward(self, envs: torch.Tensor) -> None:
    """Recompute the sensordata of the envs flagged in ``envs`` ((num_envs,) bool on ``device``)
    at their current state (mj_forward: kinematics, contacts, constraint forces). The state and
    the other envs' sensordata are left as they are."""

  @abc.abstractmethod
  def physics_state(self) -> dict[str, np.ndarray]:
    """Copies of what the next step starts from, float64 numpy, every env: qpos (num_envs, nq),
    qvel and qacc_warmstart (num_envs, nv) (the solver's warm-start)."""

  @abc.abstractmethod
  def write_physics_state(self, state: dict[str, np.ndarray]) -> None:
    """Put a ``physics_state()`` back for every env, warm-start included. Like write_state it
    recomputes nothing."""

  @abc.abstractmethod
  def model_field(self, name: str) -> torch.Tensor:
    """A per-env copy of an MjModel field, (num_envs, *field_shape), for randomization.

    Writes into the returned tensor take effect at the next step. Fields never asked for stay
    shared by all envs."""

  @abc.abstractmethod
  def cast_rays(
    self, origins: torch.Tensor, direction: torch.Tensor, geomgroup: tuple[int, ...]
  ) -> torch.Tensor:
    """Distances from ray origins to the first geom each ray hits, at the current state.

    Args:
      origins: (num_envs, nray, 3) float32 ray origins, world frame, on ``device``.
      direction: (3,) unit direction of every ray, world frame.
      geomgroup: 6 flags, MuJoCo's mj_ray filter: a geom is seen when its group's flag is 1.

    Returns:
      (num_envs, nray) float32 distances along ``direction`` [m]; -1 where a ray hits nothing.
      State and sensordata are left as they are."""

  @abc.abstractmethod
  def env_model_and_data(self, env_id: int):
    """(MjModel, MjData) of one env, forwarded, for rendering or inspection."""
