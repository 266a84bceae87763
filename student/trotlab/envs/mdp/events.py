"""Generic events: randomized resets, pushes, and per-env physical parameters.

Event functions take (env, env_ids, **params); env_ids is None for start-up events (all envs).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from trotlab.managers.scene_entity_cfg import SceneEntityCfg
from trotlab.utils.math import quat_from_euler_xyz, quat_mul

if TYPE_CHECKING:
  from trotlab.envs.manager_based_rl_env import ManagerBasedRlEnv

_ROBOT = SceneEntityCfg("robot")
_POSE_KEYS = ("x", "y", "z", "roll", "pitch", "yaw")


def _all_ids(env: ManagerBasedRlEnv, env_ids: torch.Tensor | None) -> torch.Tensor:
  return torch.arange(env.num_envs, device=env.device) if env_ids is None else env_ids


def _uniform(
  ranges: dict[str, tuple[float, float]], keys: tuple[str, ...], n: int, device
) -> torch.Tensor:
  """(n, len(keys)) samples; keys missing from ``ranges`` are 0."""
  unknown = set(ranges) - set(keys)
  if unknown:
    raise ValueError(f"Unknown range keys {sorted(unknown)}; use {list(keys)}")
  lo = torch.tensor([ranges.get(k, (0.0, 0.0))[0] for k in keys], device=device)
  hi = torch.tensor([ranges.get(k, (0.0, 0.0))[1] for k in keys], device=device)
  return lo + (hi - lo) * torch.rand(n, len(keys), device=device)


def reset_root_state_uniform(
  env: ManagerBasedRlEnv,
  env_ids: torch.Tensor | None,
  pose_range: dict[str, tuple[float, float]],
  velocity_range: dict[str, tuple[float, float]] | None = None,
  asset_cfg: SceneEntityCfg = _ROBOT,
) -> None:
  """Default root state (at the env origin) plus uniform offsets.

  pose_range keys x, y, z [m] and roll, pitch, yaw [rad] (applied after the default
  orientation, world axes); velocity_range keys x, y, z [m/s], roll, pitch, yaw [rad/s], world
  frame."""
  ids = _all_ids(env, env_ids)
  robot = env.scene[asset_cfg.name]
  state = robot.data.default_root_state[ids].clone()
  pose = _uniform(pose_range, _POSE_KEYS, len(ids), env.device)
  state[:, 0:3] += pose[:, 0:3]
  delta = quat_from_euler_xyz(pose[:, 3], pose[:, 4], pose[:, 5])
  state[:, 3:7] = quat_mul(delta, state[:, 3:7])
  state[:, 7:13] += _uniform(velocity_range or {}, _POSE_KEYS, len(ids), env.device)
  robot.write_root_state_to_sim(state, ids)


def reset_joints_by_offset(
  env: ManagerBasedRlEnv,
  env_ids: torch.Tensor | None,
  position_range: tuple[float, float],
  velocity_range: tuple[float, float] = (0.0, 0.0),
  asset_cfg: SceneEntityCfg = _ROBOT,
) -> None:
  """Default joint state plus U(range) offsets [rad, rad/s], clamped to the soft limits."""
  ids = _all_ids(env, env_ids)
  robot = env.scene[asset_cfg.name]
  data = robot.data
  cols = asset_cfg.joint_ids
  pos = data.default_joint_pos[ids][:, cols].clone()
  vel = data.default_joint_vel[ids][:, cols].clone()
  pos += torch.empty_like(pos).uniform_(*position_range)
  vel += torch.empty_like(vel).uniform_(*velocity_range)
  limits = data.soft_joint_pos_limits[ids][:, cols]
  pos = pos.clamp(limits[..., 0], limits[..., 1])
  robot.write_joint_state_to_sim(pos, vel, ids, None if cols == slice(None) else cols)


def push_by_setting_velocity(
  env: ManagerBasedRlEnv,
  env_ids: torch.Tensor | None,
  velocity_range: dict[str, tuple[float, float]],
  asset_cfg: SceneEntityCfg = _ROBOT,
) -> None:
  """Add a uniform random twist (world frame; keys as in reset_root_state_uniform)."""
  ids = _all_ids(env, env_ids)
  robot = env.scene[asset_cfg.name]
  twist = robot.data.root_link_vel_w[ids] + _uniform(
    velocity_range, _POSE_KEYS, len(ids), env.device
  )
  robot.write_root_velocity_to_sim(twist, ids)


def randomize_field(
  env: ManagerBasedRlEnv,
  env_ids: torch.Tensor | None,
  field: str,
  ranges: tuple[float, float],
  asset_cfg: SceneEntityCfg,
  axes: tuple[int, ...] = (0,),
  operation: str = "abs",
) -> None:
  """Draw a per-env value of a model field for the selected geoms (e.g. foot friction).

  Args:
    field: an MjModel geom field, e.g. "geom_friction" (axis 0: sliding friction).
    ranges: U(lo, hi) for "abs" (set) or "scale" (multiply the model's nominal value).
    asset_cfg: the entity and its geom_names.
  """
  if operation not in ("abs", "scale"):
    raise ValueError(f"randomize_field: operation must be 'abs' or 'scale', got {operation!r}")
  ids = _all_ids(env, env_ids)
  robot = env.scene[asset_cfg.name]
  local = (
    asset_cfg.geom_ids if asset_cfg.geom_ids != slice(None) else list(range(len(robot.geom_names)))
  )
  geoms = torch.tensor([robot.geom_model_ids[i] for i in local])
  values = env.sim.model_field(field)
  nominal = torch.as_tensor(getattr(env.sim.mj_model, field))
  ids_cpu = ids.cpu()
  for axis in axes:
    draw = torch.empty(len(ids_cpu), len(geoms), dtype=values.dtype).uniform_(*ranges)
    if operation == "scale":
      draw = draw * nominal[geoms, axis].to(values.dtype)
    # drawn on the CPU (the same numbers on every device), written where the field lives
    rows, cols = ids_cpu.to(values.device).unsqueeze(1), geoms.to(values.device).unsqueeze(0)
    values[rows, cols, axis] = draw.to(values.device)
