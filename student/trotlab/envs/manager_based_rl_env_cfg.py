"""Configuration of a manager-based RL environment."""

from __future__ import annotations

import dataclasses

from trotlab.managers.manager_term_config import (
  ActionTermCfg,
  CommandTermCfg,
  CurriculumTermCfg,
  EventTermCfg,
  ObservationGroupCfg,
  RewardTermCfg,
  TerminationTermCfg,
)
from trotlab.scene import SceneCfg
from trotlab.sim import SimulationCfg


@dataclasses.dataclass(kw_only=True)
class ManagerBasedRlEnvCfg:
  scene: SceneCfg
  sim: SimulationCfg = dataclasses.field(default_factory=SimulationCfg)
  decimation: int = 4
  """Physics steps per env step: step_dt = decimation * sim.timestep."""
  episode_length_s: float = 20.0
  """Episode length [s]; the time_out termination ends episodes here."""
  observations: dict[str, ObservationGroupCfg] = dataclasses.field(default_factory=dict)
  actions: dict[str, ActionTermCfg] = dataclasses.field(default_factory=dict)
  rewards: dict[str, RewardTermCfg] = dataclasses.field(default_factory=dict)
  terminations: dict[str, TerminationTermCfg] = dataclasses.field(default_factory=dict)
  commands: dict[str, CommandTermCfg] = dataclasses.field(default_factory=dict)
  events: dict[str, EventTermCfg] = dataclasses.field(default_factory=dict)
  curriculum: dict[str, CurriculumTermCfg] = dataclasses.field(default_factory=dict)
  seed: int | None = None
  """Seeds torch's generator (commands, events, noise) when the env is built."""
