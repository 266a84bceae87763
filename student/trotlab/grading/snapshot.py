"""Snapshots: everything a term can read through the contract, saved as plain arrays and put back.

A snapshot of an env holds the simulator state (qpos, qvel), the contact sensors' timers, the
action buffers, the command, the episode counters. ``apply_snapshot`` writes them back through
the framework (the backend's state write recomputes every sensor at that state), so a term
called afterwards reads EntityData, ContactSensor and the managers exactly as in training. The
autograder records snapshot sequences from rollouts and crafted poses and replays them here.

Array keys (N envs; a sequence adds a leading T axis):
  qpos (N, nq), qvel (N, nv)                       simulator state
  contact/<timer> (N, P)                           current/last air/contact time [s] of the
                                                   contact sensor that tracks air time
  action, prev_action, raw_action (N, A)           action manager buffers (its one term)
  command (N, 3)                                   the one command, body frame
  episode_length_buf (N,), common_step_counter ()  counters

The keys name roles, not the env's names: a snapshot recorded in the task's env (a policy
drives it) is put back into the canned env, whose names differ (trotlab.grading.canned).
"""

from __future__ import annotations

import numpy as np
import torch

from trotlab.envs.manager_based_rl_env import ManagerBasedRlEnv

TIMERS = ("current_air_time", "last_air_time", "current_contact_time", "last_contact_time")


def _only(kind: str, names: list[str]) -> str:
  if len(names) != 1:
    raise ValueError(f"a snapshot needs exactly one {kind}; the env has {names}")
  return names[0]


def tracks_air_time(sensor) -> bool:
  """A contact sensor that tracks air time (a height scan has no such setting)."""
  return getattr(sensor.cfg, "track_air_time", False)


def air_time_sensor(env: ManagerBasedRlEnv):
  """The env's contact sensor that tracks air time (the feet's)."""
  sensors = env.scene.sensors
  return sensors[_only("air-time sensor", [n for n, s in sensors.items() if tracks_air_time(s)])]


def robot_name(env: ManagerBasedRlEnv) -> str:
  """The name of the env's one scene entity."""
  return _only("entity", list(env.scene.entities))


def command_name(env: ManagerBasedRlEnv) -> str:
  """The name of the env's one (velocity) command."""
  return _only("command", env.command_manager.active_terms)


def reward_name(env: ManagerBasedRlEnv) -> str:
  """The name of the env's one reward term (the canned env's)."""
  return _only("reward", env.reward_manager.active_terms)


def command_term(env: ManagerBasedRlEnv):
  """The env's velocity command term."""
  return env.command_manager.get_term(command_name(env))


def action_term(env: ManagerBasedRlEnv):
  """The env's joint-position action term."""
  return env.action_manager.get_term(_only("action term", env.action_manager.active_terms))


def capture_snapshot(env: ManagerBasedRlEnv) -> dict[str, np.ndarray]:
  """The env's current state as float32/int64 numpy arrays (keys in the module docstring)."""
  out = {"qpos": env.sim.qpos, "qvel": env.sim.qvel}
  sensor = air_time_sensor(env)
  for timer in TIMERS:
    out[f"contact/{timer}"] = getattr(sensor.data, timer)
  out["action"] = env.action_manager.action
  out["prev_action"] = env.action_manager.prev_action
  out["raw_action"] = action_term(env).raw_action
  out["command"] = command_term(env).command
  arrays = {k: v.detach().cpu().numpy().astype(np.float32).copy() for k, v in out.items()}
  arrays["episode_length_buf"] = env.episode_length_buf.cpu().numpy().astype(np.int64)
  arrays["common_step_counter"] = np.asarray(env.common_step_counter, dtype=np.int64)
  return arrays


def stack_snapshots(snapshots: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
  """A sequence of snapshots as arrays with a leading time axis (T, ...)."""
  return {key: np.stack([s[key] for s in snapshots]) for key in snapshots[0]}


def snapshot_at(sequence: dict[str, np.ndarray], t: int) -> dict[str, np.ndarray]:
  return {key: value[t] for key, value in sequence.items()}


def apply_snapshot(env: ManagerBasedRlEnv, snapshot: dict[str, np.ndarray]) -> None:
  """Put a snapshot back: state write (sensors recomputed), timers, buffers, counters.

  The env must have the snapshot's num_envs; raises ValueError naming the mismatch otherwise."""
  device = env.device

  def tensor(key: str) -> torch.Tensor:
    return torch.as_tensor(snapshot[key], device=device)

  if snapshot["qpos"].shape[0] != env.num_envs:
    raise ValueError(f"snapshot holds {snapshot['qpos'].shape[0]} envs, the env has {env.num_envs}")
  env.scene.sim.write_state(None, qpos=tensor("qpos"), qvel=tensor("qvel"))
  sensor = air_time_sensor(env)
  sensor.update(0.0)  # re-read found/force at the written state; timers are overwritten next
  for timer in TIMERS:
    setattr(sensor.data, timer, tensor(f"contact/{timer}").clone())
  env.action_manager.action[:] = tensor("action")
  env.action_manager.prev_action[:] = tensor("prev_action")
  action_term(env).raw_action[:] = tensor("raw_action")
  command_term(env).command[:] = tensor("command")
  env.episode_length_buf[:] = tensor("episode_length_buf")
  env.common_step_counter = int(snapshot["common_step_counter"])


def replace_env(snapshot: dict[str, np.ndarray], target: int, source: int) -> dict:
  """A copy of the snapshot in which env ``target`` holds env ``source``'s data (leak checks:
  the other envs' term outputs must not change). Every env is its own MuJoCo world, so two envs
  may share a position."""
  out = {}
  for key, value in snapshot.items():
    value = value.copy()
    if value.ndim >= 1 and key != "common_step_counter":
      value[target] = value[source]
    out[key] = value
  return out
