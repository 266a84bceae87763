"""Unitree Go1 constants: motors, PD gains, stand pose, action scale and collision settings.

The gains follow from the motor, not from tuning. A Go1 joint is driven by a motor with rotor
inertia J_rotor through a gearbox of ratio N, so the joint sees a reflected inertia

    J = J_rotor * N^2                      (MuJoCo: joint armature)

and a PD loop on that inertia behaves like a second-order system with natural frequency w and
damping ratio zeta when

    kp = J * w^2,     kd = 2 * zeta * J * w.

We use w = 2 pi * 10 Hz and zeta = 2 (overdamped): stiff enough to track, soft enough for
contacts. The policy's action a is turned into a joint target q* = q_default + scale * a with
scale = 0.25 * effort_limit / kp, so that a unit action asks for a quarter of the motor's torque.
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

# PD design.
NATURAL_FREQUENCY = 2.0 * math.pi * 10.0  # rad/s
DAMPING_RATIO = 2.0


def reflected_inertia(rotor_inertia: float, gear_ratio: float) -> float:
  """Inertia of a rotor seen at the joint through a gearbox: J_rotor * N^2 [kg m^2]."""
  return rotor_inertia * gear_ratio**2


def pd_gains(inertia: float, natural_frequency: float, damping_ratio: float) -> tuple[float, float]:
  """(kp, kd) that give a joint of this inertia the wanted natural frequency and damping."""
  return inertia * natural_frequency**2, 2.0 * damping_ratio * inertia * natural_frequency


HIP_ARMATURE = reflected_inertia(ROTOR_INERTIA, HIP_GEAR_RATIO)
KNEE_ARMATURE = reflected_inertia(ROTOR_INERTIA, KNEE_GEAR_RATIO)
HIP_STIFFNESS, HIP_DAMPING = pd_gains(HIP_ARMATURE, NATURAL_FREQUENCY, DAMPING_RATIO)
KNEE_STIFFNESS, KNEE_DAMPING = pd_gains(KNEE_ARMATURE, NATURAL_FREQUENCY, DAMPING_RATIO)

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

# Action scale per joint group: 0.25 * effort / kp [rad per unit action].
ACTION_SCALE: dict[str, float] = {
  ".*_hip_joint": 0.25 * HIP_EFFORT_LIMIT / HIP_STIFFNESS,
  ".*_thigh_joint": 0.25 * HIP_EFFORT_LIMIT / HIP_STIFFNESS,
  ".*_calf_joint": 0.25 * KNEE_EFFORT_LIMIT / KNEE_STIFFNESS,
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
