"""ActionManager: turns the policy's raw actions into PD targets for the robot's joints."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import torch

from trotlab.managers.manager_term_config import ActionTermCfg
from trotlab.utils.names import NAMES_COME_FROM_PARAMETERS, resolve_values

if TYPE_CHECKING:
  from trotlab.envs.manager_based_rl_env import ManagerBasedRlEnv


class JointPositionAction:
  """target = default_joint_pos + scale * clip(raw_action) (offset only if use_default_offset)."""

  def __init__(self, cfg: JointPositionActionCfg, env: ManagerBasedRlEnv) -> None:
    self.cfg = cfg
    self.entity = env.scene[cfg.entity_name]
    self.joint_ids, self.joint_names = self.entity.find_joints(cfg.joint_names)
    if len(self.joint_ids) != self.entity.num_joints:
      raise ValueError("JointPositionAction must drive every joint of the robot.")
    scale = resolve_values(cfg.scale, self.joint_names, what="joint")
    self.scale = torch.tensor(scale, device=env.device)
    self.offset = self.entity.data.default_joint_pos.clone() if cfg.use_default_offset else 0.0
    self.raw_action = torch.zeros(env.num_envs, self.action_dim, device=env.device)
    """(num_envs, 12) the policy's action, as received (before clipping)."""
    self.processed_action = torch.zeros_like(self.raw_action)
    """(num_envs, 12) joint position targets [rad]."""

  @property
  def action_dim(self) -> int:
    """Number of joints this term drives (12 on the Go1): the width of its slice of the action."""
    return len(self.joint_ids)

  def process(self, action: torch.Tensor) -> None:
    """Store ``action`` (num_envs, action_dim) in ``raw_action`` and turn it into joint position
    targets [rad] in ``processed_action``. Nothing is sent to the simulation yet (see apply)."""
    self.raw_action[:] = action
    if self.cfg.clip is not None:
      action = action.clamp(*self.cfg.clip)
    self.processed_action[:] = self.offset + self.scale * action

  def apply(self) -> None:
    """Send ``processed_action`` to the robot as its joints' PD position targets."""
    self.entity.set_joint_position_target(self.processed_action)

  def reset(self, env_ids: torch.Tensor | slice) -> None:
    """Zero the raw action of the envs ``env_ids`` (targets are recomputed at the next process)."""
    self.raw_action[env_ids] = 0.0


@dataclasses.dataclass(kw_only=True)
class JointPositionActionCfg(ActionTermCfg):
  """Config of JointPositionAction: the joints it drives, the scale of one unit of action and
  whether the targets are offsets from the default joint positions."""

  class_type: type = JointPositionAction
  joint_names: tuple[str, ...] = (".*",)
  scale: float | dict[str, float] = 1.0
  """rad per unit action: one float, or {joint regex: value}."""
  use_default_offset: bool = True


class ActionManager:
  """Holds the action terms (one here: joint positions) and the last two actions.

  action: (num_envs, A) the current raw action; prev_action: the one before it."""

  def __init__(self, cfg: dict[str, ActionTermCfg], env: ManagerBasedRlEnv) -> None:
    self._env = env
    self._terms = {name: term_cfg.class_type(term_cfg, env) for name, term_cfg in cfg.items()}
    self.total_action_dim = sum(t.action_dim for t in self._terms.values())
    self.action = torch.zeros(env.num_envs, self.total_action_dim, device=env.device)
    self.prev_action = torch.zeros_like(self.action)

  @property
  def active_terms(self) -> list[str]:
    """Names of the action terms, in the order of their slices of the action."""
    return list(self._terms)

  def get_term(self, name: str):
    """The action term called ``name`` (e.g. to read its ``raw_action``); KeyError lists the
    terms."""
    if name not in self._terms:
      raise KeyError(
        f"No action term {name!r}; terms: {self.active_terms}. {NAMES_COME_FROM_PARAMETERS}"
      )
    return self._terms[name]

  def process_action(self, action: torch.Tensor) -> None:
    """Take the policy's action, (num_envs, total_action_dim): move ``action`` to ``prev_action``,
    store the new one and hand each term its slice to process."""
    expected = (self._env.num_envs, self.total_action_dim)
    if tuple(action.shape) != expected:
      raise ValueError(
        f"Action must have shape {expected} (num_envs, action_dim), got {tuple(action.shape)}"
      )
    self.prev_action[:] = self.action
    self.action[:] = action.to(self._env.device)
    start = 0
    for term in self._terms.values():
      term.process(self.action[:, start : start + term.action_dim])
      start += term.action_dim

  def apply_action(self) -> None:
    """Have every term send its processed action to the simulation (here: the PD targets)."""
    for term in self._terms.values():
      term.apply()

  def reset(self, env_ids: torch.Tensor | slice) -> dict[str, float]:
    """Zero ``action`` and ``prev_action`` of the envs ``env_ids`` and reset the terms; nothing
    to log."""
    self.action[env_ids] = 0.0
    self.prev_action[env_ids] = 0.0
    for term in self._terms.values():
      term.reset(env_ids)
    return {}

  def __str__(self) -> str:
    rows = [f"  {name}: {type(t).__name__}, dim {t.action_dim}" for name, t in self._terms.items()]
    return "Action terms:\n" + "\n".join(rows)
