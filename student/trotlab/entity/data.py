"""EntityData: the batched state of one entity, as the MDP terms see it.

Every tensor is float32 on the simulation device with the env index first. Frames: ``_w`` is the
world frame, ``_b`` the root link's (trunk's) body frame. Quaternions are (w, x, y, z).

Sources:
- Root link pose and twist: straight from qpos / qvel of the free joint (MuJoCo stores the free
  joint's linear velocity in the world frame and its angular velocity in the body frame).
- Joints: qpos / qvel, in the entity's joint order.
- Bodies and sites: MuJoCo frame sensors that the scene adds when it is built, so the backend
  computes them in C with the physics. As with every MuJoCo sensor read after mj_step, they
  describe the state at the start of the last physics substep (5 ms before the root and joint
  values); after a reset or state write they describe the written state (the Simulation
  recomputes them when they are first read, see trotlab.sim.simulation).

Properties are views or a few vectorised torch ops, computed when read; read them freely.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import torch

from trotlab.utils.math import quat_apply, quat_apply_inverse, yaw_from_quat

if TYPE_CHECKING:
  from trotlab.sim.simulation import Simulation


@dataclasses.dataclass
class SensorSlices:
  """Where the entity's kinematics sensors sit in sensordata (filled in by the scene)."""

  body_pos: slice
  body_quat: slice
  body_lin_vel: slice
  body_ang_vel: slice
  site_pos: slice
  site_lin_vel: slice
  body_names: list[str]
  site_names: list[str]


class EntityData:
  def __init__(
    self,
    *,
    sim: Simulation,
    slices: SensorSlices,
    num_bodies: int,
    num_sites: int,
    default_root_state: torch.Tensor,
    default_joint_pos: torch.Tensor,
    default_joint_vel: torch.Tensor,
    joint_pos_limits: torch.Tensor,
    soft_joint_pos_limits: torch.Tensor,
  ) -> None:
    # qpos / qvel are the state itself, always current. Sensor data is derived: it is read
    # through the Simulation on every access, which first forwards envs written since the step.
    self._qpos = sim.qpos
    self._qvel = sim.qvel
    self._sim = sim
    self._slices = slices
    self._num_bodies = num_bodies
    self._num_sites = num_sites
    self.gravity_vec_w = torch.tensor([0.0, 0.0, -1.0], device=sim.device).repeat(sim.num_envs, 1)
    """(N, 3) unit vector of gravity, world frame."""
    self.default_root_state = default_root_state
    """(N, 13) pos (3, world, env origin included), quat (4), lin vel (3, world), ang vel (3, world)."""
    self.default_joint_pos = default_joint_pos
    """(N, J) stand pose [rad]."""
    self.default_joint_vel = default_joint_vel
    """(N, J) [rad/s]."""
    self.joint_pos_limits = joint_pos_limits
    """(N, J, 2) hard limits (lower, upper) [rad] from the model."""
    self.soft_joint_pos_limits = soft_joint_pos_limits
    """(N, J, 2) soft limits: the hard range shrunk about its middle by the entity's factor."""

  # Root link (trunk) ---------------------------------------------------------------------------

  @property
  def root_link_pos_w(self) -> torch.Tensor:
    """(N, 3) trunk origin position [m], world frame."""
    return self._qpos[:, 0:3]

  @property
  def root_link_quat_w(self) -> torch.Tensor:
    """(N, 4) trunk orientation (w, x, y, z), body -> world."""
    return self._qpos[:, 3:7]

  @property
  def root_link_pose_w(self) -> torch.Tensor:
    """(N, 7) position and quaternion."""
    return self._qpos[:, 0:7]

  @property
  def root_link_lin_vel_w(self) -> torch.Tensor:
    """(N, 3) trunk origin linear velocity [m/s], world frame."""
    return self._qvel[:, 0:3]

  @property
  def root_link_ang_vel_b(self) -> torch.Tensor:
    """(N, 3) trunk angular velocity [rad/s], body frame."""
    return self._qvel[:, 3:6]

  @property
  def root_link_lin_vel_b(self) -> torch.Tensor:
    """(N, 3) trunk origin linear velocity [m/s], body frame."""
    return quat_apply_inverse(self.root_link_quat_w, self.root_link_lin_vel_w)

  @property
  def root_link_ang_vel_w(self) -> torch.Tensor:
    """(N, 3) trunk angular velocity [rad/s], world frame."""
    return quat_apply(self.root_link_quat_w, self.root_link_ang_vel_b)

  @property
  def root_link_vel_w(self) -> torch.Tensor:
    """(N, 6) linear then angular velocity, world frame."""
    return torch.cat((self.root_link_lin_vel_w, self.root_link_ang_vel_w), dim=-1)

  @property
  def projected_gravity_b(self) -> torch.Tensor:
    """(N, 3) unit gravity direction in the body frame; (0, 0, -1) when the trunk is level."""
    return quat_apply_inverse(self.root_link_quat_w, self.gravity_vec_w)

  @property
  def heading_w(self) -> torch.Tensor:
    """(N,) yaw of the trunk's x axis in the world frame [rad], in (-pi, pi]."""
    return yaw_from_quat(self.root_link_quat_w)

  # Joints --------------------------------------------------------------------------------------

  @property
  def joint_pos(self) -> torch.Tensor:
    """(N, J) joint positions [rad]."""
    return self._qpos[:, 7:]

  @property
  def joint_vel(self) -> torch.Tensor:
    """(N, J) joint velocities [rad/s]."""
    return self._qvel[:, 6:]

  # Bodies and sites (from frame sensors) -------------------------------------------------------

  def _rows(self, sl: slice, count: int, width: int) -> torch.Tensor:
    return self._sim.sensordata[:, sl].view(-1, count, width)

  @property
  def body_link_pos_w(self) -> torch.Tensor:
    """(N, B, 3) body frame origins [m], world frame, in the entity's body order."""
    return self._rows(self._slices.body_pos, self._num_bodies, 3)

  @property
  def body_link_quat_w(self) -> torch.Tensor:
    """(N, B, 4) body orientations (w, x, y, z)."""
    return self._rows(self._slices.body_quat, self._num_bodies, 4)

  @property
  def body_link_lin_vel_w(self) -> torch.Tensor:
    """(N, B, 3) linear velocity of each body frame origin [m/s], world frame."""
    return self._rows(self._slices.body_lin_vel, self._num_bodies, 3)

  @property
  def body_link_ang_vel_w(self) -> torch.Tensor:
    """(N, B, 3) angular velocity of each body [rad/s], world frame."""
    return self._rows(self._slices.body_ang_vel, self._num_bodies, 3)

  @property
  def site_pos_w(self) -> torch.Tensor:
    """(N, S, 3) site positions [m], world frame (e.g. the feet FR, FL, RR, RL)."""
    return self._rows(self._slices.site_pos, self._num_sites, 3)

  @property
  def site_lin_vel_w(self) -> torch.Tensor:
    """(N, S, 3) site linear velocities [m/s], world frame."""
    return self._rows(self._slices.site_lin_vel, self._num_sites, 3)
