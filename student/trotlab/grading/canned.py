"""The canned env every probe runs in, and the start of the public "tumble" case.

``build_env`` builds the Go1 play env of an assignment's task (the flat one; the rough one, with
its terrain and height scans, for the second assignment) with every MDP term removed (no student
code runs while a state is produced or replayed). ``start_state`` and ``actions_at`` are the public tumble case's
recipe (the grader's recorder steps it 30 times, 0.6 s): env 0 steps in place yawed, env 1 falls
from 15 cm pitched and rolled, env 2 starts rolled by 75 degrees and topples onto its side
(non-foot contacts). Terms are called on these states through the same EntityData,
ContactSensor and manager objects as in training.

The canned env names its robot, sensors, command, action term and reward either unlike the task
does (trotlab.grading.protocol.CANNED) or as the task does (``task_names``): a case says which
(protocol.NAME_SETS), and its parameters pass those names.
"""

from __future__ import annotations

import dataclasses
import functools

import torch

from trotlab.envs.manager_based_rl_env import ManagerBasedRlEnv
from trotlab.envs.mdp import action_rate_l2
from trotlab.evaluation.scripted_command import ScriptedVelocityCommandCfg
from trotlab.grading.protocol import CANNED, Names, check_name_set
from trotlab.grading.snapshot import air_time_sensor, command_term
from trotlab.grading.todos import check_assignment
from trotlab.managers import RewardTermCfg
from trotlab.sensors.height_scan import HeightScanCfg
from trotlab.tasks import get_task
from trotlab.tasks.velocity.config.go1.env_cfgs import FEET_SCAN, HEIGHT_SCAN
from trotlab.tasks.velocity.velocity_env_cfg import COMMAND, FEET_SENSOR, NONFOOT_SENSOR
from trotlab.utils.math import quat_from_euler_xyz

TASK = "Mjlab-Velocity-Flat-Unitree-Go1"
NUM_ENVS = 3
COMMANDS = ((0.5, 0.2, 0.3), (0.0, 0.0, 0.0), (-0.4, 0.1, -0.6))


@functools.cache
def task_names() -> Names:
  """The task's own names (its env config: the one entity, the sensors, the command, the one
  action term, the reward term of action_rate_l2; the rough task's height scans)."""
  cfg = get_task(TASK).env_cfg(play=False, device="cpu")
  (robot,) = cfg.scene.entities
  (action,) = cfg.actions
  (reward,) = (name for name, term in cfg.rewards.items() if term.func is action_rate_l2)
  return Names(robot, FEET_SENSOR, NONFOOT_SENSOR, COMMAND, action, reward, HEIGHT_SCAN, FEET_SCAN)


def names_of(name_set: str) -> Names:
  """The Names of a name set of trotlab.grading.protocol.NAME_SETS ("canned" or "task")."""
  return CANNED if check_name_set(name_set) == "canned" else task_names()


def describe_names(name_set: str, assignment: str = "flat") -> str:
  """A name set in words, for a failing case's line: what the canned env of ``assignment`` calls
  each thing."""
  names = names_of(name_set)
  whose = "as the task does" if name_set == "task" else "unlike the task"
  scans = ""
  if assignment != "flat":
    scans = f", height scans {names.height_scan!r} (trunk) and {names.feet_scan!r} (feet)"
  return (
    f"{whose}: robot {names.robot!r}, sensors {names.feet_sensor!r} (feet) and"
    f" {names.nonfoot_sensor!r}, command {names.command!r}, action {names.action!r}, reward"
    f" {names.reward!r}{scans}"
  )


CURB = ((8.5, 0.0, 0.05), (0.5, 20.0, 0.05))
"""The flat canned env's curb (centre, half-sizes [m]): 10 cm high, its near side at x = 8 m, far
from every env origin (a square grid 2 m apart about the world origin). A foot pressed against
its side while on the plane touches the terrain twice, the case of a contact count above 1."""


def build_env(
  num_envs: int = NUM_ENVS, ranges=None, names: Names = CANNED, assignment: str = "flat"
) -> ManagerBasedRlEnv:
  """The canned env: the Go1 play config of ``assignment``'s task, ``num_envs`` envs (3 for the
  recipe), a scripted command, one framework reward (action_rate_l2, for curricula), no
  observations, terminations, events or curricula; everything named as ``names`` says (module
  docstring). On the rough task's play terrain env i stands on a tile of type i % 6, its level
  drawn with the terrain's seed (the same in every canned env)."""
  cfg = get_task(check_assignment(assignment).task).env_cfg(play=True, device="cpu")
  cfg.scene.num_envs = num_envs
  if assignment == "flat":
    cfg.scene.terrain = dataclasses.replace(cfg.scene.terrain, boxes=(CURB,))
  (robot,) = cfg.scene.entities.values()
  cfg.scene.entities = {names.robot: robot}
  renamed = {
    FEET_SENSOR: names.feet_sensor,
    NONFOOT_SENSOR: names.nonfoot_sensor,
    HEIGHT_SCAN: names.height_scan,
    FEET_SCAN: names.feet_scan,
  }
  cfg.scene.sensors = {
    renamed[name]: sensor
    if isinstance(sensor, HeightScanCfg)  # a height scan follows the scene's one entity
    else dataclasses.replace(
      sensor, primary=dataclasses.replace(sensor.primary, entity=names.robot)
    )
    for name, sensor in cfg.scene.sensors.items()
  }
  (action,) = cfg.actions.values()
  cfg.actions = {names.action: dataclasses.replace(action, entity_name=names.robot)}
  cfg.observations = {}
  cfg.rewards = {names.reward: RewardTermCfg(func=action_rate_l2, weight=-0.01)}
  cfg.terminations, cfg.events, cfg.curriculum = {}, {}, {}
  cfg.commands = {names.command: ScriptedVelocityCommandCfg(ranges=ranges)}
  cfg.seed = 0
  return ManagerBasedRlEnv(cfg, verbose=False)


def actions_at(step: int) -> torch.Tensor:
  phase = torch.arange(NUM_ENVS).unsqueeze(1) * 0.9 + torch.arange(12) * 0.45
  return 0.6 * torch.sin(0.35 * step + phase)


def start_state(env: ManagerBasedRlEnv) -> None:
  (robot,) = env.scene.entities.values()
  root = robot.data.default_root_state.clone()
  root[:, 3:7] = quat_from_euler_xyz(
    torch.tensor([0.0, -0.15, 1.3]), torch.tensor([0.0, 0.2, 0.0]), torch.tensor([0.7, -1.2, 0.0])
  )
  root[1, 2] += 0.15
  root[0, 7:13] = torch.tensor([0.3, 0.1, 0.0, 0.0, 0.0, 0.4])
  robot.write_root_state_to_sim(root)
  offsets = 0.1 * torch.sin(torch.arange(NUM_ENVS * 12, dtype=torch.float32).reshape(NUM_ENVS, 12))
  robot.write_joint_state_to_sim(robot.data.default_joint_pos + offsets, torch.zeros(NUM_ENVS, 12))
  air_time_sensor(env).reset()
  command_term(env).vel_command_b[:] = torch.tensor(COMMANDS)
