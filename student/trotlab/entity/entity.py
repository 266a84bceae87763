"""Entity: one floating-base articulated robot in every env, with name lookups and state writes."""

from __future__ import annotations

from collections.abc import Sequence

import mujoco
import torch

from trotlab.entity.config import EntityCfg
from trotlab.entity.data import EntityData, SensorSlices
from trotlab.sim import EnvIds, Simulation
from trotlab.utils.math import quat_apply_inverse
from trotlab.utils.names import resolve_names, resolve_values


class Entity:
  """A robot whose free joint is the model's first joint and whose actuators drive its joints
  one-to-one, in joint order (as ``EntityCfg.build_spec`` makes them).

  Attributes:
    joint_names: hinge joints in qpos order (the free joint excluded).
    body_names: bodies of the robot, root (trunk) first.
    site_names, geom_names: the robot's sites and geoms, in model order.
    data: the batched state (see EntityData).
  """

  def __init__(
    self,
    cfg: EntityCfg,
    sim: Simulation,
    env_origins: torch.Tensor,
    sensor_slices: SensorSlices,
  ) -> None:
    self.cfg = cfg
    self._sim = sim
    model = sim.mj_model
    if model.njnt == 0 or model.jnt_type[0] != mujoco.mjtJoint.mjJNT_FREE:
      raise ValueError("An Entity needs a free joint as the model's first joint.")
    root = int(model.jnt_bodyid[0])
    bodies = [i for i in range(model.nbody) if model.body_rootid[i] == root]
    self.joint_names = [model.joint(i).name for i in range(1, model.njnt)]
    self.body_names = [model.body(i).name for i in bodies]
    self.site_names = [
      model.site(i).name for i in range(model.nsite) if model.site_bodyid[i] in bodies
    ]
    self.geom_model_ids = [i for i in range(model.ngeom) if model.geom_bodyid[i] in bodies]
    """Model geom index of each of the entity's geoms (for per-env model fields)."""
    self.geom_names = [model.geom(i).name for i in self.geom_model_ids]
    if (self.body_names, self.site_names) != (sensor_slices.body_names, sensor_slices.site_names):
      raise ValueError("The scene's kinematics sensors do not follow the entity's body/site order.")
    self.num_envs = sim.num_envs
    self.device = sim.device
    if model.nu != len(self.joint_names):
      raise ValueError(
        f"Expected one actuator per joint ({len(self.joint_names)}), found {model.nu}."
      )
    self._env_origins = env_origins
    self.data = EntityData(
      sim=sim,
      slices=sensor_slices,
      num_bodies=len(self.body_names),
      num_sites=len(self.site_names),
      default_root_state=self._default_root_state(),
      default_joint_pos=self._per_env(
        resolve_values(cfg.init_state.joint_pos, self.joint_names, what="joint")
      ),
      default_joint_vel=self._per_env(
        resolve_values(cfg.init_state.joint_vel, self.joint_names, what="joint", default=0.0)
      ),
      joint_pos_limits=self._per_env(model.jnt_range[1:].tolist()),
      soft_joint_pos_limits=self._per_env(
        self._soft_limits(model, cfg.soft_joint_pos_limit_factor)
      ),
    )

  # Construction helpers ------------------------------------------------------------------------

  def _per_env(self, values: Sequence) -> torch.Tensor:
    row = torch.tensor(values, dtype=torch.float32, device=self.device)
    return row.unsqueeze(0).repeat(self.num_envs, *([1] * row.dim())).contiguous()

  def _default_root_state(self) -> torch.Tensor:
    init = self.cfg.init_state
    row = torch.tensor(
      [*init.pos, *init.rot, *init.lin_vel, *init.ang_vel], dtype=torch.float32, device=self.device
    )
    state = row.repeat(self.num_envs, 1)
    state[:, 0:3] += self._env_origins
    return state

  def follow_env_origins(self, env_ids: torch.Tensor) -> None:
    """After the env origins of ``env_ids`` moved (a terrain level changed): their default root
    positions follow, so the next reset puts those robots on their new origins."""
    init = torch.tensor(self.cfg.init_state.pos, dtype=torch.float32, device=self.device)
    self.data.default_root_state[env_ids, 0:3] = init + self._env_origins[env_ids]

  @staticmethod
  def _soft_limits(model: mujoco.MjModel, factor: float) -> list[list[float]]:
    lower, upper = model.jnt_range[1:, 0], model.jnt_range[1:, 1]
    mid, half = (lower + upper) / 2, (upper - lower) / 2 * factor
    return [[float(m - h), float(m + h)] for m, h in zip(mid, half, strict=True)]

  @property
  def num_joints(self) -> int:
    return len(self.joint_names)

  @property
  def num_bodies(self) -> int:
    return len(self.body_names)

  # Name lookups --------------------------------------------------------------------------------

  def find_joints(
    self, name_keys: str | Sequence[str], preserve_order: bool = False
  ) -> tuple[list[int], list[str]]:
    """Joint indices (into ``joint_names``, i.e. columns of joint_pos) and names matching the
    regular expressions. Raises ValueError naming any pattern that matches nothing."""
    return resolve_names(name_keys, self.joint_names, what="joint", preserve_order=preserve_order)

  def find_bodies(
    self, name_keys: str | Sequence[str], preserve_order: bool = False
  ) -> tuple[list[int], list[str]]:
    """Body indices (into ``body_names``, i.e. dim 1 of body_link_*) and names."""
    return resolve_names(name_keys, self.body_names, what="body", preserve_order=preserve_order)

  def find_sites(
    self, name_keys: str | Sequence[str], preserve_order: bool = False
  ) -> tuple[list[int], list[str]]:
    """Site indices (into ``site_names``, i.e. dim 1 of site_*) and names."""
    return resolve_names(name_keys, self.site_names, what="site", preserve_order=preserve_order)

  def find_geoms(
    self, name_keys: str | Sequence[str], preserve_order: bool = False
  ) -> tuple[list[int], list[str]]:
    """Geom indices (into ``geom_names``) and names."""
    return resolve_names(name_keys, self.geom_names, what="geom", preserve_order=preserve_order)

  # Writing state -------------------------------------------------------------------------------
  # Writes are staged in the Simulation: several in a row (a reset writes the root, the joints,
  # then the events' offsets) cost one forward pass, run when sensor data is next read.

  def _rows(self, env_ids: EnvIds) -> torch.Tensor | slice:
    if env_ids is None:
      return slice(None)
    if isinstance(env_ids, slice):
      return env_ids
    return torch.as_tensor(env_ids, dtype=torch.long, device=self.device).reshape(-1)

  def _count(self, env_ids: EnvIds) -> int:
    rows = self._rows(env_ids)
    return len(range(self.num_envs)[rows]) if isinstance(rows, slice) else int(rows.numel())

  def _check_shape(self, name: str, value: torch.Tensor, shape: tuple[int, ...]) -> None:
    if tuple(value.shape) != shape:
      raise ValueError(f"{name} must have shape {shape}, got {tuple(value.shape)}")

  def write_root_state_to_sim(self, root_state: torch.Tensor, env_ids: EnvIds = None) -> None:
    """Set the root pose and twist of some envs.

    Args:
      root_state: (len(env_ids), 13): position (3, world, env origin included), quaternion (4,
        w x y z), linear velocity (3, world), angular velocity (3, world).
      env_ids: the envs to write; None for all.
    """
    n = self._count(env_ids)
    self._check_shape("root_state", root_state, (n, 13))
    rows = self._rows(env_ids)
    qpos = self._sim.qpos[rows].clone()
    qvel = self._sim.qvel[rows].clone()
    quat = root_state[:, 3:7] / root_state[:, 3:7].norm(dim=-1, keepdim=True)
    qpos[:, 0:3] = root_state[:, 0:3]
    qpos[:, 3:7] = quat
    qvel[:, 0:3] = root_state[:, 7:10]
    qvel[:, 3:6] = quat_apply_inverse(quat, root_state[:, 10:13])  # MuJoCo: body-frame
    self._sim.write_state(rows, qpos=qpos, qvel=qvel)

  def write_root_velocity_to_sim(self, root_vel: torch.Tensor, env_ids: EnvIds = None) -> None:
    """Set the root twist of some envs (e.g. a push). root_vel: (len(env_ids), 6), linear then
    angular velocity, world frame."""
    n = self._count(env_ids)
    self._check_shape("root_vel", root_vel, (n, 6))
    rows = self._rows(env_ids)
    qvel = self._sim.qvel[rows].clone()
    qvel[:, 0:3] = root_vel[:, 0:3]
    qvel[:, 3:6] = quat_apply_inverse(self._sim.qpos[rows, 3:7], root_vel[:, 3:6])
    self._sim.write_state(rows, qvel=qvel)

  def write_joint_state_to_sim(
    self,
    position: torch.Tensor,
    velocity: torch.Tensor,
    env_ids: EnvIds = None,
    joint_ids: Sequence[int] | slice | None = None,
  ) -> None:
    """Set joint positions [rad] and velocities [rad/s] of some envs and joints.

    Args:
      position, velocity: (len(env_ids), len(joint_ids)).
      env_ids: the envs; None for all. joint_ids: columns of joint_pos; None for all.
    """
    cols = slice(None) if joint_ids is None else list(joint_ids)
    n = self._count(env_ids)
    j = len(range(self.num_joints)[cols]) if isinstance(cols, slice) else len(cols)
    self._check_shape("position", position, (n, j))
    self._check_shape("velocity", velocity, (n, j))
    rows = self._rows(env_ids)
    qpos = self._sim.qpos[rows].clone()
    qvel = self._sim.qvel[rows].clone()
    qpos[:, 7:][:, cols] = position
    qvel[:, 6:][:, cols] = velocity
    self._sim.write_state(rows, qpos=qpos, qvel=qvel)

  def set_joint_position_target(self, target: torch.Tensor) -> None:
    """Set the PD targets [rad] of every joint, (num_envs, num_joints); held until changed."""
    expected = (self.num_envs, self.num_joints)
    if tuple(target.shape) != expected:
      raise ValueError(
        f"Joint position target must have shape {expected} (num_envs, num_joints), "
        f"got {tuple(target.shape)}"
      )
    self._sim.ctrl.copy_(target)
