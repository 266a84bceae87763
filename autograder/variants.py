"""Broken whole-MDP variants for the training check's calibration (instructor tool).

Each variant is the reference MDP with a few textual edits: a mistake a student could plausibly
make that the term checks catch, and that the training check should catch too if the robot it
trains cannot track the commands. The calibration (``autograder.benchmark calibrate --variants``)
trains each one like a submission; docs/grading.md reports which of them the check tells apart.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

from trotlab.tasks.velocity.mdp import resolve_mdp_dir

SOLUTIONS = resolve_mdp_dir("solutions")


@dataclasses.dataclass(frozen=True)
class Edit:
  file: str
  """One of the five MDP files, e.g. "rewards.py"."""
  old: str
  """Text that occurs exactly once in the reference file."""
  new: str


@dataclasses.dataclass(frozen=True)
class Variant:
  name: str
  mistake: str
  """The mistake in a student's words."""
  edits: tuple[Edit, ...]


_LIN_VEL_B = "  return env.scene[asset_cfg.name].data.root_link_lin_vel_b\n"
_ANG_VEL_B = "  return env.scene[asset_cfg.name].data.root_link_ang_vel_b\n"

VARIANTS: dict[str, Variant] = {
  v.name: v
  for v in (
    Variant(name="reference", mistake="none: the reference MDP", edits=()),
    Variant(
      name="no_tracking",
      mistake="R1 and R2 left returning zeros (no tracking reward at all)",
      edits=(
        Edit(
          "rewards.py",
          "  return torch.exp(-error / std**2)\n",
          "  return torch.zeros_like(error)\n",
        ),
        Edit(
          "rewards.py",
          "  return torch.exp(-torch.square(command[:, 2] - ang_vel_b[:, 2]) / std**2)\n",
          "  return torch.zeros_like(ang_vel_b[:, 2])\n",
        ),
      ),
    ),
    Variant(
      name="tracking_sign",
      mistake="R1 and R2 compute the error as command + measured",
      edits=(
        Edit(
          "rewards.py",
          "torch.square(command[:, :2] - lin_vel_b[:, :2])",
          "torch.square(command[:, :2] + lin_vel_b[:, :2])",
        ),
        Edit(
          "rewards.py",
          "torch.square(command[:, 2] - ang_vel_b[:, 2])",
          "torch.square(command[:, 2] + ang_vel_b[:, 2])",
        ),
      ),
    ),
    Variant(
      name="reward_world_frame",
      mistake="R1 compares the body-frame command with the world-frame velocity",
      edits=(
        Edit(
          "rewards.py",
          "lin_vel_b = env.scene[asset_cfg.name].data.root_link_lin_vel_b",
          "lin_vel_b = env.scene[asset_cfg.name].data.root_link_lin_vel_w",
        ),
      ),
    ),
    Variant(
      name="obs_world_frame",
      mistake="O1 and O2 observe the trunk's velocities in the world frame",
      edits=(
        Edit("observations.py", _LIN_VEL_B, _LIN_VEL_B.replace("_vel_b", "_vel_w")),
        Edit("observations.py", _ANG_VEL_B, _ANG_VEL_B.replace("_vel_b", "_vel_w")),
      ),
    ),
    Variant(
      name="tilt_never_fires",
      mistake="T1 compares cos(tilt) with the limit angle (no arccos): it never fires",
      edits=(
        Edit(
          "terminations.py",
          "torch.acos(torch.clamp(-gravity_b[:, 2], -1.0, 1.0)) > limit_angle",
          "torch.clamp(-gravity_b[:, 2], -1.0, 1.0) > limit_angle",
        ),
      ),
    ),
    Variant(
      name="contact_always_fires",
      mistake="T3 tests found >= 0 (not > 0): it fires on every step, touching or not",
      edits=(
        Edit(
          "terminations.py",
          "torch.any(env.scene[sensor_name].data.found > 0, dim=1)",
          "torch.any(env.scene[sensor_name].data.found >= 0, dim=1)",
        ),
      ),
    ),
    Variant(
      name="commands_never_resampled",
      mistake=(
        "C1 writes the drawn twists into a copy (fancy indexing): the commands stay zero but"
        " for the heading envs' yaw rates"
      ),
      edits=(
        Edit(
          "velocity_command.py",
          "self.vel_command_b[env_ids] = sample",
          "self.vel_command_b[env_ids].copy_(sample)",
        ),
      ),
    ),
  )
}
"""name -> variant; "reference" has no edit."""

REWARD_RETURNS = {
  "track_linear_velocity": "  return torch.exp(-error / std**2)\n",
  "track_angular_velocity": (
    "  return torch.exp(-torch.square(command[:, 2] - ang_vel_b[:, 2]) / std**2)\n"
  ),
  "flat_orientation": (
    "  return torch.exp(-torch.sum(torch.square(gravity_b[:, :2]), dim=1) / std**2)\n"
  ),
  "default_joint_position": "  return torch.sum(torch.square(delta), dim=1)\n",
  "feet_air_time": "  return reward * moving.float()\n",
  "feet_clearance": "  return torch.sum(height_error * torch.tanh(tanh_mult * speed), dim=1)\n",
  "feet_swing_height": "    return penalty\n",
  "feet_slip": "  return torch.sum(in_contact * torch.sum(torch.square(foot_vel), dim=-1), dim=1)\n",
}
"""Each reward TODO's (R1..R8) return line in the reference rewards.py: the one place the
removed_* and inverted_* variants edit."""


def _reward_term_variant(term: str, how: str) -> Variant:
  """The reference with one reward term removed (it returns zeros of its shape) or inverted (it
  returns its negative), everything else intact."""
  line = REWARD_RETURNS[term]
  indent, expression = line[: len(line) - len(line.lstrip())], line.strip()[len("return ") :]
  if how == "removed":
    new, mistake = f"{indent}return 0.0 * ({expression})\n", f"{term} left returning zeros"
  else:
    new, mistake = f"{indent}return -({expression})\n", f"{term} returns its negative"
  return Variant(name=f"{how}_{term}", mistake=mistake, edits=(Edit("rewards.py", line, new),))


VARIANTS.update(
  {
    v.name: v
    for v in (
      _reward_term_variant(t, how) for how in ("removed", "inverted") for t in REWARD_RETURNS
    )
  }
)


def write_variant(name: str, folder: Path, source: Path = SOLUTIONS) -> Path:
  """Copy the reference's MDP files to ``folder`` with the variant's edits made. Returns folder.

  Raises KeyError for an unknown name and ValueError when an edit's text does not occur exactly
  once (the reference changed under it)."""
  variant = VARIANTS[name]
  folder.mkdir(parents=True, exist_ok=True)
  for file in source.glob("*.py"):
    shutil.copy(file, folder / file.name)
  for edit in variant.edits:
    target = folder / edit.file
    text = target.read_text()
    if text.count(edit.old) != 1:
      raise ValueError(
        f"variant {name}: {edit.old!r} occurs {text.count(edit.old)} times in {edit.file}"
      )
    target.write_text(text.replace(edit.old, edit.new))
  return folder
