"""Simulation: compiles the scene's MjSpec and runs it on the chosen backend.

State writes are staged. ``write_state`` changes qpos / qvel (and clears the solver warm-start)
of some envs and nothing else; the derived data of those envs (sensordata: EntityData's body and
site fields, the contact sensors) is recomputed by ONE forward pass over every env written since
the last step, run the first time ``sensordata`` is read, or by ``forward()``. A reset that
writes the root, then the joints, then the events' offsets therefore costs one forward pass,
not one per write, and a read can never see sensors of the state before a write. A step
recomputes every env's sensors itself, so writes followed by a step need no forward at all.
"""

from __future__ import annotations

import mujoco
import numpy as np
import torch

from trotlab.sim.backend import EnvIds, SimBackend
from trotlab.sim.config import SimulationCfg
from trotlab.sim.cpu_backend import CpuBackend


class Simulation:
  """``num_envs`` copies of one model, stepped together. The only way into the backend.

  Attributes:
    mj_model: the compiled model (shared fields; per-env fields live in the backend).
  """

  def __init__(self, cfg: SimulationCfg, spec: mujoco.MjSpec, num_envs: int) -> None:
    if num_envs < 1:
      raise ValueError(f"num_envs must be >= 1, got {num_envs}")
    self.cfg = cfg
    cfg.apply(spec)
    self.mj_model: mujoco.MjModel = spec.compile()
    self.num_envs = num_envs
    self._backend = self._make_backend(cfg)
    self._pending = torch.zeros(num_envs, dtype=torch.bool, device=self.device)
    """(num_envs,) envs written since their sensors were last computed."""
    self.state_version = 0
    """Counts the steps and state writes: whatever is derived from the state at one version
    (a height scan) is stale at the next."""
    self._any_pending = False
    """Whether _pending may hold a True (a Python flag: checking the tensor would wait for a GPU)."""

  def _make_backend(self, cfg: SimulationCfg) -> SimBackend:
    if cfg.backend == "cpu":
      return CpuBackend(self.mj_model, self.num_envs, nthread=cfg.nthread)
    if cfg.backend == "warp":
      from trotlab.sim.warp_backend import WarpBackend  # imports warp: only when asked for

      return WarpBackend(
        self.mj_model,
        self.num_envs,
        device=cfg.warp_device,
        nconmax=cfg.nconmax,
        njmax=cfg.njmax,
        contact_sensor_maxmatch=cfg.contact_sensor_maxmatch,
        cuda_graph=cfg.cuda_graph,
      )
    raise ValueError(f"Unknown simulation backend {cfg.backend!r}; choose 'cpu' or 'warp'.")

  @property
  def device(self) -> torch.device:
    return self._backend.device

  @property
  def timestep(self) -> float:
    return self.cfg.timestep

  @property
  def qpos(self) -> torch.Tensor:
    """(num_envs, nq) generalized positions, live; free joint first: pos (3, world), quat wxyz."""
    return self._backend.qpos

  @property
  def qvel(self) -> torch.Tensor:
    """(num_envs, nv) generalized velocities, live; free joint: linear (world), angular (body)."""
    return self._backend.qvel

  @property
  def sensordata(self) -> torch.Tensor:
    """(num_envs, nsensordata) sensor outputs; envs written since the last step are forwarded
    first, so the values always describe the current state (after a step: the state at the
    start of its last substep, MuJoCo's convention). The tensor is updated in place."""
    self.forward()
    return self._backend.sensordata

  @property
  def ctrl(self) -> torch.Tensor:
    """(num_envs, nu) PD position targets, held over the substeps of step()."""
    return self._backend.ctrl

  def step(self, nsubsteps: int = 1) -> None:
    """Advance all envs by ``nsubsteps`` physics steps with ``ctrl`` held."""
    self._backend.step(nsubsteps)
    self.state_version += 1
    # The step computed every env's sensors from its state: a pending forward would be wasted.
    self._clear_pending()

  def write_state(
    self, env_ids: EnvIds, qpos: torch.Tensor | None = None, qvel: torch.Tensor | None = None
  ) -> None:
    """Stage a new state for some envs: rows of qpos (len(env_ids), nq) and / or qvel
    (len(env_ids), nv); None writes every env. Their warm-start is cleared; their sensors are
    recomputed when next read (see the module docstring)."""
    self._backend.write_state(env_ids, qpos=qpos, qvel=qvel)
    self._mark_pending(env_ids)

  def forward(self) -> None:
    """Recompute the sensors of every env written since the last step; a no-op if none was."""
    if not self._any_pending:
      return
    self._backend.forward(self._pending)
    self._clear_pending()

  def physics_state(self) -> dict[str, np.ndarray]:
    """Copies of what the next step starts from, float64 numpy, every env: qpos (num_envs, nq),
    qvel and qacc_warmstart (num_envs, nv). On the cpu backend a step from such a state with
    the same ctrl repeats bit for bit (the grader re-plays evaluations this way)."""
    return self._backend.physics_state()

  def write_physics_state(self, state: dict[str, np.ndarray]) -> None:
    """Put a ``physics_state()`` back for every env, warm-start included (unlike write_state,
    which clears it). Sensors are recomputed when next read."""
    self._backend.write_physics_state(state)
    self._mark_pending(None)

  def cast_rays(
    self, origins: torch.Tensor, direction: torch.Tensor, geomgroup: tuple[int, ...]
  ) -> torch.Tensor:
    """Distances [m] from ``origins`` ((num_envs, nray, 3), world) along ``direction`` ((3,),
    unit, world) to the first geom of the groups flagged in ``geomgroup`` (6 flags, as mj_ray's):
    (num_envs, nray) float32, -1 for a miss. Envs written since the last step are forwarded
    first, so the rays see the written state."""
    self.forward()
    return self._backend.cast_rays(origins, direction, geomgroup)

  def model_field(self, name: str) -> torch.Tensor:
    """A per-env copy of an MjModel field, (num_envs, *field_shape), live: writes take effect
    at the next step (for randomization)."""
    return self._backend.model_field(name)

  def env_model_and_data(self, env_id: int = 0) -> tuple[mujoco.MjModel, mujoco.MjData]:
    """(MjModel, MjData) of one env, forwarded, for rendering or inspection."""
    return self._backend.env_model_and_data(env_id)

  def _mark_pending(self, env_ids: EnvIds) -> None:
    self.state_version += 1
    if env_ids is None:
      self._pending.fill_(True)
    elif isinstance(env_ids, slice):
      self._pending[env_ids] = True
    else:
      ids = torch.as_tensor(env_ids, dtype=torch.long).to(self.device)
      self._pending[ids.reshape(-1)] = True
    self._any_pending = True

  def _clear_pending(self) -> None:
    if self._any_pending:
      self._pending.fill_(False)
      self._any_pending = False
