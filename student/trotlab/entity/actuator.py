"""Joint-space PD position actuators, built into an MjSpec from config dataclasses.

MuJoCo's position actuator computes, per joint,

    tau = clip(kp * (q_target - q) - kd * qdot, -effort_limit, effort_limit)

with the gains in ``gainprm`` / ``biasprm`` (``gain = kp``, ``bias = [0, -kp, -kd]``). The motor's
reflected rotor inertia is added to the joint as ``armature``. Targets are the actuator controls
(``MjData.ctrl``), in radians, one per joint, in the entity's joint order.
"""

from __future__ import annotations

import dataclasses

import mujoco


@dataclasses.dataclass(kw_only=True)
class PdPositionActuatorCfg:
  """A PD position actuator applied to every joint whose name matches one of the patterns."""

  joint_names_expr: tuple[str, ...]
  """Regular expressions (full match) selecting the joints this actuator drives."""
  stiffness: float
  """Proportional gain kp [N m / rad]."""
  damping: float
  """Derivative gain kd [N m s / rad]."""
  effort_limit: float
  """Symmetric torque limit [N m]; MuJoCo clips the actuator force to it."""
  armature: float = 0.0
  """Reflected rotor inertia added to the joint [kg m^2]."""
  frictionloss: float = 0.0
  """Dry joint friction [N m]."""
  velocity_limit: float | None = None
  """Joint speed limit [rad/s]; informational (MuJoCo's position actuator does not enforce it)."""

  def add_to_spec(self, spec: mujoco.MjSpec, joint_name: str) -> None:
    """Add this actuator for one joint and set the joint's armature and friction."""
    joint = spec.joint(joint_name)
    joint.armature = self.armature
    joint.frictionloss = self.frictionloss
    act = spec.add_actuator(name=joint_name, target=joint_name, trntype=mujoco.mjtTrn.mjTRN_JOINT)
    act.gaintype = mujoco.mjtGain.mjGAIN_FIXED
    act.biastype = mujoco.mjtBias.mjBIAS_AFFINE
    act.gainprm[0] = self.stiffness
    act.biasprm[0:3] = [0.0, -self.stiffness, -self.damping]
    act.forcelimited = mujoco.mjtLimited.mjLIMITED_TRUE
    act.forcerange[:] = [-self.effort_limit, self.effort_limit]
    act.ctrllimited = mujoco.mjtLimited.mjLIMITED_FALSE
