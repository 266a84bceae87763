"""Scene: the robot, the terrain and the sensors of ``num_envs`` envs, built into one model.

Building a scene (1) takes the entity's MjSpec (actuators and collisions applied), (2) adds the
terrain, (3) adds frame sensors for every body and site of the entity (EntityData reads its body
and site kinematics from them) and the configured contact sensors, (4) compiles it into a
Simulation, and (5) puts every env's robot in its default state at its env origin.
"""

from __future__ import annotations

import dataclasses
import math

import mujoco
import torch

from trotlab.entity.config import EntityCfg
from trotlab.entity.data import SensorSlices
from trotlab.entity.entity import Entity
from trotlab.scene.terrain import TERRAIN_BODY, TERRAIN_GEOM, TerrainCfg
from trotlab.sensors.contact_sensor import (
  ContactSensor,
  ContactSensorCfg,
  add_contact_sensors,
  resolve_match,
)
from trotlab.sim import Simulation, SimulationCfg
from trotlab.sim.backend import EnvIds


@dataclasses.dataclass(kw_only=True)
class SceneCfg:
  num_envs: int = 1
  env_spacing: float = 2.0
  """Distance between neighbouring env origins on the grid [m]."""
  terrain: TerrainCfg = dataclasses.field(default_factory=TerrainCfg)
  entities: dict[str, EntityCfg] = dataclasses.field(default_factory=dict)
  """Exactly one entity (the robot), usually named "robot"."""
  sensors: dict[str, ContactSensorCfg] = dataclasses.field(default_factory=dict)


def grid_env_origins(num_envs: int, spacing: float) -> torch.Tensor:
  """(num_envs, 3) origins on a square grid centred on the world origin, z = 0."""
  cols = math.ceil(math.sqrt(num_envs))
  idx = torch.arange(num_envs)
  rows = math.ceil(num_envs / cols)
  x = (idx // cols).float() - (rows - 1) / 2
  y = (idx % cols).float() - (cols - 1) / 2
  return torch.stack((x * spacing, y * spacing, torch.zeros(num_envs)), dim=-1)


def _add_kinematics_sensors(
  spec: mujoco.MjSpec, bodies: list[str], sites: list[str]
) -> SensorSlices:
  """Frame sensors, grouped by kind so that each kind is one contiguous block of sensordata.

  Must be the first sensors of the model: the returned slices start at column 0."""
  xbody, site = mujoco.mjtObj.mjOBJ_XBODY, mujoco.mjtObj.mjOBJ_SITE
  blocks = (
    ("pos", mujoco.mjtSensor.mjSENS_FRAMEPOS, xbody, bodies, 3),
    ("quat", mujoco.mjtSensor.mjSENS_FRAMEQUAT, xbody, bodies, 4),
    ("linvel", mujoco.mjtSensor.mjSENS_FRAMELINVEL, xbody, bodies, 3),
    ("angvel", mujoco.mjtSensor.mjSENS_FRAMEANGVEL, xbody, bodies, 3),
    ("site_pos", mujoco.mjtSensor.mjSENS_FRAMEPOS, site, sites, 3),
    ("site_linvel", mujoco.mjtSensor.mjSENS_FRAMELINVEL, site, sites, 3),
  )
  slices, start = [], 0
  for label, sensor_type, objtype, names, width in blocks:
    for name in names:
      spec.add_sensor(name=f"kin/{label}/{name}", type=sensor_type, objtype=objtype, objname=name)
    slices.append(slice(start, start + width * len(names)))
    start += width * len(names)
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
    cfg.terrain.add_to_spec(spec)
    robot_bodies = [b.name for b in spec.bodies if b.name not in ("world", TERRAIN_BODY)]
    robot_sites = [s.name for s in spec.sites]
    slices = _add_kinematics_sensors(spec, robot_bodies, robot_sites)

    names_by_mode = {
      "geom": [g.name for g in spec.geoms if g.name != TERRAIN_GEOM],
      "body": robot_bodies,
      "subtree": robot_bodies,
    }
    terrain_names = {"geom": [TERRAIN_GEOM], "body": [TERRAIN_BODY], "subtree": [TERRAIN_BODY]}
    contact_layout = []
    column = slices.site_lin_vel.stop
    for sensor_name, sensor_cfg in cfg.sensors.items():
      primary = self._match_names(sensor_cfg.primary, entity_name, names_by_mode, terrain_names)
      secondary = None
      if sensor_cfg.secondary is not None:
        matches = self._match_names(sensor_cfg.secondary, entity_name, names_by_mode, terrain_names)
        if len(matches) != 1:
          raise ValueError(
            f"Contact sensor {sensor_name!r}: the secondary must match one object, got {matches}"
          )
        secondary = matches[0]
      width = add_contact_sensors(spec, sensor_name, sensor_cfg, primary, secondary)
      contact_layout.append(
        (sensor_name, sensor_cfg, primary, slice(column, column + width * len(primary)))
      )
      column += width * len(primary)

    self.sim = Simulation(sim_cfg or SimulationCfg(), spec, cfg.num_envs)
    self.env_origins = grid_env_origins(cfg.num_envs, cfg.env_spacing).to(self.sim.device)
    self.entities = {entity_name: Entity(entity_cfg, self.sim, self.env_origins, slices)}
    self.sensors = {
      name: ContactSensor(name, sensor_cfg, primary, self.sim.sensordata, cols)
      for name, sensor_cfg, primary, cols in contact_layout
    }
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

  def __getitem__(self, key: str) -> Entity | ContactSensor:
    if key in self.entities:
      return self.entities[key]
    if key in self.sensors:
      return self.sensors[key]
    raise KeyError(
      f"Scene has no entity or sensor {key!r}. Entities: {list(self.entities)}; "
      f"sensors: {list(self.sensors)}."
    )

  @property
  def device(self) -> torch.device:
    return self.sim.device

  def reset(self, env_ids: EnvIds = None) -> None:
    """Put the robots of some envs (None: all) in their default state; reset sensor timers."""
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

  def update(self, dt: float) -> None:
    """After a simulation step of ``dt`` seconds: refresh sensor data and timers."""
    for sensor in self.sensors.values():
      sensor.update(dt)
