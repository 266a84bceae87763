"""Left-right mirror symmetry of the Go1 velocity task, for rsl-rl's symmetry augmentation.

The Go1 is mirror-symmetric about its sagittal (x-z) plane (up to its published centres of
mass of the trunk and calves, 1-2 mm left of the plane), and so is the task: the mirror image
of a robot turning left on command (vx, vy, wz) is the same robot turning right on command
(vx, -vy, -wz). PPO with ``symmetry_cfg`` (rsl_rl.extensions.Symmetry, Mittal et al., ICRA 2024)
appends the mirror image of every sample to each mini-batch, so a gait found for one side is
learned for the other too. Without it, some short CPU trainings froze on pure turns of 0.5
rad/s and more; with it, every seed tried turned (10 of 10 seeds of 300 iterations).

The mirror in the trunk frame (x forward, y left, z up) flips y: a velocity or a force (polar
vectors) keeps x and z and negates y; an angular velocity (an axial vector) negates x and z and
keeps y; the command (vx, vy, wz) becomes (vx, -vy, -wz). Joints: each leg swaps with its mirror
leg (FR <-> FL, RR <-> RL); the abduction (``*_hip_joint``) angles change sign, thigh and calf
angles do not (their axes are normal to the mirror plane). The stand pose is itself mirror-
symmetric (left hips +0.1 rad, right hips -0.1 rad), so offsets from it mirror the same way.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import torch
from tensordict import TensorDict

from trotlab.assets.unitree_go1.go1_constants import FOOT_NAMES
from trotlab.managers.manager_base import TermConfigError
from trotlab.sensors.height_scan import mirror_index

if TYPE_CHECKING:
  from trotlab.envs.manager_based_rl_env import ManagerBasedRlEnv

MIRROR_FUNCTION = "trotlab.tasks.velocity.config.go1.symmetry:mirror_go1"
"""What RslRlPpoCfg.symmetry_function names (rsl-rl resolves "module:function")."""

VECTOR_SIGNS = {
  "base_lin_vel": (1.0, -1.0, 1.0),
  "base_ang_vel": (-1.0, 1.0, -1.0),
  "projected_gravity": (1.0, -1.0, 1.0),
  "command": (1.0, -1.0, -1.0),
}
"""Observation terms that are one 3-vector in the trunk frame (or the command), and their signs."""
JOINT_TERMS = ("joint_pos", "joint_vel", "actions")
"""Terms with one value per joint, in the robot's joint order."""
FOOT_TERMS = ("foot_height", "foot_air_time", "foot_contact")
"""Terms with one value per foot, in FOOT_NAMES order (mirror-invariant values)."""
FOOT_FORCE_TERMS = ("foot_contact_forces",)
"""Terms with one world-frame 3-vector per foot. Flipping world y is the exact mirror only for a
robot facing along world x; the term is a critic input (not the policy's), where an approximate
mirror only adds noise to the value targets of mirrored samples."""


HEIGHT_SCAN_TERMS = ("height_scan",)
"""Terms with one terrain height per ray of the HeightScan named by their ``sensor_name``
(mirror-invariant values, rays swapped with their mirror images)."""


def _mirror_name(name: str) -> str:
  """FL_calf_joint -> FR_calf_joint: swap the side letter of the leg prefix."""
  match = re.fullmatch(r"([FR])([LR])(_.*)?", name)
  if match is None:
    raise ValueError(f"cannot mirror {name!r}: expected a Go1 leg name such as 'FL_hip_joint'")
  side = "R" if match.group(2) == "L" else "L"
  return f"{match.group(1)}{side}{match.group(3) or ''}"


def _leg_permutation(names: list[str] | tuple[str, ...]) -> list[int]:
  return [list(names).index(_mirror_name(name)) for name in names]


class Go1Mirror:
  """Index and sign vectors that mirror each observation group and the actions:
  ``mirrored = x[:, index] * sign`` for x of shape (B, D)."""

  def __init__(self, env: ManagerBasedRlEnv) -> None:
    joint_names = list(env.scene["robot"].joint_names)
    joint_index = _leg_permutation(joint_names)
    joint_sign = [-1.0 if name.endswith("_hip_joint") else 1.0 for name in joint_names]
    foot_index = _leg_permutation(FOOT_NAMES)
    self.actions = (torch.tensor(joint_index), torch.tensor(joint_sign))
    self.groups: dict[str, tuple[torch.Tensor, torch.Tensor]] = {}
    for group, dims in env.observation_manager.group_obs_dim.items():
      index: list[int] = []
      sign: list[float] = []
      for name, shape in dims.items():
        offset = len(index)
        if name in VECTOR_SIGNS:
          term_index, term_sign = [0, 1, 2], list(VECTOR_SIGNS[name])
        elif name in JOINT_TERMS:
          term_index, term_sign = joint_index, joint_sign
        elif name in FOOT_TERMS:
          term_index, term_sign = foot_index, [1.0] * len(foot_index)
        elif name in HEIGHT_SCAN_TERMS:
          sensor = env.cfg.observations[group].terms[name].params["sensor_name"]
          term_index = mirror_index(env.scene[sensor].cfg)
          term_sign = [1.0] * len(term_index)
        elif name in FOOT_FORCE_TERMS:
          term_index = [3 * foot + k for foot in foot_index for k in range(3)]
          term_sign = [1.0, -1.0, 1.0] * len(foot_index)
        else:
          raise ValueError(
            f"no mirror rule for observation term {name!r} (group {group!r}): add one to "
            f"{__name__}, or train without symmetry (RslRlPpoCfg.symmetry_function=None)"
          )
        if shape != (len(term_index),):
          raise TermConfigError(
            f"observation term {name!r} returns shape (N, {', '.join(map(str, shape))}); "
            f"the Go1 has {len(term_index)} values there (check the term's docstring). "
            "PPO's symmetry augmentation mirrors each observation and needs that shape."
          )
        index += [offset + i for i in term_index]
        sign += term_sign
      self.groups[group] = (torch.tensor(index), torch.tensor(sign))

  @staticmethod
  def _apply(x: torch.Tensor, index_sign: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
    index, sign = index_sign
    return x[:, index.to(x.device)] * sign.to(x.device, x.dtype)

  def observations(self, obs: TensorDict) -> TensorDict:
    return TensorDict(
      {group: self._apply(obs[group], index_sign) for group, index_sign in self.groups.items()},
      batch_size=obs.batch_size,
      device=obs.device,
    )

  def action(self, actions: torch.Tensor) -> torch.Tensor:
    return self._apply(actions, self.actions)


def mirror_go1(
  env, obs: TensorDict | None = None, actions: torch.Tensor | None = None
) -> tuple[TensorDict | None, torch.Tensor | None]:
  """rsl-rl's data_augmentation_func: (B, ...) samples -> (2 B, ...), the originals first, then
  their mirror images. ``env`` is the RslRlVecEnvWrapper; either input may be None."""
  base = env.unwrapped
  mirror = getattr(base, "_go1_mirror", None)
  if mirror is None:
    mirror = base._go1_mirror = Go1Mirror(base)
  if obs is not None:
    obs = torch.cat([obs, mirror.observations(obs)], dim=0)
  if actions is not None:
    actions = torch.cat([actions, mirror.action(actions)], dim=0)
  return obs, actions
