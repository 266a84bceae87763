"""Scene: the robot, the terrain and the sensors of ``num_envs`` envs, built into one model.

Building a scene (1) takes the entity's MjSpec (actuators and collisions applied), (2) adds the
terrain (a plane or a generated height field), (3) adds frame sensors for every body and site of
the entity (EntityData reads its body and site kinematics from them) and the configured contact
sensors, (4) compiles it into a Simulation and takes every sensor's sensordata columns from the
compiled model (sensor_adr, sensor_dim), (5) adds the height scans (rays cast at run time), and
(6) puts every env's robot in its default state at its env origin.
"""

from __future__ import annotations

import dataclasses

import mujoco
import torch

from trotlab.entity.config import EntityCfg
from trotlab.entity.data import SensorSlices
from trotlab.entity.entity import Entity
from trotlab.scene.terrain import TERRAIN_BODY, TERRAIN_GEOM, Terrain, TerrainCfg
from trotlab.sensors.contact_sensor import (
  ContactSensor,
  ContactSensorCfg,
  add_contact_sensors,
  resolve_match,
)
from trotlab.sensors.height_scan import HeightScan, HeightScanCfg
from trotlab.sim import EnvIds, Simulation, SimulationCfg
from trotlab.utils.names import NAMES_COME_FROM_PARAMETERS


@dataclasses.dataclass(kw_only=True)
class SceneCfg:
  num_envs: int = 1
  env_spacing: float = 2.0
  """Distance between neighbouring env origins on the grid of the flat terrain [m] (a generated
  terrain puts each env on a tile of its own)."""
  terrain: TerrainCfg = dataclasses.field(default_factory=TerrainCfg)
  entities: dict[str, EntityCfg] = dataclasses.field(default_factory=dict)
  """Exactly one entity (the robot), usually named "robot"."""
  sensors: dict[str, ContactSensorCfg | HeightScanCfg] = dataclasses.field(default_factory=dict)
  """Contact sensors (MuJoCo sensors added to the model) and height scans (rays cast at run
  time), by name."""


_KINEMATICS = (
  # label (sensor name prefix), sensor type, on bodies or sites, sensordata width
  ("pos", mujoco.mjtSensor.mjSENS_FRAMEPOS, "body", 3),
  ("quat", mujoco.mjtSensor.mjSENS_FRAMEQUAT, "body", 4),
  ("linvel", mujoco.mjtSensor.mjSENS_FRAMELINVEL, "body", 3),
  ("angvel", mujoco.mjtSensor.mjSENS_FRAMEANGVEL, "body", 3),
  ("site_pos", mujoco.mjtSensor.mjSENS_FRAMEPOS, "site", 3),
  ("site_linvel", mujoco.mjtSensor.mjSENS_FRAMELINVEL, "site", 3),
)
"""The frame sensors EntityData reads, one block per row, in SensorSlices' field order."""


def _add_kinematics_sensors(spec: mujoco.MjSpec, bodies: list[str], sites: list[str]) -> None:
  """Frame sensors, grouped by kind so that each kind is one contiguous block of sensordata."""
  objtypes = {"body": mujoco.mjtObj.mjOBJ_XBODY, "site": mujoco.mjtObj.mjOBJ_SITE}
  names = {"body": bodies, "site": sites}
  for label, sensor_type, on, _ in _KINEMATICS:
    for name in names[on]:
      spec.add_sensor(
        name=f"kin/{label}/{name}", type=sensor_type, objtype=objtypes[on], objname=name
      )


def sensor_columns(model: mujoco.MjModel, names: list[str], width: int) -> slice:
  """The sensordata columns of the named sensors of a compiled model (its sensor_adr and
  sensor_dim). They must be adjacent, in this order, each ``width`` wide: a reader views them as
  one (len(names), width) block. Raises ValueError otherwise."""
  if not names:
    return slice(0, 0)
  ids = [model.sensor(name).id for name in names]
  adr, dim = model.sensor_adr[ids], model.sensor_dim[ids]
  if (dim != width).any() or (adr[1:] != adr[:-1] + width).any():
    raise ValueError(
      f"Sensors {names[0]!r}..{names[-1]!r} are not one block of {len(names)} x {width} "
      f"sensordata columns in the compiled model (sensor_adr {adr.tolist()}, "
      f"sensor_dim {dim.tolist()})."
    )
  return slice(int(adr[0]), int(adr[0]) + width * len(names))


def _kinematics_slices(model: mujoco.MjModel, bodies: list[str], sites: list[str]) -> SensorSlices:
  names = {"body": bodies, "site": sites}
  slices = [
    sensor_columns(model, [f"kin/{label}/{name}" for name in names[on]], width)
    for label, _, on, width in _KINEMATICS
  ]
  return SensorSlices(*slices, body_names=list(bodies), site_names=list(sites))


class Scene:
  def __init__(self, cfg: SceneCfg, sim_cfg: SimulationCfg | None = None) -> None:
    if len(cfg.entities) != 1:
      raise ValueError(
        f"A trotlab scene holds exactly one entity (the robot); got {list(cfg.entities)}."
      )
    self.cfg = cfg
    self.num_envs = cfg.num_envs
    ((entity_name, entity_cfg),) = cfg.entities.items()
    spec = entity_cfg.build_spec()
    if spec.sensors:
      raise ValueError("The entity's MJCF must not define sensors; the scene adds them.")
    self.terrain = Terrain(cfg.terrain)
    self.terrain.add_to_spec(spec)
    robot_bodies = [b.name for b in spec.bodies if b.name not in ("world", TERRAIN_BODY)]
    robot_sites = [s.name for s in spec.sites]
    _add_kinematics_sensors(spec, robot_bodies, robot_sites)

    names_by_mode = {
      "geom": [g.name for g in spec.geoms if g.name != TERRAIN_GEOM],
      "body": robot_bodies,
      "subtree": robot_bodies,
    }
    terrain_names = {"geom": [TERRAIN_GEOM], "body": [TERRAIN_BODY], "subtree": [TERRAIN_BODY]}
    contact_layout = []
    contact_cfgs = {n: c for n, c in cfg.sensors.items() if isinstance(c, ContactSensorCfg)}
    for sensor_name, sensor_cfg in contact_cfgs.items():
      primary = self._match_names(sensor_cfg.primary, entity_name, names_by_mode, terrain_names)
      secondary = None
      if sensor_cfg.secondary is not None:
        matches = self._match_names(sensor_cfg.secondary, entity_name, names_by_mode, terrain_names)
        if len(matches) != 1:
          raise ValueError(
            f"Contact sensor {sensor_name!r}: the secondary must match one object, got {matches}"
          )
        secondary = matches[0]
      mj_names = add_contact_sensors(spec, sensor_name, sensor_cfg, primary, secondary)
      contact_layout.append((sensor_name, sensor_cfg, primary, mj_names))

    self.sim = Simulation(sim_cfg or SimulationCfg(), spec, cfg.num_envs)
    # Sensordata columns come from the compiled model, never from counting what we added.
    model = self.sim.mj_model
    slices = _kinematics_slices(model, robot_bodies, robot_sites)
    self.env_origins = self.terrain.init_env_origins(cfg.num_envs, cfg.env_spacing, self.sim.device)
    self.entities = {entity_name: Entity(entity_cfg, self.sim, self.env_origins, slices)}
    self.sensors = {}
    for name, sensor_cfg, primary, mj_names in contact_layout:
      width = int(model.sensor_dim[model.sensor(mj_names[0]).id])
      columns = sensor_columns(model, mj_names, width)
      self.sensors[name] = ContactSensor(name, sensor_cfg, primary, self.sim, columns)
    for name, sensor_cfg in cfg.sensors.items():
      if isinstance(sensor_cfg, HeightScanCfg):
        robot = self.entities[entity_name]
        self.sensors[name] = HeightScan(name, sensor_cfg, robot, self.sim)
    self.reset()

  @staticmethod
  def _match_names(match, entity_name, names_by_mode, terrain_names) -> list[str]:
    if match.entity is None:
      return resolve_match(match, terrain_names[match.mode], match.mode)
    if match.entity != entity_name:
      raise KeyError(
        f"Contact match refers to entity {match.entity!r}; the scene has {entity_name!r}."
      )
    return resolve_match(match, names_by_mode[match.mode], match.mode)

  def __getitem__(self, key: str) -> Entity | ContactSensor | HeightScan:
    if key in self.entities:
      return self.entities[key]
    if key in self.sensors:
      return self.sensors[key]
    raise KeyError(
      f"Scene has no entity or sensor {key!r}. Entities: {list(self.entities)}; "
      f"sensors: {list(self.sensors)}. {NAMES_COME_FROM_PARAMETERS}"
    )

  @property
  def device(self) -> torch.device:
    return self.sim.device

  def reset(self, env_ids: EnvIds = None) -> None:
    """Put the robots of some envs (None: all) in their default state; reset sensor timers.
    The state writes are staged: the sensors follow when next read (see trotlab.sim)."""
    rows = slice(None) if env_ids is None else env_ids
    for entity in self.entities.values():
      data = entity.data
      entity.write_root_state_to_sim(data.default_root_state[rows], env_ids)
      entity.write_joint_state_to_sim(
        data.default_joint_pos[rows], data.default_joint_vel[rows], env_ids
      )
      ctrl = self.sim.ctrl.clone()
      ctrl[rows] = data.default_joint_pos[rows]
      entity.set_joint_position_target(ctrl)
    for sensor in self.sensors.values():
      sensor.reset(rows)

  def move_terrain_levels(
    self, env_ids: torch.Tensor, move_up: torch.Tensor, move_down: torch.Tensor
  ) -> None:
    """Move envs one terrain level up or down (see Terrain.update_env_origins); their robots'
    default root states follow their new origins (applied at their next reset)."""
    self.terrain.update_env_origins(env_ids, move_up, move_down)
    for entity in self.entities.values():
      entity.follow_env_origins(env_ids)

  def set_terrain_levels(self, env_ids: torch.Tensor, levels: torch.Tensor) -> None:
    """Put envs on given terrain levels (Terrain.set_levels); their robots' default root states
    follow, as for ``move_terrain_levels``."""
    self.terrain.set_levels(env_ids, levels)
    for entity in self.entities.values():
      entity.follow_env_origins(env_ids)

  def update(self, dt: float) -> None:
    """After a simulation step of ``dt`` seconds: refresh sensor data and timers."""
    for sensor in self.sensors.values():
      sensor.update(dt)
