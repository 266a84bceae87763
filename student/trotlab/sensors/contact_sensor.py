"""ContactSensor: contacts between primary objects (e.g. each foot geom) and a secondary object
(e.g. the terrain), read from MuJoCo contact sensors, with air-time and contact-time tracking.

One MuJoCo ``contact`` sensor is added per primary object. MuJoCo matches the contacts whose one
side is the primary and whose other side is the secondary, reduces them to ``num_slots`` slots
(``reduce``) and reports the requested fields. They are computed with the constraint forces, so
they describe the contacts of the last physics substep.

Data (P primaries, float32, env index first):
  found        (N, P)     number of matching contacts (0 = not touching)
  force        (N, P, 3)  netforce: net force on the primary from the secondary [N], world
                          frame (a standing foot sees +z). Other reduce modes: the force in
                          MuJoCo's contact frame (normal, tangent1, tangent2) of the slot.
  current_air_time, last_air_time, current_contact_time, last_contact_time  (N, P) [s]
               (with track_air_time=True; updated once per env step by update(dt))
With num_slots > 1, found and force gain a slot dimension after P.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Literal

import mujoco
import torch

from trotlab.utils.names import resolve_names

if TYPE_CHECKING:
  from trotlab.sim.simulation import Simulation

ContactField = Literal["found", "force", "torque", "dist", "pos", "normal", "tangent"]
_FIELD_BITS = {
  "found": 1,
  "force": 2,
  "torque": 4,
  "dist": 8,
  "pos": 16,
  "normal": 32,
  "tangent": 64,
}
_FIELD_DIMS = {"found": 1, "force": 3, "torque": 3, "dist": 1, "pos": 3, "normal": 3, "tangent": 3}
_REDUCE = {"none": 0, "mindist": 1, "maxforce": 2, "netforce": 3}
_OBJTYPE = {
  "geom": mujoco.mjtObj.mjOBJ_GEOM,
  "body": mujoco.mjtObj.mjOBJ_BODY,
  "subtree": mujoco.mjtObj.mjOBJ_XBODY,  # MuJoCo's contact sensor reads xbody as "subtree"
}


@dataclasses.dataclass(kw_only=True)
class ContactMatch:
  """One side of a contact sensor."""

  mode: Literal["geom", "body", "subtree"]
  """What the names refer to: geoms, bodies, or bodies with all their descendants."""
  pattern: str | tuple[str, ...]
  """Regular expression(s), full match, over the names of that kind."""
  entity: str | None = None
  """The scene entity whose names are searched ("robot"); None searches the terrain."""
  exclude: tuple[str, ...] = ()
  """Regular expressions of names to drop from the matches."""


@dataclasses.dataclass(kw_only=True)
class ContactSensorCfg:
  """Config of a ContactSensor: which objects' contacts with which, the fields to report, how
  MuJoCo reduces the contacts to ``num_slots`` slots, and whether to track air time."""

  primary: ContactMatch
  """One sensor slot group per matched primary object, in model order."""
  secondary: ContactMatch | None = None
  """The other side; None matches anything."""
  fields: tuple[ContactField, ...] = ("found", "force")
  reduce: Literal["none", "mindist", "maxforce", "netforce"] = "netforce"
  num_slots: int = 1
  track_air_time: bool = False


def resolve_match(match: ContactMatch, names: list[str], what: str) -> list[str]:
  """The names that ``match`` selects (its pattern minus its excludes), in ``names`` order.
  ValueError when a pattern or an exclude matches nothing, or when nothing is left."""
  _, matched = resolve_names(match.pattern, names, what=what)
  if match.exclude:
    _, excluded = resolve_names(match.exclude, matched, what=what)
    matched = [n for n in matched if n not in excluded]
  if not matched:
    raise ValueError(f"Contact match {match.pattern!r} minus excludes {match.exclude} is empty.")
  return matched


def add_contact_sensors(
  spec: mujoco.MjSpec,
  sensor_name: str,
  cfg: ContactSensorCfg,
  primary_names: list[str],
  secondary_name: str | None,
) -> list[str]:
  """Add one MuJoCo contact sensor per primary; return their names, in primary order."""
  if cfg.num_slots < 1:
    raise ValueError(f"{sensor_name}: num_slots must be >= 1, got {cfg.num_slots}")
  unknown = [f for f in cfg.fields if f not in _FIELD_BITS]
  if unknown:
    raise ValueError(
      f"{sensor_name}: unknown contact fields {unknown}; choose from {list(_FIELD_BITS)}"
    )
  if cfg.track_air_time and "found" not in cfg.fields:
    raise ValueError(f"{sensor_name}: track_air_time needs 'found' in fields")
  bits = sum(_FIELD_BITS[f] for f in set(cfg.fields))
  names = [f"{sensor_name}/{name}" for name in primary_names]
  for mj_name, name in zip(names, primary_names, strict=True):
    kwargs = {}
    if cfg.secondary is not None:
      kwargs = {"reftype": _OBJTYPE[cfg.secondary.mode], "refname": secondary_name}
    spec.add_sensor(
      name=mj_name,
      type=mujoco.mjtSensor.mjSENS_CONTACT,
      objtype=_OBJTYPE[cfg.primary.mode],
      objname=name,
      intprm=[bits, _REDUCE[cfg.reduce], cfg.num_slots],
      **kwargs,
    )
  return names


def _slot_layout(fields: tuple[ContactField, ...]) -> dict[str, tuple[int, int]]:
  """field -> (offset, width) within one slot: MuJoCo writes the fields in _FIELD_BITS order."""
  layout, offset = {}, 0
  for field in _FIELD_BITS:
    if field in fields:
      layout[field] = (offset, _FIELD_DIMS[field])
      offset += _FIELD_DIMS[field]
  return layout


class ContactData:
  """One contact sensor's data; see the module docstring for shapes and frames.

  The contact fields are read from the simulation on every access, so they always describe the
  current state (a field the sensor was not configured with raises AttributeError). The timers
  are tensors that ContactSensor.update() replaces every env step."""

  current_air_time: torch.Tensor
  last_air_time: torch.Tensor
  current_contact_time: torch.Tensor
  last_contact_time: torch.Tensor

  def __init__(self, sensor: ContactSensor) -> None:
    self._sensor = sensor

  @property
  def found(self) -> torch.Tensor:
    """(N, P) number of matching contacts; 0: not touching."""
    return self._sensor.read("found")

  @property
  def force(self) -> torch.Tensor:
    """(N, P, 3) netforce: force on the primary [N], world frame; else contact frame."""
    return self._sensor.read("force")

  @property
  def torque(self) -> torch.Tensor:
    """(N, P, 3) torque, in MuJoCo's convention for the reduce mode."""
    return self._sensor.read("torque")

  @property
  def dist(self) -> torch.Tensor:
    """(N, P) penetration distance [m] (negative: penetrating)."""
    return self._sensor.read("dist")

  @property
  def pos(self) -> torch.Tensor:
    """(N, P, 3) contact position [m], world frame."""
    return self._sensor.read("pos")

  @property
  def normal(self) -> torch.Tensor:
    """(N, P, 3) contact normal, world frame."""
    return self._sensor.read("normal")

  @property
  def tangent(self) -> torch.Tensor:
    """(N, P, 3) first tangent direction of the contact frame, world frame."""
    return self._sensor.read("tangent")


class ContactSensor:
  """Contacts of each primary object with the secondary, read from MuJoCo contact sensors
  (``data``), and with track_air_time each primary's air and contact times, per env step."""

  def __init__(
    self,
    name: str,
    cfg: ContactSensorCfg,
    primary_names: list[str],
    sim: Simulation,
    columns: slice,
  ) -> None:
    """``columns``: the sensordata columns of this sensor's MuJoCo sensors, one block of
    ``num_slots`` slots per primary (the scene takes them from the compiled model)."""
    self.name = name
    self.cfg = cfg
    self.primary_names = primary_names
    self._sim = sim
    self._columns = columns
    self._layout = _slot_layout(cfg.fields)
    slot_width = sum(width for _, width in self._layout.values())
    expected = len(primary_names) * cfg.num_slots * slot_width
    if columns.stop - columns.start != expected:
      raise ValueError(
        f"Contact sensor {name!r}: the compiled model gives it {columns.stop - columns.start} "
        f"sensordata columns, its fields {cfg.fields} need {expected}."
      )
    self.num_envs = sim.num_envs
    shape = (self.num_envs, len(primary_names))
    self.data = ContactData(self)
    if cfg.track_air_time:
      for field in (
        "current_air_time",
        "last_air_time",
        "current_contact_time",
        "last_contact_time",
      ):
        setattr(self.data, field, torch.zeros(shape, device=sim.device))

  @property
  def num_primaries(self) -> int:
    """P: the number of primary objects (e.g. the four feet)."""
    return len(self.primary_names)

  def read(self, field: str) -> torch.Tensor:
    """One contact field, current (see ContactData); a view of sensordata except netforce's
    force, which is negated."""
    if field not in self._layout:
      raise AttributeError(
        f"Contact sensor {self.name!r} does not report {field!r}; its fields are {self.cfg.fields}."
      )
    offset, width = self._layout[field]
    block = self._sim.sensordata[:, self._columns].view(
      self.num_envs, self.num_primaries, self.cfg.num_slots, -1
    )
    value = block[..., offset : offset + width]
    if width == 1:
      value = value.squeeze(-1)
    if field == "force" and self.cfg.reduce == "netforce":
      value = -value  # MuJoCo reports the force the primary exerts; we give the one it feels
    if self.cfg.num_slots == 1:
      value = value.squeeze(2)
    return value

  def update(self, dt: float) -> None:
    """After a physics step: advance the air/contact timers by ``dt``."""
    if not self.cfg.track_air_time:
      return
    found = self.data.found if self.cfg.num_slots == 1 else self.data.found[..., 0]
    in_contact = found > 0
    d = self.data
    landed = in_contact & (d.current_air_time > 0)
    lifted = ~in_contact & (d.current_contact_time > 0)
    d.last_air_time = torch.where(landed, d.current_air_time + dt, d.last_air_time)
    d.last_contact_time = torch.where(lifted, d.current_contact_time + dt, d.last_contact_time)
    d.current_air_time = torch.where(in_contact, 0.0, d.current_air_time + dt)
    d.current_contact_time = torch.where(in_contact, d.current_contact_time + dt, 0.0)

  def reset(self, env_ids: torch.Tensor | slice | None = None) -> None:
    """Zero the timers of some envs (None: all)."""
    if not self.cfg.track_air_time:
      return
    rows = slice(None) if env_ids is None else env_ids
    for t in (
      self.data.current_air_time,
      self.data.last_air_time,
      self.data.current_contact_time,
      self.data.last_contact_time,
    ):
      t[rows] = 0.0

  def _require_air_time(self) -> None:
    if not self.cfg.track_air_time:
      raise RuntimeError(f"Contact sensor {self.name!r} was built with track_air_time=False.")

  def compute_first_contact(self, dt: float, abs_tol: float = 1.0e-8) -> torch.Tensor:
    """(N, P) bool: the primary touched down during the last env step of length ``dt``.

    True for exactly one env step per landing."""
    self._require_air_time()
    return (self.data.current_contact_time > 0) & (self.data.current_contact_time < dt + abs_tol)

  def compute_first_air(self, dt: float, abs_tol: float = 1.0e-8) -> torch.Tensor:
    """(N, P) bool: the primary lifted off during the last env step. True for one step."""
    self._require_air_time()
    return (self.data.current_air_time > 0) & (self.data.current_air_time < dt + abs_tol)
