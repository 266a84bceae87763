"""The velocity-tracking task, robot-agnostic: a legged robot follows a commanded body twist.

``velocity_env_cfg`` assembles the MDP from the terms of an ``Mdp`` value (``load_mdp`` in
trotlab.tasks.velocity.mdp: the student's files, the reference or a submission's folder, as
``--mdp`` chooses); the config holds those term functions, whatever is loaded later. The robot
configs in ``config/`` fill in the robot. ``make_play`` turns a training config into the play config: no
observation noise, no pushes or friction randomization, no time-out.
"""

from __future__ import annotations

import dataclasses
import math

from trotlab.entity.config import EntityCfg
from trotlab.envs.manager_based_rl_env_cfg import ManagerBasedRlEnvCfg
from trotlab.managers import (
  CurriculumTermCfg,
  EventTermCfg,
  JointPositionActionCfg,
  ObservationGroupCfg,
  ObservationTermCfg,
  RewardTermCfg,
  SceneEntityCfg,
  TerminationTermCfg,
)
from trotlab.scene import SceneCfg
from trotlab.sensors.contact_sensor import ContactMatch, ContactSensorCfg
from trotlab.sim import SimulationCfg
from trotlab.tasks.velocity.mdp import Mdp
from trotlab.utils.noise import UniformNoiseCfg

COMMAND = "twist"
FEET_SENSOR = "feet_ground_contact"
NONFOOT_SENSOR = "nonfoot_ground_contact"


@dataclasses.dataclass(kw_only=True)
class LeggedRobotSpec:
  """What the task needs to know about a robot."""

  entity: EntityCfg
  action_scale: float | dict[str, float]
  foot_site_names: tuple[str, ...]
  """Sites at the feet, in the order of foot_geom_names."""
  foot_geom_names: tuple[str, ...]
  nonfoot_geom_pattern: str
  """Regex of collision geoms whose ground contact ends an episode."""


def velocity_env_cfg(robot: LeggedRobotSpec, num_envs: int, mdp: Mdp) -> ManagerBasedRlEnvCfg:
  """The training config of ``robot`` with ``num_envs`` envs and the terms of ``mdp``."""
  feet = SceneEntityCfg("robot", site_names=robot.foot_site_names, preserve_order=True)
  scene = SceneCfg(
    num_envs=num_envs,
    entities={"robot": robot.entity},
    sensors={
      FEET_SENSOR: ContactSensorCfg(
        primary=ContactMatch(mode="geom", pattern=tuple(robot.foot_geom_names), entity="robot"),
        secondary=ContactMatch(mode="body", pattern="terrain"),
        fields=("found", "force"),
        reduce="netforce",
        track_air_time=True,
      ),
      NONFOOT_SENSOR: ContactSensorCfg(
        primary=ContactMatch(mode="geom", pattern=robot.nonfoot_geom_pattern, entity="robot"),
        secondary=ContactMatch(mode="body", pattern="terrain"),
        fields=("found",),
        reduce="none",
      ),
    },
  )

  def noisy(func, noise: float | None = None, **params) -> ObservationTermCfg:
    n = UniformNoiseCfg(n_min=-noise, n_max=noise) if noise else None
    return ObservationTermCfg(func=func, params=params, noise=n)

  actor_terms = {
    "base_lin_vel": noisy(mdp.base_lin_vel, 0.1),
    "base_ang_vel": noisy(mdp.base_ang_vel, 0.2),
    "projected_gravity": noisy(mdp.projected_gravity, 0.05),
    "command": noisy(mdp.generated_commands, command_name=COMMAND),
    "joint_pos": noisy(mdp.joint_pos_rel, 0.01),
    "joint_vel": noisy(mdp.joint_vel_rel, 1.5),
    "actions": noisy(mdp.last_action),
  }
  critic_terms = {
    **{name: dataclasses.replace(term, noise=None) for name, term in actor_terms.items()},
    "foot_height": noisy(mdp.foot_height, asset_cfg=feet),
    "foot_air_time": noisy(mdp.foot_air_time, sensor_name=FEET_SENSOR),
    "foot_contact": noisy(mdp.foot_contact, sensor_name=FEET_SENSOR),
    "foot_contact_forces": ObservationTermCfg(
      func=mdp.foot_contact_forces, params={"sensor_name": FEET_SENSOR}, scale=0.01
    ),
  }
  observations = {
    "actor": ObservationGroupCfg(terms=actor_terms, enable_corruption=True),
    "critic": ObservationGroupCfg(terms=critic_terms, enable_corruption=False),
  }

  commands = {
    COMMAND: mdp.UniformVelocityCommandCfg(
      resampling_time_range=(3.0, 8.0),
      # Uniform commands almost never ask for a pure turn (about 2% of them), and without these
      # envs 4 of 12 training runs of the reference never learned to turn on the spot.
      rel_turning_envs=0.1,
      rel_standing_envs=0.02,
      rel_heading_envs=0.3,
      heading_command=True,
      ranges=mdp.VelocityRanges(
        lin_vel_x=(-0.6, 0.6), lin_vel_y=(-0.4, 0.4), ang_vel_z=(-0.7, 0.7)
      ),
    )
  }

  rewards = {
    # std 0.4 (mjlab: 0.5) in both tracking terms: the kernel is steeper where the relative pass
    # rule draws its limits (0.1-0.2 m/s and rad/s): at an error of 0.2 its slope is 1.4x that
    # of std 0.5. With 0.5 the CPU default's policies often settled just past a limit, walking or
    # turning 5-20% too slowly.
    "track_linear_velocity": RewardTermCfg(
      func=mdp.track_linear_velocity, weight=2.0, params={"std": 0.4, "command_name": COMMAND}
    ),
    # Weight 2.0, as the linear term's: at 1.0 the CPU default's policies turned in place at
    # about 60% of the commanded rate (a standing robot already earns exp(-0.5^2/0.5^2) = 0.37
    # of the term on a 0.5 rad/s turn at std 0.5), which the relative pass rule fails.
    "track_angular_velocity": RewardTermCfg(
      func=mdp.track_angular_velocity, weight=2.0, params={"std": 0.4, "command_name": COMMAND}
    ),
    # Small on purpose: a positive reward earned just by staying level is a survival bonus that
    # makes standing still pay; at 0.5 the CPU default learned sideways walking and turning in
    # place much later (measured by the course's staff).
    "upright": RewardTermCfg(func=mdp.flat_orientation, weight=0.1, params={"std": 0.3}),
    "pose": RewardTermCfg(func=mdp.default_joint_position, weight=-0.1),
    "action_rate": RewardTermCfg(func=mdp.action_rate_l2, weight=-0.005),
    "joint_limits": RewardTermCfg(func=mdp.joint_pos_limits, weight=-10.0),
    "air_time": RewardTermCfg(
      func=mdp.feet_air_time,
      weight=1.0,
      params={"sensor_name": FEET_SENSOR, "command_name": COMMAND, "threshold": 0.1},
    ),
    "foot_clearance": RewardTermCfg(
      func=mdp.feet_clearance,
      weight=-2.0,
      params={"target_height": 0.08, "tanh_mult": 2.0, "asset_cfg": feet},
    ),
    "foot_swing_height": RewardTermCfg(
      func=mdp.feet_swing_height,
      weight=-1.0,
      params={"sensor_name": FEET_SENSOR, "target_height": 0.08, "asset_cfg": feet},
    ),
    "foot_slip": RewardTermCfg(
      func=mdp.feet_slip, weight=-0.1, params={"sensor_name": FEET_SENSOR, "asset_cfg": feet}
    ),
  }

  terminations = {
    "time_out": TerminationTermCfg(func=mdp.time_out, time_out=True),
    "fell_over": TerminationTermCfg(
      func=mdp.bad_orientation, params={"limit_angle": math.radians(60.0)}
    ),
    "illegal_contact": TerminationTermCfg(
      func=mdp.illegal_contact, params={"sensor_name": NONFOOT_SENSOR}
    ),
  }

  foot_geoms = SceneEntityCfg("robot", geom_names=robot.foot_geom_names)
  events = {
    "foot_friction": EventTermCfg(
      func=mdp.randomize_field,
      mode="startup",
      domain_randomization=True,
      params={"field": "geom_friction", "ranges": (0.4, 1.2), "asset_cfg": foot_geoms},
    ),
    "reset_base": EventTermCfg(
      func=mdp.reset_root_state_uniform,
      mode="reset",
      params={
        "pose_range": {"x": (-0.5, 0.5), "y": (-0.5, 0.5), "yaw": (-math.pi, math.pi)},
        "velocity_range": {k: (-0.2, 0.2) for k in ("x", "y", "z", "roll", "pitch", "yaw")},
      },
    ),
    "reset_joints": EventTermCfg(
      func=mdp.reset_joints_by_offset, mode="reset", params={"position_range": (-0.1, 0.1)}
    ),
    "push": EventTermCfg(
      func=mdp.push_by_setting_velocity,
      mode="interval",
      interval_range_s=(5.0, 10.0),
      params={"velocity_range": {"x": (-0.5, 0.5), "y": (-0.5, 0.5)}},
    ),
  }

  curriculum = {
    "command_ranges": CurriculumTermCfg(
      func=mdp.commands_vel,
      params={
        "command_name": COMMAND,
        "velocity_stages": [
          {"step": 0, "lin_vel_x": (-0.6, 0.6), "lin_vel_y": (-0.4, 0.4), "ang_vel_z": (-0.7, 0.7)},
          {
            "step": 2400,
            "lin_vel_x": (-1.0, 1.0),
            "lin_vel_y": (-0.6, 0.6),
            "ang_vel_z": (-1.0, 1.0),
          },
        ],
      },
    ),
    "action_rate_weight": CurriculumTermCfg(
      func=mdp.reward_weight,
      params={
        "reward_name": "action_rate",
        "weight_stages": [{"step": 0, "weight": -0.005}, {"step": 4800, "weight": -0.01}],
      },
    ),
  }

  return ManagerBasedRlEnvCfg(
    scene=scene,
    sim=SimulationCfg(),
    decimation=4,
    episode_length_s=20.0,
    observations=observations,
    actions={
      "joint_pos": JointPositionActionCfg(scale=robot.action_scale, use_default_offset=True)
    },
    rewards=rewards,
    terminations=terminations,
    commands=commands,
    events=events,
    curriculum=curriculum,
  )


def make_play(cfg: ManagerBasedRlEnvCfg) -> ManagerBasedRlEnvCfg:
  """The play variant: no observation noise, no pushes or randomized physics, no time-out and no
  curriculum (commands are drawn from the command config's ranges, the first curriculum stage)."""
  cfg = dataclasses.replace(cfg)
  cfg.observations = {
    name: dataclasses.replace(group, enable_corruption=False)
    for name, group in cfg.observations.items()
  }
  cfg.events = {
    name: event
    for name, event in cfg.events.items()
    if not event.domain_randomization and event.mode != "interval"
  }
  cfg.terminations = {name: t for name, t in cfg.terminations.items() if not t.time_out}
  cfg.curriculum = {}
  cfg.episode_length_s = 1.0e6
  return cfg
