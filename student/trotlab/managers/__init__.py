"""Managers and term configs: the manager-based API that MDP terms plug into."""

from trotlab.managers.action_manager import (
  ActionManager,
  JointPositionAction,
  JointPositionActionCfg,
)
from trotlab.managers.command_manager import CommandManager, CommandTerm
from trotlab.managers.curriculum_manager import CurriculumManager
from trotlab.managers.event_manager import EventManager
from trotlab.managers.manager_base import TermConfigError
from trotlab.managers.manager_term_config import (
  ActionTermCfg,
  CommandTermCfg,
  CurriculumTermCfg,
  EventTermCfg,
  ObservationGroupCfg,
  ObservationTermCfg,
  RewardTermCfg,
  TerminationTermCfg,
)
from trotlab.managers.observation_manager import ObservationManager
from trotlab.managers.reward_manager import RewardManager
from trotlab.managers.scene_entity_cfg import SceneEntityCfg
from trotlab.managers.termination_manager import TerminationManager

__all__ = [
  "ActionManager",
  "ActionTermCfg",
  "CommandManager",
  "CommandTerm",
  "CommandTermCfg",
  "CurriculumManager",
  "CurriculumTermCfg",
  "EventManager",
  "EventTermCfg",
  "JointPositionAction",
  "JointPositionActionCfg",
  "ObservationGroupCfg",
  "ObservationManager",
  "ObservationTermCfg",
  "RewardManager",
  "RewardTermCfg",
  "SceneEntityCfg",
  "TermConfigError",
  "TerminationManager",
  "TerminationTermCfg",
]
