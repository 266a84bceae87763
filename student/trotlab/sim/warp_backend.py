"""Warp backend: MuJoCo Warp (mujoco_warp), every env a "world" of one batched model on the GPU.

State lives in one ``mujoco_warp.Data`` with ``nworld = num_envs``. ``qpos``, ``qvel``,
``sensordata`` and ``ctrl`` are zero-copy torch views of its arrays (``wp.to_torch``): torch reads
and writes the simulator's memory, nothing is copied between steps.

Stepping: ``step(n)`` runs n ``mujoco_warp.step`` calls. Sensors are only read once per env step,
so, as on the CPU backend, they are switched off (``DisableBit.SENSOR``) for the first n - 1
substeps; their values follow mj_step's convention (the state at the start of the last substep).
On CUDA the n substeps are captured once into a CUDA graph and replayed with one launch per env
step; the graph is re-captured when a captured array is replaced (a new per-env model field).
Warp launches go to the device's default Warp stream, which is a blocking stream: it orders itself
with torch's legacy default stream, so torch's writes to ``ctrl`` are seen by the next replay.

Per-env model fields (``model_field``): mujoco_warp model arrays whose leading dimension is a
batch ("*", broadcast when 1). Asking for one replaces it by a (num_envs, ...) copy and returns a
torch view of it; writes take effect at the next step.

Contact buffers: mujoco_warp preallocates contacts for all worlds (naconmax) and constraint rows
per world (njmax). ``contact_capacity`` bounds both from the model (every pair of geoms that may
collide, times the most contacts MuJoCo makes for that pair of shapes), so the defaults cannot
overflow; SimulationCfg.nconmax / njmax override them (smaller buffers are faster: some kernels
run over every contact slot). Overflows are sticky bits in ``Data.overflow``; we check them every
step when the substeps are plain kernel launches (the CPU device, or cuda_graph off) and every
``OVERFLOW_CHECK_INTERVAL`` steps when they replay a CUDA graph (a check synchronizes the GPU),
and raise an error naming the setting to raise.

Sensors: the scene adds frame sensors (framepos / framequat / framelinvel / frameangvel of
bodies and sites) and contact sensors (found, force, reduce=netforce). mujoco_warp 4.0 implements
all of them (``put_model`` raises NotImplementedError for any sensor type it lacks), with one
difference: contact sensor ``found`` counts the matched contacts before the cap of
``contact_sensor_maxmatch`` (C MuJoCo counts at most that many); both mean "touching" when > 0.

The warp backend also runs on Warp's "cpu" device, one kernel thread: slow, for tests only.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import functools
import gc
import operator
import warnings
from collections.abc import Iterator

import mujoco
import numpy as np
import torch

from trotlab.sim.backend import EnvIds, SimBackend

OVERFLOW_CHECK_INTERVAL = 25
"""Env steps between two overflow checks on CUDA (each check waits for the GPU)."""

# Most contacts MuJoCo's narrowphase returns for one pair of geoms, by geom type. A pair with a
# plane takes the other geom's entry in _PLANE_CONTACTS; other pairs take _PAIR_CONTACTS, else
# _OTHER_CONTACTS (convex-convex: one contact, up to 4 with multi-contact; 8 to be safe). Height
# fields can return mjMAXCONPAIR (50) contacts per pair.
_G = mujoco.mjtGeom
_PLANE_CONTACTS = {
  _G.mjGEOM_SPHERE: 1,
  _G.mjGEOM_CAPSULE: 2,
  _G.mjGEOM_ELLIPSOID: 1,
  _G.mjGEOM_CYLINDER: 4,
  _G.mjGEOM_BOX: 4,
  _G.mjGEOM_MESH: 8,
}
_PAIR_CONTACTS = {
  frozenset({_G.mjGEOM_SPHERE}): 1,
  frozenset({_G.mjGEOM_SPHERE, _G.mjGEOM_CAPSULE}): 1,
  frozenset({_G.mjGEOM_CAPSULE}): 2,
  frozenset({_G.mjGEOM_SPHERE, _G.mjGEOM_BOX}): 1,
  frozenset({_G.mjGEOM_CAPSULE, _G.mjGEOM_BOX}): 2,
  frozenset({_G.mjGEOM_BOX}): 8,
}
_OTHER_CONTACTS = 8
_HFIELD_CONTACTS = 50


def _rows_per_contact(condim: int, cone: int) -> int:
  """Constraint rows of one contact: pyramidal cones use 2 (condim - 1) edges, elliptic condim."""
  if condim == 1:
    return 1
  return condim if cone == mujoco.mjtCone.mjCONE_ELLIPTIC else 2 * (condim - 1)


def _may_collide(model: mujoco.MjModel, g1: int, g2: int) -> bool:
  """MuJoCo's broadphase filter for geom pairs (contype/conaffinity, same or parent body)."""
  if not (
    model.geom_contype[g1] & model.geom_conaffinity[g2]
    or model.geom_contype[g2] & model.geom_conaffinity[g1]
  ):
    return False
  w1 = model.body_weldid[model.geom_bodyid[g1]]
  w2 = model.body_weldid[model.geom_bodyid[g2]]
  if w1 == w2:
    return False
  filter_parent = not model.opt.disableflags & mujoco.mjtDisableBit.mjDSBL_FILTERPARENT
  if filter_parent and w1 and w2:
    p1 = model.body_weldid[model.body_parentid[w1]]
    p2 = model.body_weldid[model.body_parentid[w2]]
    if p1 == w2 or p2 == w1:
      return False
  return True


def _pair_contacts(t1: int, t2: int) -> int:
  types = {mujoco.mjtGeom(t1), mujoco.mjtGeom(t2)}
  if _G.mjGEOM_HFIELD in types:
    return _HFIELD_CONTACTS
  if _G.mjGEOM_PLANE in types:
    other = (types - {_G.mjGEOM_PLANE}) or {_G.mjGEOM_PLANE}
    return _PLANE_CONTACTS.get(other.pop(), _OTHER_CONTACTS)
  return _PAIR_CONTACTS.get(frozenset(types), _OTHER_CONTACTS)


def contact_capacity(model: mujoco.MjModel) -> tuple[int, int]:
  """Upper bounds on contacts and constraint rows of one env: (nconmax, njmax).

  Contacts: every geom pair that passes MuJoCo's collision filter (plus explicit <pair>s), times
  the most contacts its shapes produce. Rows: those contacts' friction-cone rows, plus one per
  limited joint, one per dof with friction loss, and the rows of equality constraints."""
  nconmax, contact_rows = 0, 0
  ngeom = model.ngeom
  for g1 in range(ngeom):
    for g2 in range(g1 + 1, ngeom):
      if _may_collide(model, g1, g2):
        n = _pair_contacts(model.geom_type[g1], model.geom_type[g2])
        condim = max(model.geom_condim[g1], model.geom_condim[g2])
        nconmax += n
        contact_rows += n * _rows_per_contact(int(condim), model.opt.cone)
  for p in range(model.npair):
    n = _pair_contacts(model.geom_type[model.pair_geom1[p]], model.geom_type[model.pair_geom2[p]])
    nconmax += n
    contact_rows += n * _rows_per_contact(int(model.pair_dim[p]), model.opt.cone)
  eq_rows = {
    mujoco.mjtEq.mjEQ_CONNECT: 3,
    mujoco.mjtEq.mjEQ_WELD: 6,
    mujoco.mjtEq.mjEQ_JOINT: 1,
    mujoco.mjtEq.mjEQ_TENDON: 1,
  }
  other_rows = (
    int(model.jnt_limited.sum())
    + int((model.dof_frictionloss > 0).sum())
    + int(model.tendon_limited.sum())
    + sum(eq_rows.get(mujoco.mjtEq(t), 6) for t in model.eq_type)
  )
  return max(nconmax, 1), max(contact_rows + other_rows, 1)


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
  """No garbage collection during a graph capture: a collected Warp object would free device
  memory inside the capture, and that free would be recorded into (and replayed by) the graph."""
  enabled = gc.isenabled()
  gc.disable()
  try:
    yield
  finally:
    if enabled:
      gc.enable()


class WarpBackend(SimBackend):
  """SimBackend on MuJoCo Warp: every env is a world of one ``mujoco_warp.Data`` on ``device``.
  qpos, qvel, sensordata and ctrl are zero-copy float32 torch views of its arrays; nconmax /
  njmax default to ``contact_capacity(model)``; on CUDA the substeps replay as a CUDA graph
  (``cuda_graph``)."""

  def __init__(
    self,
    model: mujoco.MjModel,
    num_envs: int,
    device: str = "cuda:0",
    nconmax: int | None = None,
    njmax: int | None = None,
    contact_sensor_maxmatch: int = 64,
    cuda_graph: bool = True,
  ) -> None:
    import warp as wp

    wp.config.quiet = True  # no per-kernel compile logs
    import mujoco_warp as mjw

    self._wp, self._mjw = wp, mjw
    wp.init()
    if device.startswith("cuda") and not wp.is_cuda_available():
      raise RuntimeError(
        f"The warp backend was asked for {device!r} but Warp sees no CUDA device. Use the cpu "
        "backend (--sim-backend cpu), or SimulationCfg.warp_device='cpu' to test (slow)."
      )
    self._wp_device = wp.get_device(device)
    if self._wp_device.is_cpu:
      warnings.warn(
        "The warp backend runs on Warp's CPU device: one kernel thread, much slower than the cpu "
        "backend. Use it to test the warp backend only (--sim-backend cpu for CPU training).",
        stacklevel=3,
      )
    self.model = model
    self.num_envs = num_envs
    self.device = torch.device(str(self._wp_device))
    bound_con, bound_jmax = contact_capacity(model)
    self.nconmax = nconmax or bound_con
    self.njmax = njmax or bound_jmax
    with wp.ScopedDevice(self._wp_device):
      self._model = mjw.put_model(model)
      opt = self._model.opt
      opt.contact_sensor_maxmatch = contact_sensor_maxmatch
      # Print (from the kernels) only what _check_overflow turns into an error; the solver's
      # iteration-limit bits are normal with 10 iterations and would flood the log.
      opt.warn_overflow = int(_buffer_overflow_bits(mjw))
      self._data = mjw.make_data(model, nworld=num_envs, nconmax=self.nconmax, njmax=self.njmax)
    d = self._data
    self.qpos = wp.to_torch(d.qpos)
    self.qvel = wp.to_torch(d.qvel)
    self.sensordata = wp.to_torch(d.sensordata)
    self.ctrl = wp.to_torch(d.ctrl)
    self._warmstart = wp.to_torch(d.qacc_warmstart)
    self._overflow = wp.to_torch(d.overflow)
    self._model_fields: dict[str, torch.Tensor] = {}
    self._graphs: dict[tuple[str, int], object] = {}
    self._ray_buffers: dict[int, tuple] = {}
    """nray -> the outputs of ``rays`` (dist, geomid, normal) and its bodyexclude, kept."""
    self._use_graph = (
      cuda_graph and self._wp_device.is_cuda and wp.is_mempool_enabled(self._wp_device)
    )
    self._steps_since_check = 0
    self._launch(("forward", 0), self._forward)  # qpos0 state: sensors valid from the start
    self._check_overflow()

  # Running mujoco_warp -------------------------------------------------------------------------

  def _forward(self) -> None:
    self._mjw.forward(self._model, self._data)

  def _substeps(self, nsubsteps: int) -> None:
    opt = self._model.opt
    flags = opt.disableflags
    sensor_off = int(self._mjw.DisableBit.SENSOR)
    # The flag is read in Python when kernels are launched (or captured): toggling it here gives
    # a graph whose first substeps skip the sensor kernels.
    opt.disableflags = flags | sensor_off
    try:
      for _ in range(nsubsteps - 1):
        self._mjw.step(self._model, self._data)
    finally:
      opt.disableflags = flags
    self._mjw.step(self._model, self._data)

  def _launch(self, key: tuple[str, int], work) -> None:
    """Run ``work`` on the device; on CUDA capture it into a graph once and replay it."""
    wp = self._wp
    with wp.ScopedDevice(self._wp_device):
      if not self._use_graph:
        work()
        return
      graph = self._graphs.get(key)
      if graph is None:
        with _gc_paused(), wp.ScopedCapture() as capture:
          work()  # recorded, not run
        graph = self._graphs[key] = capture.graph
      wp.capture_launch(graph)

  def _check_overflow(self) -> None:
    # Bits are sticky (OR-ed over steps) per env; OR them over envs. One sync when all is well.
    masked = self._overflow & _buffer_overflow_bits(self._mjw)
    if not bool(masked.any()):
      return
    bits = functools.reduce(operator.or_, torch.unique(masked).tolist(), 0)
    kind = self._mjw.OverflowType
    problems = []
    if bits & (kind.BROADPHASE | kind.NARROWPHASE | kind.CCD):
      problems.append(
        f"more contacts than the buffer holds (nconmax = {self.nconmax} per env, "
        f"{self.nconmax * self.num_envs} in all): raise SimulationCfg.nconmax "
        "(--env.sim.nconmax N on `train`)"
      )
    if bits & (kind.NEFC | kind.NJMAX_NNZ):
      problems.append(
        f"more constraint rows than njmax = {self.njmax} in one env: raise SimulationCfg.njmax "
        "(--env.sim.njmax N on `train`)"
      )
    if bits & kind.HFIELD:
      problems.append(
        "a height-field collision needed more contacts than MuJoCo Warp keeps per pair "
        "(rough terrain: coarser height field, or fewer geoms touching it)"
      )
    if bits & kind.CONTACT_MATCH:
      problems.append(
        f"more than contact_sensor_maxmatch = {self._model.opt.contact_sensor_maxmatch} contacts "
        "matched one contact sensor: raise SimulationCfg.contact_sensor_maxmatch"
      )
    raise RuntimeError(
      "MuJoCo Warp buffer overflow; results since the last check are wrong: " + "; ".join(problems)
    )

  # SimBackend ----------------------------------------------------------------------------------

  def step(self, nsubsteps: int) -> None:
    """See SimBackend: nsubsteps mujoco_warp steps, sensors on in the last only (replayed as a
    CUDA graph when one is used); check the buffers for overflow (every OVERFLOW_CHECK_INTERVAL
    steps with a graph, else every step)."""
    if nsubsteps < 1:
      raise ValueError(f"nsubsteps must be >= 1, got {nsubsteps}")
    self._launch(("step", nsubsteps), lambda: self._substeps(nsubsteps))
    self._steps_since_check += 1
    if not self._use_graph or self._steps_since_check >= OVERFLOW_CHECK_INTERVAL:
      self._steps_since_check = 0
      self._check_overflow()

  def _env_index(self, env_ids: EnvIds) -> torch.Tensor | None:
    if env_ids is None:
      return None
    if isinstance(env_ids, slice):
      return torch.arange(self.num_envs, device=self.device)[env_ids]
    on_device = isinstance(env_ids, torch.Tensor) and env_ids.device == self.device
    ids = torch.as_tensor(env_ids, dtype=torch.long).reshape(-1).to(self.device)
    # Validate host-side ids only: checking device ids would wait for the GPU on every reset.
    if not (on_device and self.device.type == "cuda") and ids.numel():
      lo, hi = int(ids.min()), int(ids.max())
      if lo < 0 or hi >= self.num_envs:
        raise IndexError(f"env ids must lie in [0, {self.num_envs}); got min {lo}, max {hi}")
    return ids

  def write_state(
    self, env_ids: EnvIds, qpos: torch.Tensor | None = None, qvel: torch.Tensor | None = None
  ) -> None:
    """See SimBackend: write the rows straight into the simulator's float32 arrays and zero
    their warm-start."""
    ids = self._env_index(env_ids)
    rows = slice(None) if ids is None else ids
    if qpos is not None:
      self.qpos[rows] = qpos.to(self.device, torch.float32)
    if qvel is not None:
      self.qvel[rows] = qvel.to(self.device, torch.float32)
    # A new state invalidates the accelerations the solver would start from.
    self._warmstart[rows] = 0.0

  def forward(self, envs: torch.Tensor) -> None:
    """See SimBackend: mujoco_warp's forward, which runs on every world, then the envs not
    flagged get their previous sensordata back."""
    # mujoco_warp's forward runs on every world; it leaves the state (qpos, qvel, warm-start)
    # alone but would move the sensors of the other envs from "start of the last substep" to
    # "now". Keep theirs, so that a write changes nothing in the envs it does not touch.
    kept = self.sensordata.clone()
    self._launch(("forward", 0), self._forward)
    self.sensordata.copy_(torch.where(envs.unsqueeze(1), self.sensordata, kept))

  def cast_rays(
    self, origins: torch.Tensor, direction: torch.Tensor, geomgroup: tuple[int, ...]
  ) -> torch.Tensor:
    """See SimBackend: mujoco_warp's ``rays`` kernel, one thread per (env, ray). It reads the
    geoms' poses of the last step or forward (a static terrain's never change)."""
    wp = self._wp
    nray = origins.shape[1]
    out = self._ray_buffers.get(nray)
    if out is None:
      with wp.ScopedDevice(self._wp_device):
        shape = (self.num_envs, nray)
        out = self._ray_buffers[nray] = (
          wp.empty(shape, dtype=float),
          wp.empty(shape, dtype=int),
          wp.empty(shape, dtype=wp.vec3),
          wp.full(nray, -1, dtype=int),
        )
    dist, geomid, normal, bodyexclude = out
    pnt = origins.to(self.device, torch.float32).contiguous()
    vec = direction.to(self.device, torch.float32).expand_as(pnt).contiguous()
    with wp.ScopedDevice(self._wp_device):
      self._mjw.rays(
        self._model,
        self._data,
        wp.from_torch(pnt, dtype=wp.vec3),
        wp.from_torch(vec, dtype=wp.vec3),
        wp.types.vector(length=6, dtype=float)(*geomgroup),
        True,
        bodyexclude,
        dist,
        geomid,
        normal,
      )
    return wp.to_torch(dist).clone()

  def physics_state(self) -> dict[str, np.ndarray]:
    """See SimBackend: the float32 state widened to float64, so writing it back is exact. A step
    from it is not promised to repeat bit for bit on a GPU (contacts are collected with atomic
    counters, in an order that may vary); the grader's exact re-play uses the cpu backend."""
    return {
      "qpos": self.qpos.double().cpu().numpy(),
      "qvel": self.qvel.double().cpu().numpy(),
      "qacc_warmstart": self._warmstart.double().cpu().numpy(),
    }

  def write_physics_state(self, state: dict[str, np.ndarray]) -> None:
    """See SimBackend: copy qpos, qvel and qacc_warmstart back as float32 (exact for a state
    that ``physics_state`` returned)."""
    for key, view in (
      ("qpos", self.qpos),
      ("qvel", self.qvel),
      ("qacc_warmstart", self._warmstart),
    ):
      view.copy_(torch.as_tensor(state[key], dtype=torch.float32, device=self.device))

  def model_field(self, name: str) -> torch.Tensor:
    """See SimBackend: replace the shared mujoco_warp array by a (num_envs, ...) copy and return
    a live torch view of it (the CUDA graphs are captured again). ValueError for a field that
    mujoco_warp does not batch per world."""
    if name in self._model_fields:
      return self._model_fields[name]
    batched = {
      f.name
      for f in dataclasses.fields(self._mjw.Model)
      if getattr(f.type, "shape", ())[:1] == ("*",)
    }
    if name not in batched or not hasattr(self.model, name):
      raise ValueError(
        f"Cannot randomize model field {name!r}: not a per-world (batched) mujoco_warp model field."
      )
    wp = self._wp
    shared = getattr(self._model, name)
    values = np.repeat(shared.numpy()[:1], self.num_envs, axis=0)
    per_env = wp.array(values, dtype=shared.dtype, device=self._wp_device)
    per_env._is_batched = True  # what put_model marks on its batched arrays
    setattr(self._model, name, per_env)
    self._graphs.clear()  # the graphs hold the address of the shared array
    self._model_fields[name] = wp.to_torch(per_env)  # (num_envs, *field_shape), live
    return self._model_fields[name]

  def env_model_and_data(self, env_id: int) -> tuple[mujoco.MjModel, mujoco.MjData]:
    """One env's model (its per-env fields copied in) and data, forwarded in C: for rendering."""
    model = copy.copy(self.model)
    for name, values in self._model_fields.items():
      getattr(model, name)[:] = values[env_id].detach().cpu().double().numpy()
    data = mujoco.MjData(model)
    for field, source in (("qpos", self.qpos), ("qvel", self.qvel), ("ctrl", self.ctrl)):
      getattr(data, field)[:] = source[env_id].detach().cpu().double().numpy()
    mujoco.mj_forward(model, data)
    return model, data


def _buffer_overflow_bits(mjw) -> int:
  kind = mjw.OverflowType
  return int(
    kind.NEFC
    | kind.NJMAX_NNZ
    | kind.BROADPHASE
    | kind.NARROWPHASE
    | kind.CCD
    | kind.HFIELD
    | kind.CONTACT_MATCH
  )
