"""The public self-check: one small canned state per TODO, with visible expected values.

Expected values live in autograder/public/cases.json (written from the reference by
``uv run python -m autograder.make_public_cases``). Nothing here is hidden: the grader's own
cases are different states.
"""

from __future__ import annotations

import dataclasses
import json
import math
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from trotlab.checks import canned
from trotlab.managers import SceneEntityCfg
from trotlab.tasks.velocity.mdp import Mdp
from trotlab.utils.todo import TodoNotImplemented

CASES_FILE = Path(__file__).resolve().parents[3] / "autograder" / "public" / "cases.json"
RTOL, ATOL = 1e-4, 1e-5
FEET = ("FR", "FL", "RR", "RL")
SENSOR = "feet_ground_contact"
NONFOOT = "nonfoot_ground_contact"


def _feet() -> SceneEntityCfg:
  return SceneEntityCfg("robot", site_names=FEET, preserve_order=True)


@dataclasses.dataclass
class Case:
  todo: str
  name: str
  """Function (or class) name in the student's files."""
  params: Callable[[], dict] = dict
  stateful: bool = False
  """Call after every recipe step (air time and swing height need the history)."""


TERM_CASES = [
  Case("R1", "track_linear_velocity", lambda: {"std": 0.5, "command_name": "twist"}),
  Case("R2", "track_angular_velocity", lambda: {"std": 0.5, "command_name": "twist"}),
  Case("R3", "flat_orientation", lambda: {"std": 0.3}),
  Case("R4", "default_joint_position"),
  Case(
    "R5",
    "feet_air_time",
    lambda: {"sensor_name": SENSOR, "command_name": "twist", "threshold": 0.2},
    stateful=True,
  ),
  Case(
    "R6", "feet_clearance", lambda: {"target_height": 0.08, "tanh_mult": 2.0, "asset_cfg": _feet()}
  ),
  Case(
    "R7",
    "feet_swing_height",
    lambda: {"sensor_name": SENSOR, "target_height": 0.08, "asset_cfg": _feet()},
    stateful=True,
  ),
  Case("R8", "feet_slip", lambda: {"sensor_name": SENSOR, "asset_cfg": _feet()}),
  Case("O1", "base_lin_vel"),
  Case("O2", "base_ang_vel"),
  Case("O3", "projected_gravity"),
  Case("O4", "joint_pos_rel"),
  Case("O5", "joint_vel_rel"),
  Case("O6", "last_action"),
  Case("O7", "generated_commands", lambda: {"command_name": "twist"}),
  Case("O8", "foot_height", lambda: {"asset_cfg": _feet()}),
  Case("O9", "foot_air_time", lambda: {"sensor_name": SENSOR}),
  Case("O10", "foot_contact", lambda: {"sensor_name": SENSOR}),
  Case("O11", "foot_contact_forces", lambda: {"sensor_name": SENSOR}),
  Case("T1", "bad_orientation", lambda: {"limit_angle": math.radians(10.0)}),
  Case("T2", "root_height_below_minimum", lambda: {"minimum_height": 0.25}),
  Case("T3", "illegal_contact", lambda: {"sensor_name": NONFOOT}),
]
ALL_TODOS = [c.todo for c in TERM_CASES] + ["C1", "C2", "C3", "K1", "K2"]


@dataclasses.dataclass
class Result:
  todo: str
  name: str
  status: str
  """pass | fail | TODO | error"""
  detail: str = ""


def _plain(x: Any) -> Any:
  if isinstance(x, torch.Tensor):
    return x.detach().cpu().float().numpy().round(6).tolist()
  if isinstance(x, dict):
    return {k: _plain(v) for k, v in x.items()}
  if isinstance(x, list | tuple):
    return [_plain(v) for v in x]
  if isinstance(x, bool | int | float):
    return float(x)
  return x


def _term_outputs(case: Case, mdp: Mdp) -> list:
  """The term's outputs along the canned recipe (all steps if stateful, else checkpoints)."""
  env = canned.build_env()
  fn = getattr(mdp, case.name)
  params = case.params()
  for value in params.values():
    if isinstance(value, SceneEntityCfg):
      value.resolve(env.scene)
  if isinstance(fn, type):
    fn = fn(type("Cfg", (), {"params": params})(), env)
  outputs = []

  def on_step(k: int) -> None:
    if case.stateful or k in canned.CHECKPOINTS:
      outputs.append(_plain(fn(env, **params)))

  canned.run_recipe(env, on_step)
  return outputs


def _command(env, mdp: Mdp, **overrides):
  ranges = mdp.VelocityRanges(
    lin_vel_x=(-0.5, 1.0), lin_vel_y=(-0.3, 0.2), ang_vel_z=(0.1, 0.9), heading=(-1.0, 1.0)
  )
  cfg = mdp.UniformVelocityCommandCfg(
    resampling_time_range=(2.0, 4.0),
    ranges=ranges,
    rel_heading_envs=0.5,
    rel_turning_envs=0.2,
    rel_standing_envs=0.25,
  )
  for key, value in overrides.items():
    setattr(cfg, key, value)
  return mdp.UniformVelocityCommand(cfg, env)


def _check_c1(mdp: Mdp) -> str | None:
  """C1 by rules (random): ranges respected, fractions right, other envs untouched."""
  env = canned.build_env()
  torch.manual_seed(0)
  cmd = _command(env, mdp)
  cmd.vel_command_b[1] = torch.tensor([9.0, 9.0, 9.0])
  samples, heading, turning, standing = [], [], [], []
  for _ in range(400):
    cmd._resample_command(torch.tensor([0, 2]))
    samples.append(cmd.vel_command_b[[0, 2]].clone())
    heading.append(cmd.is_heading_env[[0, 2]].clone())
    turning.append(cmd.is_turning_env[[0, 2]].clone())
    standing.append(cmd.is_standing_env[[0, 2]].clone())
  v = torch.cat(samples)
  r = cmd.cfg.ranges
  for axis, (lo, hi), label in (
    (0, r.lin_vel_x, "lin_vel_x"),
    (1, r.lin_vel_y, "lin_vel_y"),
    (2, r.ang_vel_z, "ang_vel_z"),
  ):
    if v[:, axis].min() < lo or v[:, axis].max() > hi:
      return f"vel_command_b[:, {axis}] left ranges.{label} = {(lo, hi)}: saw {v[:, axis].min():.3f}..{v[:, axis].max():.3f}"
    if abs(v[:, axis].mean() - (lo + hi) / 2) > 0.06 * (hi - lo) or v[:, axis].std() < 0.2 * (
      hi - lo
    ):
      return f"vel_command_b[:, {axis}] does not look uniform on {(lo, hi)}: mean {v[:, axis].mean():.3f}, std {v[:, axis].std():.3f}"
  if not torch.equal(cmd.vel_command_b[1], torch.tensor([9.0, 9.0, 9.0])):
    return "env 1 was not in env_ids but its command changed"
  h, s = torch.cat(heading).float().mean().item(), torch.cat(standing).float().mean().item()
  if abs(h - 0.5) > 0.08:
    return f"is_heading_env fraction {h:.2f}, expected rel_heading_envs = 0.5"
  t = torch.cat(turning).float().mean().item()
  if abs(t - 0.2) > 0.07:
    return f"is_turning_env fraction {t:.2f}, expected rel_turning_envs = 0.2"
  if abs(s - 0.25) > 0.07:
    return f"is_standing_env fraction {s:.2f}, expected rel_standing_envs = 0.25"
  off = _command(env, mdp, heading_command=False)
  off._resample_command(torch.arange(3))
  if off.is_heading_env.any():
    return "is_heading_env must stay False when cfg.heading_command is False"
  return None


def _c2_outputs(mdp: Mdp) -> list:
  env = canned.build_env()
  canned.run_recipe(env, lambda k: None)
  cmd = _command(env, mdp)
  cmd.vel_command_b[:] = torch.tensor([[0.3, 0.1, 0.0], [0.2, -0.1, 0.4], [-0.2, 0.0, 0.5]])
  cmd.heading_target[:] = torch.tensor([2.5, -3.0, 1.0])
  cmd.is_heading_env[:] = torch.tensor([True, True, False])
  cmd.is_turning_env[:] = torch.tensor([True, False, True])
  cmd.is_standing_env[:] = torch.tensor([False, True, False])
  cmd._update_command()
  return [_plain(cmd.vel_command_b)]


def _c3_outputs(mdp: Mdp) -> list:
  env = canned.build_env()
  canned.run_recipe(env, lambda k: None)
  cmd = _command(env, mdp)
  cmd.vel_command_b[:] = torch.tensor([[0.3, 0.1, 0.2], [0.0, 0.0, 0.0], [-0.2, 0.3, -0.5]])
  cmd._update_metrics()
  cmd._update_metrics()
  return [_plain(cmd.metrics["error_vel_xy"]), _plain(cmd.metrics["error_vel_yaw"])]


def _k_outputs(todo: str, mdp: Mdp) -> list:
  env = canned.build_env(ranges=mdp.VelocityRanges())
  ids = torch.arange(env.num_envs)
  outputs = []
  for step in (0, 99, 100, 250):
    env.common_step_counter = step
    if todo == "K1":
      stages = [
        {"step": 0, "lin_vel_x": (-0.5, 0.5), "ang_vel_z": (-0.4, 0.4)},
        {"step": 100, "lin_vel_x": (-1.0, 1.0), "lin_vel_y": (-0.6, 0.6)},
        {"step": 250, "ang_vel_z": (-1.5, 1.5)},
      ]
      returned = mdp.commands_vel(env, ids, "twist", stages)
      r = env.command_manager.get_term("twist").cfg.ranges
      outputs.append(
        {"returned": _plain(returned), "ranges": _plain([r.lin_vel_x, r.lin_vel_y, r.ang_vel_z])}
      )
    else:
      stages = [
        {"step": 0, "weight": -0.02},
        {"step": 100, "weight": -0.1},
        {"step": 250, "weight": -0.3},
      ]
      returned = mdp.reward_weight(env, ids, "action_rate", stages)
      outputs.append(
        {
          "returned": _plain(returned),
          "weight": _plain(env.reward_manager.get_term_cfg("action_rate").weight),
        }
      )
  return outputs


def compute_outputs(todo: str, mdp: Mdp) -> list:
  """What ``mdp`` produces on the canned inputs of ``todo``."""
  for case in TERM_CASES:
    if case.todo == todo:
      return _term_outputs(case, mdp)
  return {
    "C2": lambda: _c2_outputs(mdp),
    "C3": lambda: _c3_outputs(mdp),
    "K1": lambda: _k_outputs("K1", mdp),
    "K2": lambda: _k_outputs("K2", mdp),
  }[todo]()


def _first_mismatch(expected: Any, got: Any, path: str = "") -> str | None:
  if isinstance(expected, dict):
    if not isinstance(got, dict) or set(got) != set(expected):
      return f"{path or 'output'}: expected keys {sorted(expected)}, got {sorted(got) if isinstance(got, dict) else type(got).__name__}"
    for key in expected:
      found = _first_mismatch(expected[key], got[key], f"{path}[{key!r}]")
      if found:
        return found
    return None
  if isinstance(expected, list) and any(isinstance(x, dict) for x in expected):
    if not isinstance(got, list) or len(got) != len(expected):
      return f"{path or 'output'}: expected {len(expected)} entries, got {got!r:.80}"
    for i, (e_item, g_item) in enumerate(zip(expected, got, strict=True)):
      found = _first_mismatch(e_item, g_item, f"{path}[{i}]")
      if found:
        return found
    return None
  e, g = np.asarray(expected, dtype=float), np.asarray(got, dtype=float)
  if e.shape != g.shape:
    return f"{path or 'output'}: expected shape {e.shape}, got {g.shape}"
  close = np.isclose(g, e, rtol=RTOL, atol=ATOL)
  if close.all():
    return None
  index = tuple(int(i) for i in np.argwhere(~close)[0])
  where = f"{path}[{', '.join(map(str, index))}]"
  env_note = f" (env {index[1]})" if len(index) > 1 else ""
  return f"{where}{env_note}: expected {e[index]:.5g}, got {g[index]:.5g}"


def run_public_checks(mdp: Mdp, expected: dict | None = None) -> list[Result]:
  """Check every TODO of ``mdp`` against the public expected values."""
  if expected is None:
    expected = json.loads(CASES_FILE.read_text())
  names = {c.todo: c.name for c in TERM_CASES} | {
    "C1": "UniformVelocityCommand._resample_command",
    "C2": "UniformVelocityCommand._update_command",
    "C3": "UniformVelocityCommand._update_metrics",
    "K1": "commands_vel",
    "K2": "reward_weight",
  }
  results = []
  for todo in ALL_TODOS:
    try:
      if todo == "C1":
        problem = _check_c1(mdp)
      else:
        problem = _first_mismatch(expected[todo], compute_outputs(todo, mdp))
      results.append(
        Result(todo, names[todo], "pass" if problem is None else "fail", problem or "")
      )
    except TodoNotImplemented as err:
      results.append(Result(todo, names[todo], "TODO", f"not implemented (TODO({err.todo_id}))"))
    except Exception as err:  # a student's bug: report it, go on with the other TODOs
      last = traceback.extract_tb(err.__traceback__)[-1]
      results.append(
        Result(
          todo,
          names[todo],
          "error",
          f"{type(err).__name__}: {err} ({Path(last.filename).name}:{last.lineno})",
        )
      )
  return results
