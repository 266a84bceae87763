"""Configuration of a simulated articulated entity (a robot): its model, actuators, contacts and
initial state."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import mujoco

from trotlab.entity.actuator import PdPositionActuatorCfg
from trotlab.utils.names import resolve_names


@dataclasses.dataclass(kw_only=True)
class InitialStateCfg:
  """The default (reset) state of an entity, relative to its env origin."""

  pos: tuple[float, float, float] = (0.0, 0.0, 0.0)
  """Root link position [m], world frame, relative to the env origin."""
  rot: tuple[float, float, float, float] = (1.0, 0.0, 0.0, 0.0)
  """Root link orientation, quaternion (w, x, y, z)."""
  lin_vel: tuple[float, float, float] = (0.0, 0.0, 0.0)
  """Root link linear velocity [m/s], world frame."""
  ang_vel: tuple[float, float, float] = (0.0, 0.0, 0.0)
  """Root link angular velocity [rad/s], world frame."""
  joint_pos: dict[str, float] = dataclasses.field(default_factory=lambda: {".*": 0.0})
  """Default joint positions [rad] as {regex: value}; every joint must be matched."""
  joint_vel: dict[str, float] = dataclasses.field(default_factory=lambda: {".*": 0.0})
  """Default joint velocities [rad/s] as {regex: value}; unmatched joints get 0."""


@dataclasses.dataclass(kw_only=True)
class CollisionCfg:
  """Which collision geoms touch the terrain.

  Geoms matching ``geom_names_expr`` get ``contype``/``conaffinity``; every other geom of the
  entity's collision class (group 3) is disabled. The terrain has contype 2 and conaffinity 1, so
  the defaults below (contype 1, conaffinity 2) make the selected geoms collide with the terrain
  and never with each other (no self-collisions).
  """

  geom_names_expr: tuple[str, ...]
  """Regular expressions (full match) of the geoms that collide."""
  contype: int = 1
  conaffinity: int = 2
  condim: int | None = None
  """Contact dimensionality override (None keeps the model's value)."""

  def apply(self, spec: mujoco.MjSpec, collision_group: int = 3) -> None:
    geoms = [g for g in spec.geoms if g.group == collision_group]
    names = [g.name for g in geoms]
    ids, _ = resolve_names(self.geom_names_expr, names, what="geom")
    selected = set(ids)
    for i, geom in enumerate(geoms):
      if i in selected:
        geom.contype, geom.conaffinity = self.contype, self.conaffinity
        if self.condim is not None:
          geom.condim = self.condim
      else:
        geom.contype, geom.conaffinity = 0, 0


@dataclasses.dataclass(kw_only=True)
class EntityCfg:
  """An articulated entity with a floating base."""

  spec_fn: Callable[[], mujoco.MjSpec]
  """Returns a fresh MjSpec of the entity (no actuators, no floor)."""
  init_state: InitialStateCfg = dataclasses.field(default_factory=InitialStateCfg)
  actuators: tuple[PdPositionActuatorCfg, ...] = ()
  """Every joint must be driven by exactly one actuator config."""
  collisions: tuple[CollisionCfg, ...] = ()
  """Applied in order; empty keeps the model's contype/conaffinity."""
  soft_joint_pos_limit_factor: float = 0.9
  """Soft limits span this fraction of each joint's range, centred on the range's middle."""

  def build_spec(self) -> mujoco.MjSpec:
    """The entity's MjSpec with actuators (one per joint, in joint order) and collisions applied."""
    spec = self.spec_fn()
    joint_names = [j.name for j in spec.joints if j.type != mujoco.mjtJoint.mjJNT_FREE]
    owner: dict[str, int] = {}
    for k, actuator in enumerate(self.actuators):
      _, matched = resolve_names(actuator.joint_names_expr, joint_names, what="joint")
      for name in matched:
        if name in owner:
          raise ValueError(
            f"Joint {name!r} is matched by actuator configs {owner[name]} and {k}; "
            "each joint needs exactly one."
          )
        owner[name] = k
    undriven = [n for n in joint_names if n not in owner]
    if self.actuators and undriven:
      raise ValueError(f"Joints without an actuator config: {undriven}")
    # Created in joint order, so that ctrl[:, i] is the target of joint i.
    for name in joint_names:
      if name in owner:
        self.actuators[owner[name]].add_to_spec(spec, name)
    for collision in self.collisions:
      collision.apply(spec)
    return spec
