"""Batched quaternion and frame math on torch tensors.

Quaternions are (w, x, y, z), unit length, and rotate vectors from the body frame to the world
frame: v_w = quat_apply(q_wb, v_b). All functions broadcast over leading dimensions.
"""

from __future__ import annotations

import torch


def quat_conjugate(q: torch.Tensor) -> torch.Tensor:
  """Inverse of a unit quaternion. (..., 4) -> (..., 4)."""
  return torch.cat((q[..., :1], -q[..., 1:]), dim=-1)


def quat_mul(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
  """Hamilton product a * b (apply b, then a). (..., 4), (..., 4) -> (..., 4)."""
  aw, ax, ay, az = a.unbind(-1)
  bw, bx, by, bz = b.unbind(-1)
  return torch.stack(
    (
      aw * bw - ax * bx - ay * by - az * bz,
      aw * bx + ax * bw + ay * bz - az * by,
      aw * by - ax * bz + ay * bw + az * bx,
      aw * bz + ax * by - ay * bx + az * bw,
    ),
    dim=-1,
  )


def quat_apply(q: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
  """Rotate v by q: body frame -> world frame. (..., 4), (..., 3) -> (..., 3)."""
  w, xyz = q[..., :1], q[..., 1:]
  t = 2.0 * torch.cross(xyz, v, dim=-1)
  return v + w * t + torch.cross(xyz, t, dim=-1)


def quat_apply_inverse(q: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
  """Rotate v by the inverse of q: world frame -> body frame. (..., 4), (..., 3) -> (..., 3)."""
  w, xyz = q[..., :1], q[..., 1:]
  t = 2.0 * torch.cross(xyz, v, dim=-1)
  return v - w * t + torch.cross(xyz, t, dim=-1)


def quat_from_euler_xyz(roll: torch.Tensor, pitch: torch.Tensor, yaw: torch.Tensor) -> torch.Tensor:
  """Quaternion of intrinsic z-y'-x'' rotations (yaw, then pitch, then roll). (...) -> (..., 4)."""
  cr, sr = torch.cos(roll * 0.5), torch.sin(roll * 0.5)
  cp, sp = torch.cos(pitch * 0.5), torch.sin(pitch * 0.5)
  cy, sy = torch.cos(yaw * 0.5), torch.sin(yaw * 0.5)
  return torch.stack(
    (
      cy * cr * cp + sy * sr * sp,
      cy * sr * cp - sy * cr * sp,
      cy * cr * sp + sy * sr * cp,
      sy * cr * cp - cy * sr * sp,
    ),
    dim=-1,
  )


def yaw_from_quat(q: torch.Tensor) -> torch.Tensor:
  """Heading: the world-frame angle of the body x axis projected on the ground plane.

  (..., 4) -> (...), in (-pi, pi].
  """
  w, x, y, z = q.unbind(-1)
  return torch.atan2(2.0 * (w * z + x * y), 1.0 - 2.0 * (y * y + z * z))


def wrap_to_pi(angle: torch.Tensor) -> torch.Tensor:
  """Wrap angles to [-pi, pi) (pi itself maps to -pi)."""
  return torch.remainder(angle + torch.pi, 2 * torch.pi) - torch.pi
