"""Probes: call one TODO's code on replayed snapshots and return what it produced, as arrays.

A probe is the procedure that exercises one TODO: a term is called on every snapshot of a
sequence (stateful terms keep their memory along it); the velocity command's methods and the
curricula are driven the way their managers drive them. Probes return plain numpy arrays, never
judge them: the grader (a separate, trusted process) compares them with the reference.

Every probe of a term also reports:
  value        (T, N, ...) the outputs, in float64 (bool outputs as 0/1)
  dtype, device             strings of the first output
  inputs_kept  (T,) 1.0 where the call left the simulator state, sensors, timers, actions and
               command bit-identical (terms must not modify their inputs in place)
  inputs_changed  () string: the inputs the first such call modified, and which call it was
               ("" when none)
  leak_value   (T, N, ...) outputs when env 0 holds another env's data (other envs must not move)
and every probe of a stateful term (a class with ``reset``):
  reset_value  (T, N, ...) the outputs along the same sequence when env 0 is reset before
               every call from t = T // 2 on (so its memory never outlives one step there)
  fresh_value  (T - T // 2, N, ...) the first output of a new term at each of those steps
               (what env 0 must see right after its reset)

Parameters arrive as JSON; a SceneEntityCfg is written {"scene_entity": {...its fields...}}.
The second assignment's TODOs run in the rough task's canned env (terrain, height scans).
"""

from __future__ import annotations

import dataclasses
import math
import types
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from trotlab.envs.manager_based_rl_env import ManagerBasedRlEnv
from trotlab.grading import canned
from trotlab.grading.snapshot import (
  apply_snapshot,
  command_name,
  command_term,
  replace_env,
  reward_name,
  robot_name,
  snapshot_at,
  tracks_air_time,
)
from trotlab.managers import SceneEntityCfg

Arrays = dict[str, np.ndarray]


@dataclasses.dataclass(kw_only=True)
class Ranges:
  """Command ranges with VelocityRanges' fields, so curricula are checked without the student's
  velocity_command.py."""

  lin_vel_x: tuple[float, float] = (-1.0, 1.0)
  lin_vel_y: tuple[float, float] = (-0.5, 0.5)
  ang_vel_z: tuple[float, float] = (-1.0, 1.0)
  heading: tuple[float, float] = (-math.pi, math.pi)


class ProbeError(Exception):
  """The student's code returned something a probe cannot record (message says what)."""


def decode_params(params: dict[str, Any], env: ManagerBasedRlEnv) -> dict[str, Any]:
  """A case's JSON parameters as the term receives them: each {"scene_entity": {...}} becomes a
  SceneEntityCfg (lists as tuples) resolved against ``env``'s scene; other values are kept."""
  out = {}
  for key, value in params.items():
    if isinstance(value, dict) and "scene_entity" in value:
      cfg = SceneEntityCfg(
        **{k: tuple(v) if isinstance(v, list) else v for k, v in value["scene_entity"].items()}
      )
      cfg.resolve(env.scene)
      value = cfg
    out[key] = value
  return out


def to_array(value: Any, what: str) -> np.ndarray:
  """``value``, a torch.Tensor, as a float64 numpy copy on the CPU of the same shape; ProbeError
  (naming ``what``) for anything else."""
  if not isinstance(value, torch.Tensor):
    raise ProbeError(f"{what} returned {type(value).__name__}, expected a torch.Tensor")
  return value.detach().to("cpu", torch.float64).numpy().copy()


ROBOT_CONSTANTS = (
  "gravity_vec_w",
  "default_root_state",
  "default_joint_pos",
  "default_joint_vel",
  "joint_pos_limits",
  "soft_joint_pos_limits",
)
"""EntityData tensors no snapshot rewrites: a term that changes them is caught and undone."""


def _watched(env: ManagerBasedRlEnv) -> dict[str, torch.Tensor]:
  """Inputs a term may read, by the name a student knows them by; apply_snapshot rewrites all
  of them before each call."""
  sim = env.sim  # sensordata through the Simulation: forwarded after apply_snapshot's write
  tensors = {
    "the physics state qpos (EntityData's joint_pos, root_link_pos_w, ... are views of it)": sim.qpos,
    "the physics state qvel (EntityData's joint_vel, root_link_lin_vel_w, ... are views of it)": sim.qvel,
    "the sensors' data (sim.sensordata)": sim.sensordata,
  }
  for name, sensor in env.scene.sensors.items():
    if tracks_air_time(sensor):
      for field in (
        "current_air_time",
        "last_air_time",
        "current_contact_time",
        "last_contact_time",
      ):
        tensors[f"env.scene[{name!r}].data.{field}"] = getattr(sensor.data, field)
  tensors["env.action_manager.action"] = env.action_manager.action
  tensors["env.action_manager.prev_action"] = env.action_manager.prev_action
  name = command_name(env)
  tensors[f"the command env.command_manager.get_command({name!r})"] = (
    env.command_manager.get_command(name)
  )
  return tensors


class _RobotConstants:
  """The robot's constant EntityData tensors around a term call: ``changed()`` says whether the
  call modified (or replaced) one, ``restore()`` puts the originals back, so one TODO's in-place
  write cannot spoil the TODOs graded after it."""

  def __init__(self, env: ManagerBasedRlEnv) -> None:
    self.data = env.scene[robot_name(env)].data
    self.saved = {
      name: (getattr(self.data, name), getattr(self.data, name).clone()) for name in ROBOT_CONSTANTS
    }

  def changed(self) -> list[str]:
    """The constants the call modified or replaced, as ``robot.data.<name>``."""
    return [
      f"robot.data.{name}"
      for name, (original, copy) in self.saved.items()
      if getattr(self.data, name) is not original or not torch.equal(original, copy)
    ]

  def restore(self) -> None:
    """Put each saved tensor back on the robot's data, with its saved values."""
    for name, (original, copy) in self.saved.items():
      setattr(self.data, name, original)
      original.copy_(copy)


def _call_along(
  env: ManagerBasedRlEnv, make_term: Callable[[], Callable], params: dict, sequence: Arrays
) -> tuple[list[np.ndarray], list[float], list[torch.Tensor], str]:
  """Call a fresh term at each state of ``sequence``: its outputs as arrays, 1.0 / 0.0 per call
  for "left its inputs untouched", the raw outputs, and where an input was first changed in
  place ("" when never)."""
  term = make_term()
  values, kept, raw = [], [], []
  first_changed = ""
  for t in range(sequence["qpos"].shape[0]):
    apply_snapshot(env, snapshot_at(sequence, t))
    constants = _RobotConstants(env)
    before = {name: x.clone() for name, x in _watched(env).items()}
    try:
      out = term(env, **params)
    finally:
      after = _watched(env)
      changed = [name for name, x in before.items() if not torch.equal(x, after[name])]
      changed += constants.changed()
      kept.append(float(not changed))
      if changed and not first_changed:
        first_changed = (
          f"{', '.join(changed)} in place at call {t + 1} of the case's {len(sequence['qpos'])}"
        )
      constants.restore()
    values.append(to_array(out, "the term"))
    raw.append(out)
  return values, kept, raw, first_changed


def probe_term(
  env: ManagerBasedRlEnv, term: Callable | type, params: dict, sequence: Arrays
) -> Arrays:
  """A reward, observation or termination term along a snapshot sequence."""
  params = decode_params(params, env)

  def make_term() -> Callable:
    """The callable to probe: a new instance of a stateful term's class, else the function."""
    if isinstance(term, type):  # a stateful term: built once, like the managers do
      return term(types.SimpleNamespace(params=params, func=term), env)
    return term

  values, kept, raw, changed = _call_along(env, make_term, params, sequence)
  shapes = {v.shape for v in values}
  if len(shapes) != 1:
    raise ProbeError(f"the term's output shape changes between calls: {sorted(shapes)}")
  out = {
    "value": np.stack(values),
    "dtype": np.asarray(str(raw[0].dtype).replace("torch.", "")),
    "device": np.asarray(str(raw[0].device)),
    "inputs_kept": np.asarray(kept),
    "inputs_changed": np.asarray(changed),
  }
  if env.num_envs >= 3:
    swapped = {
      key: np.stack(
        [
          replace_env(snapshot_at(sequence, t), 0, env.num_envs - 1)[key]
          for t in range(sequence["qpos"].shape[0])
        ]
      )
      for key in sequence
    }
    leak_values, _, _, _ = _call_along(env, make_term, params, swapped)
    out["leak_value"] = np.stack(leak_values)
  if isinstance(term, type):
    out.update(_probe_reset(env, make_term, params, sequence))
  return out


def _probe_reset(
  env: ManagerBasedRlEnv, make_term: Callable[[], Callable], params: dict, sequence: Arrays
) -> Arrays:
  """reset_value and fresh_value of a stateful term (see the module docstring)."""
  steps = sequence["qpos"].shape[0]
  env_0 = torch.tensor([0], dtype=torch.long, device=env.device)
  term = make_term()
  reset_values, fresh_values = [], []
  for t in range(steps):
    if t >= steps // 2:
      term.reset(env_0)  # type: ignore[attr-defined]
      apply_snapshot(env, snapshot_at(sequence, t))
      fresh_values.append(to_array(make_term()(env, **params), "a new term"))
    apply_snapshot(env, snapshot_at(sequence, t))
    reset_values.append(to_array(term(env, **params), "the term after reset"))
  return {"reset_value": np.stack(reset_values), "fresh_value": np.stack(fresh_values)}


def _command_term(cls: type, env: ManagerBasedRlEnv, cfg_cls: type, cfg_params: dict):
  cfg = cfg_cls(
    resampling_time_range=tuple(cfg_params.get("resampling_time_range", (2.0, 4.0))),
    entity_name=robot_name(env),
  )
  for key, value in cfg_params.items():
    if key == "ranges":
      value = type(cfg.ranges)(**{k: tuple(v) for k, v in value.items()})
    elif isinstance(value, list):
      value = tuple(value)
    setattr(cfg, key, value)
  return cls(cfg, env)


def probe_resample(env: ManagerBasedRlEnv, cls: type, cfg_cls: type, params: dict) -> Arrays:
  """C1: draw commands for env_ids many times under a seeded generator."""
  cmd = _command_term(cls, env, cfg_cls, params["cfg"])
  ids = torch.as_tensor(params["env_ids"], dtype=torch.long)
  others = torch.as_tensor([i for i in range(env.num_envs) if i not in params["env_ids"]])
  cmd.vel_command_b[:] = 9.0
  cmd.heading_target[:] = 9.0
  cmd.is_heading_env[:] = True
  cmd.is_turning_env[:] = True
  cmd.is_standing_env[:] = True
  torch.manual_seed(params["seed"])
  vel, heading, is_heading, is_turning, is_standing = [], [], [], [], []
  for _ in range(params["draws"]):
    cmd._resample_command(ids)
    vel.append(to_array(cmd.vel_command_b[ids], "vel_command_b"))
    heading.append(to_array(cmd.heading_target[ids], "heading_target"))
    is_heading.append(to_array(cmd.is_heading_env[ids], "is_heading_env"))
    is_turning.append(to_array(cmd.is_turning_env[ids], "is_turning_env"))
    is_standing.append(to_array(cmd.is_standing_env[ids], "is_standing_env"))
  untouched = torch.cat(
    (
      cmd.vel_command_b[others].flatten(),
      cmd.heading_target[others],
      cmd.is_heading_env[others].float(),
      cmd.is_turning_env[others].float(),
      cmd.is_standing_env[others].float(),
    )
  )
  cmd._resample_command(slice(None))  # a slice must work too (the manager's reset uses one)
  return {
    "vel": np.stack(vel),
    "heading_target": np.stack(heading),
    "is_heading": np.stack(is_heading),
    "is_turning": np.stack(is_turning),
    "is_standing": np.stack(is_standing),
    "untouched": to_array(untouched, "untouched envs"),
    "all_after_slice": to_array(cmd.vel_command_b, "vel_command_b"),
  }


def probe_update_command(
  env: ManagerBasedRlEnv, cls: type, cfg_cls: type, params: dict, sequence: Arrays
) -> Arrays:
  """C2: the heading controller, turning and standing envs, at every snapshot of the sequence;
  each step twice, with the case's cfg.heading_command and then with it False (value: (T, N, 6),
  columns vx, vy, wz of each)."""
  cmd = _command_term(cls, env, cfg_cls, params["cfg"])
  flags = (cmd.cfg.heading_command, False)
  values = []
  for t in range(sequence["qpos"].shape[0]):
    apply_snapshot(env, snapshot_at(sequence, t))
    step = []
    for flag in flags:
      cmd.cfg.heading_command = flag
      cmd.vel_command_b[:] = torch.as_tensor(sequence["command"][t])
      cmd.heading_target[:] = torch.as_tensor(params["heading_target"])
      cmd.is_heading_env[:] = torch.as_tensor(params["is_heading_env"])
      cmd.is_turning_env[:] = torch.as_tensor(params["is_turning_env"])
      cmd.is_standing_env[:] = torch.as_tensor(params["is_standing_env"])
      cmd._update_command()
      step.append(to_array(cmd.vel_command_b, "vel_command_b"))
    values.append(np.concatenate(step, axis=-1))
  cmd.cfg.heading_command = flags[0]
  return {"value": np.stack(values)}


def probe_metrics(
  env: ManagerBasedRlEnv, cls: type, cfg_cls: type, params: dict, sequence: Arrays
) -> Arrays:
  """C3: metrics accumulated along the sequence (one _update_metrics per snapshot)."""
  cmd = _command_term(cls, env, cfg_cls, params["cfg"])
  xy, yaw = [], []
  for t in range(sequence["qpos"].shape[0]):
    apply_snapshot(env, snapshot_at(sequence, t))
    cmd.vel_command_b[:] = torch.as_tensor(sequence["command"][t])
    cmd._update_metrics()
    xy.append(to_array(cmd.metrics["error_vel_xy"], 'metrics["error_vel_xy"]'))
    yaw.append(to_array(cmd.metrics["error_vel_yaw"], 'metrics["error_vel_yaw"]'))
  return {"value": np.stack((np.stack(xy), np.stack(yaw)), axis=-1)}


def probe_curriculum(env: ManagerBasedRlEnv, func: Callable, todo: str, params: dict) -> Arrays:
  """K1 (command ranges) or K2 (a reward weight): the curriculum at each counter value."""
  ids = torch.arange(env.num_envs)
  returned, state = [], []
  for step in params["steps"]:
    env.common_step_counter = int(step)
    if todo == "K1":
      out = func(env, ids, command_name(env), params["stages"])
      if not isinstance(out, dict):
        raise ProbeError(f"commands_vel returned {type(out).__name__}, expected a dict")
      keys = ("lin_vel_x_max", "lin_vel_y_max", "ang_vel_z_max")
      if set(out) != set(keys):
        raise ProbeError(f"commands_vel returned keys {sorted(out)}, expected {list(keys)}")
      returned.append([float(out[k]) for k in keys])
      r = command_term(env).cfg.ranges
      state.append([float(x) for x in (*r.lin_vel_x, *r.lin_vel_y, *r.ang_vel_z)])
    else:
      out = func(env, ids, reward_name(env), params["stages"])
      returned.append([float(out)])
      state.append([float(env.reward_manager.get_term_cfg(reward_name(env)).weight)])
  return {"value": np.concatenate((np.asarray(returned), np.asarray(state)), axis=1)}


def probe_terrain_levels(env: ManagerBasedRlEnv, func: Callable, params: dict) -> Arrays:
  """K3 over rounds of resets. Before the first, the envs stand on ``initial_levels`` and episodes
  last ``episode_length_s``; each round puts every robot at its env origin + its ``offsets`` (x,
  y) [m], sets the ``commands`` and ``episode_length`` (env steps run), then calls the
  curriculum for the round's ``env_ids``.

  value: (rounds, 1 + 3N): the returned float, the N levels after the call, then the N env
  origins' (x, y) after it, env by env."""
  terrain = env.scene.terrain
  everyone = torch.arange(env.num_envs)
  env.scene.set_terrain_levels(everyone, torch.as_tensor(params["initial_levels"]))
  env.max_episode_length_s = float(params["episode_length_s"])
  (robot,) = env.scene.entities.values()
  call = decode_params(params["call"], env)
  rows = []
  for round_ in params["rounds"]:
    root = robot.data.default_root_state.clone()
    root[:, :2] = env.scene.env_origins[:, :2] + torch.as_tensor(round_["offsets"])
    robot.write_root_state_to_sim(root)
    command_term(env).vel_command_b[:] = torch.as_tensor(round_["commands"])
    env.episode_length_buf[:] = torch.as_tensor(round_["episode_length"])
    out = func(env, torch.as_tensor(round_["env_ids"], dtype=torch.long), **call)
    if isinstance(out, torch.Tensor) and out.numel() == 1:
      out = out.item()
    if not isinstance(out, (int, float)):
      raise ProbeError(f"terrain_levels returned {type(out).__name__}, expected a float")
    levels = terrain.levels.to("cpu", torch.float64)
    origins = env.scene.env_origins[:, :2].to("cpu", torch.float64).flatten()
    rows.append(torch.cat((torch.tensor([float(out)], dtype=torch.float64), levels, origins)))
  return {"value": torch.stack(rows).numpy()}


def build_env(
  num_envs: int, todo: str, params: dict, names: str, assignment: str
) -> ManagerBasedRlEnv:
  """The canned env a probe runs in (no student term is part of it), named as the name set
  ``names`` says (trotlab.grading.protocol.NAME_SETS), of ``assignment``'s task (the job names
  it: the child needs no registry entry of the TODO)."""
  ranges = None
  if todo == "K1":
    ranges = Ranges(**{k: tuple(v) for k, v in params["initial_ranges"].items()})
  env = canned.build_env(
    num_envs, ranges=ranges, names=canned.names_of(names), assignment=assignment
  )
  if todo == "K2":
    env.reward_manager.get_term_cfg(reward_name(env)).weight = float(params["initial_weight"])
  return env
