"""Unitree Go1 constants: motors, PD gains, stand pose, action scale and collision settings.

The gains follow from the motor, not from tuning: each joint's armature is the rotor's inertia
reflected through its gearbox, and the PD gains give that inertia a natural frequency of 10 Hz
with a damping ratio of 2 (overdamped: stiff enough to track, soft enough for contacts). The
policy's action a becomes the joint target q* = q_default + scale * a, the scale chosen so that a
unit action asks for a quarter of the motor's torque limit. The notebook's exercises N1-N3 derive
these numbers from the motor facts below; the kit keeps only the results.
"""

from __future__ import annotations

import math
from pathlib import Path

import mujoco

from trotlab.entity.actuator import PdPositionActuatorCfg
from trotlab.entity.config import CollisionCfg, EntityCfg, InitialStateCfg

GO1_XML: Path = Path(__file__).parent / "go1.xml"

# Motor facts (Unitree Go1 motor and gearbox).
ROTOR_INERTIA = 0.000111842  # kg m^2, rotor about its axis
HIP_GEAR_RATIO = 6.0  # hip abduction and hip flexion ("thigh") joints
KNEE_GEAR_RATIO = 9.0  # knee ("calf") joints: the same motor with an extra belt stage
HIP_EFFORT_LIMIT = 23.7  # N m
KNEE_EFFORT_LIMIT = 35.55  # N m
HIP_VELOCITY_LIMIT = 30.1  # rad/s
KNEE_VELOCITY_LIMIT = 20.06  # rad/s

# PD design: 10 Hz natural frequency, damping ratio 2 (the notebook's N1-N3 derive the numbers).
NATURAL_FREQUENCY = 2.0 * math.pi * 10.0  # rad/s
DAMPING_RATIO = 2.0
HIP_ARMATURE = 0.004026312  # kg m^2, the rotor reflected through the hip gearbox
KNEE_ARMATURE = 0.009059202  # kg m^2, the rotor reflected through the knee gearbox
HIP_STIFFNESS = 15.895242654143557  # N m / rad
HIP_DAMPING = 1.0119225760208341  # N m s / rad
KNEE_STIFFNESS = 35.76429597182301  # N m / rad
KNEE_DAMPING = 2.276825796046877  # N m s / rad

HIP_ACTUATOR = PdPositionActuatorCfg(
  joint_names_expr=(".*_hip_joint", ".*_thigh_joint"),
  stiffness=HIP_STIFFNESS,
  damping=HIP_DAMPING,
  effort_limit=HIP_EFFORT_LIMIT,
  armature=HIP_ARMATURE,
  velocity_limit=HIP_VELOCITY_LIMIT,
)
KNEE_ACTUATOR = PdPositionActuatorCfg(
  joint_names_expr=(".*_calf_joint",),
  stiffness=KNEE_STIFFNESS,
  damping=KNEE_DAMPING,
  effort_limit=KNEE_EFFORT_LIMIT,
  armature=KNEE_ARMATURE,
  velocity_limit=KNEE_VELOCITY_LIMIT,
)

# Stand pose: legs slightly splayed (left hips +0.1 rad, right hips -0.1 rad), knees bent.
STAND_TRUNK_HEIGHT = 0.278  # m
STAND_JOINT_POS = {
  ".*L_hip_joint": 0.1,
  ".*R_hip_joint": -0.1,
  ".*_thigh_joint": 0.9,
  ".*_calf_joint": -1.8,
}
INIT_STATE = InitialStateCfg(pos=(0.0, 0.0, STAND_TRUNK_HEIGHT), joint_pos=STAND_JOINT_POS)

# Action scale per joint group [rad of target offset per unit action] (the notebook's N3).
ACTION_SCALE: dict[str, float] = {
  ".*_hip_joint": 0.3727530386870487,
  ".*_thigh_joint": 0.3727530386870487,
  ".*_calf_joint": 0.24850202579136574,
}

FOOT_NAMES = ("FR", "FL", "RR", "RL")  # foot site names, also the prefixes of the legs
FOOT_GEOM_NAMES = tuple(f"{foot}_foot_collision" for foot in FOOT_NAMES)

# Collision settings: only the feet touch the ground (fast, the training default), or every
# collision geom does (needed to detect a trunk or knee hitting the ground).
FEET_ONLY_COLLISION = CollisionCfg(geom_names_expr=(r".*_foot_collision",))
FULL_COLLISION = CollisionCfg(geom_names_expr=(r".*_collision",))


def go1_spec() -> mujoco.MjSpec:
  """A fresh MjSpec of our Go1 (no actuators, no floor)."""
  return mujoco.MjSpec.from_file(str(GO1_XML))


def go1_entity_cfg(*, full_collision: bool = False) -> EntityCfg:
  """The Go1 as an entity: PD actuators, stand pose, feet-only (default) or full collisions."""
  return EntityCfg(
    spec_fn=go1_spec,
    init_state=INIT_STATE,
    actuators=(HIP_ACTUATOR, KNEE_ACTUATOR),
    collisions=(FULL_COLLISION if full_collision else FEET_ONLY_COLLISION,),
  )
