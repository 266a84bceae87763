"""Record the grader's canned cases with the reference outputs (instructor tool).

  uv run python -m autograder.record_cases [--policy autograder/hidden/reference_policy.pt]

For every case of autograder/cases.py (and of param_cases.py): run its recipe (a rollout of the
reference policy, or a crafted start driven by a scripted gait) through the real framework,
capture a snapshot after every env step, then run every TODO's probe on the replayed snapshots
with the reference MDP (expected values) and with each mutant of autograder/hidden/mutants.toml
(the fingerprints of common mistakes, used to name a failure's category). Writes
autograder/hidden/<case>.npz and, for public cases, student/trotlab/grading/public_cases/<case>.npz
(package data: the kit's public self-check reads them). Run it after changing a solution, the
cases or the framework; tests/test_autograder.py checks that the reference scores full marks.
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
from pathlib import Path

import numpy as np
import torch

from autograder.cases import SNAPSHOT_CASES, SnapshotCase
from autograder.mutants import MUTANTS, write_mutant
from autograder.param_cases import PARAM_CASES
from autograder.probe_params import in_names, metrics_params, term_params, update_command_params
from trotlab.envs.manager_based_rl_env import ManagerBasedRlEnv
from trotlab.grading import canned, child, protocol
from trotlab.grading.case_files import PUBLIC_CASES_DIR
from trotlab.grading.snapshot import capture_snapshot, command_term, stack_snapshots
from trotlab.grading.todos import BY_ID, Todo, check_assignment
from trotlab.sensors.height_scan import HeightScan
from trotlab.tasks import get_task
from trotlab.tasks.velocity.mdp import load_mdp, resolve_mdp_dir
from trotlab.utils.math import quat_from_euler_xyz

ROOT = Path(__file__).resolve().parents[1]
HIDDEN = ROOT / "autograder" / "hidden"
PUBLIC = PUBLIC_CASES_DIR
DEFAULT_POLICY = HIDDEN / "reference_policy.pt"


def _gait(step: int, num_envs: int) -> torch.Tensor:
  """A scripted trot-like action pattern: diagonal legs in phase, some env-to-env variety."""
  phase = 2 * math.pi * 2.0 * step * 0.02
  legs = torch.tensor([0.0, math.pi, math.pi, 0.0])  # FR, FL, RR, RL: diagonal pairs together
  per_leg = torch.sin(phase + legs + torch.arange(num_envs).unsqueeze(1) * 0.3)  # (N, 4)
  amplitude = torch.tensor([0.15, 0.6, -0.9])  # hip, thigh, calf
  return (per_leg.unsqueeze(-1) * amplitude).reshape(num_envs, 12)


def _set_root(
  env: ManagerBasedRlEnv,
  rpy: list[tuple[float, float, float]],
  dz: list[float],
  vel: list[list[float]],
) -> None:
  (robot,) = env.scene.entities.values()  # the task's env (policy cases) or the canned one
  root = robot.data.default_root_state.clone()
  r, p, y = (torch.tensor(v) for v in zip(*rpy, strict=True))
  root[:, 3:7] = quat_from_euler_xyz(r, p, y)
  root[:, 2] += torch.tensor(dz)
  root[:, 7:13] = torch.tensor(vel)
  robot.write_root_state_to_sim(root)


ROUGH_STARTS = {
  "rough": (
    [(1.5, 1.0), (-1.2, 1.4), (1.8, -0.6), (-1.6, -1.1), (1.1, 1.9), (-0.8, 1.2)],
    [0.3, -1.0, 2.0, 0.8, -2.5, 1.4],
    [0.0, 0.0, 0.0, 0.0, 0.0, 1.2],
  ),
  "rough_far": (
    [(2.6, -1.5), (-2.2, 2.0), (3.0, 0.5), (2.4, 2.4), (-2.8, -1.0), (1.5, -2.5)],
    [-0.7, 2.6, -1.8, 0.1, 1.0, -2.2],
    [0.0, 0.0, 1.1, 0.0, 0.0, 0.0],
  ),
}
"""The rough task's starts: per env an offset (x, y) [m] from its tile's centre, a yaw [rad] and
a drop height [m] above standing height."""


def _start_on_terrain(env: ManagerBasedRlEnv, start: str) -> None:
  """Robots off their tiles' centres (on slopes and steps, not the flat top), standing on the
  highest ground their trunk's height scan finds, plus their drop height."""
  offsets, yaws, drops = (torch.tensor(v) for v in ROUGH_STARTS[start])
  (robot,) = env.scene.entities.values()
  (grid,) = (s for s in env.scene.sensors.values() if isinstance(s, HeightScan) and not s.cfg.sites)
  root = robot.data.default_root_state.clone()
  root[:, :2] = env.scene.env_origins[:, :2] + offsets
  root[:, 2] = env.scene.env_origins[:, 2] + 5.0  # above any ground while the scan looks
  zero = torch.zeros_like(yaws)
  root[:, 3:7] = quat_from_euler_xyz(zero, zero, yaws)
  robot.write_root_state_to_sim(root)
  ground = grid.data.hit_pos_w[..., 2].amax(dim=1)
  root[:, 2] = ground + STANDING_HEIGHT + drops
  robot.write_root_state_to_sim(root)


CURB_YAWS = (0.4, -0.4, 0.0, 0.2, -0.2, 0.0)
"""The curb start: each robot's heading [rad]; a turned robot meets the curb with one front foot."""
CURB_GAPS = (0.25, 0.25, 0.21, 0.23, 0.24, 1.5)
"""The curb start: each robot's root this far short of the curb's near side [m] (the front feet
are 0.19 m ahead of the root); the last one never reaches it."""

STANDING_HEIGHT = 0.32
"""The trunk's height above the ground at the start of a rough case [m]."""


def _start(env: ManagerBasedRlEnv, case: SnapshotCase) -> None:
  (robot,) = env.scene.entities.values()
  n = env.num_envs
  if case.start == "tumble":
    canned.start_state(env)
    return
  if case.start in ROUGH_STARTS:
    _start_on_terrain(env, case.start)
    for sensor in env.scene.sensors.values():
      sensor.reset()
    return
  if case.start == "walk":
    _set_root(env, [(0.0, 0.0, 0.8 * i - 2.0) for i in range(n)], [0.0] * n, [[0.0] * 6] * n)
  elif case.start == "crafted":
    _set_root(
      env,
      [
        (math.pi, 0.0, 0.5),
        (0.0, 0.0, 0.0),
        (math.pi / 4, 0.1, 2.5),
        (0.0, 0.0, -1.0),
        (0.0, 0.0, 0.0),
        (0.2, -0.3, 3.0),
      ],
      [0.05, 0.6, 0.05, 0.0, 0.0, 0.2],
      [
        [0, 0, 0, 0, 0, 0],
        [0.4, 0, -0.5, 0, 0, 1.0],
        [0, 0, 0, 1.0, 0, 0],
        [0, 1.5, 0, 0, 0, 1.2],
        [0, 0, 0, 0, 0, 0],
        [-0.8, 0.5, 0, 0, 0.5, -2.0],
      ],
    )
    q = robot.data.default_joint_pos.clone()
    limits = robot.data.soft_joint_pos_limits
    q[4] = limits[4, :, 1]  # env 4: every joint at its upper soft limit
    q[5, ::3] = limits[5, ::3, 0] - 0.02  # env 5: hips just past their lower soft limit
    robot.write_joint_state_to_sim(q, torch.zeros_like(q))
  elif case.start == "turned":  # yaws near +-pi: a heading error across the wrap (C2)
    _set_root(
      env, [(0.0, 0.0, -2.8), (0.1, 0.0, 0.3), (0.0, -0.1, 2.7)], [0.0] * 3, [[0.0] * 6] * 3
    )
  elif case.start == "curb":  # robots walking into the canned env's curb (canned.CURB)
    near_side = canned.CURB[0][0] - canned.CURB[1][0]
    yaw = torch.tensor(CURB_YAWS[:n])
    root = robot.data.default_root_state.clone()
    root[:, 0] = near_side - torch.tensor(CURB_GAPS[:n])
    zero = torch.zeros(n)
    root[:, 3:7] = quat_from_euler_xyz(zero, zero, yaw)
    root[:, 7] = 0.4 * torch.cos(yaw)  # toward the curb
    root[:, 8] = 0.4 * torch.sin(yaw)
    robot.write_root_state_to_sim(root)
  elif case.start == "single":
    _set_root(env, [(0.0, 0.05, -2.0)], [0.0], [[0.2, 0.0, 0.0, 0.0, 0.0, 0.3]])
  else:
    raise ValueError(f"unknown start {case.start!r}")
  for sensor in env.scene.sensors.values():
    sensor.reset()


def record_sequence(case: SnapshotCase, policy_file: Path | None) -> dict[str, np.ndarray]:
  """Run the case's recipe and return its snapshot sequence (T, N, ...)."""
  policy = None
  if case.policy and policy_file is not None and policy_file.is_file():
    from trotlab.evaluation.tracking import TrackingEvalCfg, eval_env_cfg
    from trotlab.rl.policy import load_policy

    spec = get_task(canned.TASK)
    play_cfg = spec.env_cfg(play=True, device="cpu", mdp=load_mdp("solutions"))
    env = ManagerBasedRlEnv(
      eval_env_cfg(play_cfg, TrackingEvalCfg(num_envs=case.num_envs)), verbose=False
    )
    policy = load_policy(policy_file, env, spec.agent_cfg(device="cpu"))
  else:
    if case.policy:
      print(f"  {case.name}: no reference policy at {policy_file}; a scripted gait drives it")
    env = canned.build_env(case.num_envs, assignment=case.assignment)
  obs = env.reset()
  _start(env, case)
  command_term(env).vel_command_b[:] = torch.tensor(case.commands)
  obs = env.observation_manager.compute() if policy else obs
  snapshots = []
  warmup = 25 if policy else 0  # the policy walks for 0.5 s before recording starts
  for k in range(warmup + case.steps):
    if policy is not None:
      with torch.inference_mode():
        actions = policy(obs)
    elif case.start == "tumble":
      actions = canned.actions_at(k)
    elif case.start == "curb":  # small steps: the front feet stay against the curb
      actions = 0.5 * _gait(k, case.num_envs)
    else:
      actions = _gait(k, case.num_envs)
    obs, *_ = env.step(actions)
    if k >= warmup:
      snapshots.append(capture_snapshot(env))
  sequence = stack_snapshots(snapshots)
  if case.start == "turned":  # as with a second action term: the term's raw_action is not all of
    sequence["raw_action"] = (0.5 * sequence["action"] - 0.1).astype(np.float32)  # the action
  return sequence


def tasks_for_snapshot_case(case: SnapshotCase) -> list[tuple[Todo, dict]]:
  """The probes of a snapshot case: its assignment's TODOs that run on snapshots."""
  out = []
  for todo in check_assignment(case.assignment).todos:
    if case.todos and todo.todo not in case.todos:
      continue
    if todo.kind == "term":
      out.append((todo, term_params(todo.todo, case)))
    elif todo.kind == "update_command":
      out.append((todo, case.params.get(todo.todo) or update_command_params(case)))
    elif todo.kind == "metrics":
      out.append((todo, metrics_params(case)))
  return out


def run_probes(
  folder: Path,
  tasks: list[tuple[Todo, dict]],
  case_name: str,
  num_envs: int,
  inputs: dict | None,
  names: str,
) -> dict[str, np.ndarray]:
  """Every probe of ``tasks`` on one case with the MDP files in ``folder`` (trusted code only:
  the reference or its mutants), as {"<todo>/<key>": array}."""
  sub = child.Submission(folder)
  out: dict[str, np.ndarray] = {}
  with tempfile.TemporaryDirectory() as tmp:
    job_dir = Path(tmp)
    path = None
    if inputs is not None:
      path = protocol.inputs_file(case_name)
      (job_dir / path).parent.mkdir()
      np.savez(job_dir / path, **inputs)
    job = protocol.job(
      [
        protocol.task(t, [protocol.job_case(case_name, num_envs, params, path, names)])
        for t, params in tasks
      ]
    )
    envs = child.build_envs(job)  # as the grading child does
    for task in job["tasks"]:
      torch.manual_seed(0)
      arrays = child.run_case(
        task, task["cases"][0], sub, child.job_inputs(job_dir)(task["cases"][0]), envs
      )
      out.update({protocol.array_key(task["todo"], k): v for k, v in arrays.items()})
  return out


def record_case(
  name: str,
  num_envs: int,
  tasks,
  inputs: dict | None,
  public: bool,
  description: str = "",
  names: str = "canned",
  notes: dict[str, str] | None = None,
) -> Path:
  meta = {
    "name": name,
    "num_envs": num_envs,
    "public": public,
    "names": names,
    "todos": {t.todo: p for t, p in tasks},
  }
  if public:  # hidden cases are named "hidden case" only
    meta["description"] = description
    meta["notes"] = notes or {}
  arrays = {"meta": np.asarray(json.dumps(meta))}
  if inputs is not None:
    arrays.update({f"in/{k}": v for k, v in inputs.items()})
  expected = run_probes(resolve_mdp_dir("solutions"), tasks, name, num_envs, inputs, names)
  arrays.update({f"expected/{k}": v for k, v in expected.items()})
  wanted = {t.todo for t, _ in tasks}
  with tempfile.TemporaryDirectory() as tmp:
    for mutant in MUTANTS:
      if mutant.todo not in wanted:
        continue
      folder = write_mutant(mutant, Path(tmp) / mutant.key)
      todo_tasks = [(t, p) for t, p in tasks if t.todo == mutant.todo]
      diag = run_probes(folder, todo_tasks, name, num_envs, inputs, names)
      arrays.update(
        {f"diag/{mutant.category}/{k}": v for k, v in diag.items() if k.endswith("/value")}
      )
  folder = PUBLIC if public else HIDDEN
  folder.mkdir(parents=True, exist_ok=True)
  path = folder / f"{name}.npz"
  np.savez_compressed(path, **arrays)
  return path


def main(argv: list[str] | None = None) -> None:
  parser = argparse.ArgumentParser(
    description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
  )
  parser.add_argument(
    "--policy", type=Path, default=DEFAULT_POLICY, help="reference checkpoint for rollout cases"
  )
  parser.add_argument(
    "--only", nargs="*", help="record only these cases (names; 'public': every public one)"
  )
  args = parser.parse_args(argv)

  def wanted(case) -> bool:
    return not args.only or case.name in args.only or ("public" in args.only and case.public)

  for case in filter(wanted, SNAPSHOT_CASES):
    print(f"recording {case.name} ({case.num_envs} envs, {case.steps} steps)", flush=True)
    sequence = record_sequence(case, args.policy)
    tasks = tasks_for_snapshot_case(case)
    path = record_case(
      case.name,
      case.num_envs,
      tasks,
      sequence,
      case.public,
      case.description,
      case.names,
      case.notes,
    )
    print(f"  wrote {path.relative_to(ROOT)} ({path.stat().st_size // 1024} KiB)", flush=True)
  for case in filter(wanted, PARAM_CASES):
    tasks = [(BY_ID[case.todo], in_names(case.params, case.names))]
    path = record_case(
      case.name, case.num_envs, tasks, None, case.public, case.description, case.names
    )
    print(f"  wrote {path.relative_to(ROOT)}", flush=True)


if __name__ == "__main__":
  main()
