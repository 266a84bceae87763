"""Grading benchmarks and the training check's calibration (instructor tool; figures go to
docs/grading.md).

  uv run python -m autograder.benchmark terms [--repeats 5]
      wall-clock of the term checks for one submission (the reference), median of N
  uv run python -m autograder.benchmark calibrate --profile cpu --seeds 1 2 3 [--variants ...]
      the training check on the reference (and on broken variants) for several seeds; appends
      one JSON line per run to docs/data/grading/calibration_<profile>.jsonl

  uv run python -m autograder.benchmark table [--profile cpu_warm]
      the calibration rows of a profile as markdown tables: one row per variant, and the
      reference by iteration count (runs scored at several counts with --also-at)

  uv run python -m autograder.benchmark gradescope [--timeout-s 600] [--label idle]
      one whole Gradescope grade of the reference (MDP files and notebook), timed, with the peak
      PSS of the grader and its children together; a row to docs/data/grading/gradescope_runs.jsonl

  uv run python -m autograder.benchmark turn-sweep docs/data/grading/policies/cpu_reference_seed4.pt
      a kept policy's yaw-rate error on pure turns of several rates and both signs (a policy
      that stands still on a turn has an error equal to the commanded rate)

Variants (autograder/variants.py): the reference, whole-MDP mistakes a student could make
(no tracking reward, sign-flipped tracking, world-frame tracking or observations, a tilt
termination that never fires, commands never written), and one reward term removed or inverted
at a time (removed_<term>, inverted_<term>).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import tempfile
import time
from pathlib import Path

from autograder.term_checks import grade_terms
from autograder.training_check import DEFAULT_PROFILE, PROFILES, TASK, run_training_check
from autograder.variants import SOLUTIONS, VARIANTS, write_variant
from trotlab.evaluation import TrackingEvalCfg

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "data" / "grading"


def bench_terms(repeats: int) -> None:
  times = []
  for i in range(repeats):
    start = time.perf_counter()
    results = grade_terms(SOLUTIONS, log=lambda *a: None)
    times.append(time.perf_counter() - start)
    print(f"[bench terms] run {i + 1}: {times[-1]:.1f} s, {sum(r.score for r in results):g}/100")
  print(
    f"[bench terms] median of {repeats}: {statistics.median(times):.1f} s (min {min(times):.1f}, max {max(times):.1f})"
  )


def code_state() -> dict:
  """The commit the rows are computed at, and the tracked files (outside docs/) that differed
  from it: a row must be reproducible, and a worktree with uncommitted changes is not what its
  commit says. None where there is no git repository."""
  import subprocess

  def git(*args: str) -> str:
    result = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
    return result.stdout.strip() if result.returncode == 0 else ""

  commit = git("rev-parse", "HEAD")
  # docs/ left out: the rows being written are there
  changed = git("status", "--porcelain", "--untracked-files=no", "--", ".", ":!docs")
  return {"commit": commit or None, "uncommitted_changes": changed.splitlines() if commit else None}


def calibrate(
  profile_name: str,
  seeds: list[int],
  variants: list[str],
  iterations: int | None = None,
  also_at: tuple[int, ...] = (),
  time_limit_s: float | None = None,
) -> None:
  """One JSON line per (variant, seed, iteration count). ``iterations`` / ``time_limit_s``
  override the profile's (a longer cap only lets a run on a busy machine finish: the result
  depends on the iterations alone); ``also_at`` scores the same run's policies at those
  iteration counts too, i.e. the runs of profiles with that many iterations."""
  OUT.mkdir(parents=True, exist_ok=True)
  log_file = OUT / f"calibration_{profile_name}.jsonl"
  overrides = {"iterations": iterations, "time_limit_s": time_limit_s}
  base = dataclasses.replace(PROFILES[profile_name], **{k: v for k, v in overrides.items() if v})
  code = code_state()
  for variant in variants:
    for seed in seeds:
      profile = dataclasses.replace(base, seed=seed)
      with tempfile.TemporaryDirectory() as tmp:
        folder = write_variant(variant, Path(tmp) / "sub")
        start = time.perf_counter()
        policy = OUT / "policies" / f"{profile_name}_{variant}_seed{seed}.pt"
        result = run_training_check(folder, profile, keep_policy=policy, also_at=also_at)
        wall = time.perf_counter() - start
      runs = {**result.earlier, profile.iterations: result}
      for count, run in sorted(runs.items()):
        row = {
          "profile": profile_name,
          "variant": variant,
          "seed": seed,
          "iterations": count,
          "wall_s": round(wall, 1) if count == profile.iterations else None,
          "score": run.score,
          "max_score": run.max_score,
          "items": {k: v["score"] for k, v in run.items.items()},
          "phases": run.phases,
          "output": run.output,
          "profile_fields": dataclasses.asdict(profile),
          "evaluation": {"spread": dataclasses.asdict(TrackingEvalCfg().spread)},
          "code": code,
        }
        with log_file.open("a") as f:
          f.write(json.dumps(row) + "\n")
        print(
          f"[calibrate] {profile_name} {variant} seed {seed}, {count} iterations: {run.score:g}/{run.max_score:g}\n{run.output}",
          flush=True,
        )
      print(f"[calibrate] seed {seed}: {wall / 60:.1f} min", flush=True)


DISCRIMINATED_BELOW = 24.0
"""A broken variant counts as caught in a seed when it scores at most this (of 40)."""


def calibration_rows(profile_name: str) -> list[dict]:
  """Every row of docs/data/grading/calibration_<profile_name>.jsonl, in the order written."""
  text = (OUT / f"calibration_{profile_name}.jsonl").read_text()
  return [json.loads(line) for line in text.splitlines() if line.strip()]


LIMITED_ERRORS = (
  ("mean_xy_error", "max_xy_error", "planar {:.3f} > {:g} m/s"),
  ("mean_abs_wz_error", "max_abs_wz_error", "yaw rate {:.3f} > {:g} rad/s"),
)
"""A row's phase fields: each judged error, its limit, and how a failure of it reads."""


def worst_margin(row: dict) -> float:
  """The largest error / limit over a row's moving phases (planar and yaw-rate): below 1 every
  phase is within its limits, and how far below says how close the policy came to failing."""
  return max(
    phase[error] / phase[limit]
    for phase in row["phases"].values()
    if phase.get("moving")
    for error, limit, _ in LIMITED_ERRORS
  )


def failed_phases(row: dict) -> list[str]:
  """The row's failed moving phases, each with the error past its limit ("mixed: planar 0.161 >
  0.16 m/s") or the share of robots that fell."""
  failed = []
  for name, phase in row["phases"].items():
    if not phase.get("moving"):
      continue
    for error, limit, label in LIMITED_ERRORS:
      if phase[error] > phase[limit]:
        failed.append(f"{name}: {label.format(phase[error], phase[limit])}")
    if phase["fell_fraction"] > 0:
      failed.append(f"{name}: {phase['fell_fraction']:.0%} fell")
  return failed


def budget_table(profile_name: str, variant: str = "reference") -> str:
  """``variant``'s rows of ``profile_name`` by iteration count (runs scored at several counts
  with --also-at): how many seeds earn full points, the median and largest worst_margin, and
  every other seed with its score and failed phases. A later row of the same seed and count
  replaces an earlier one."""
  by_count: dict[int, dict[int, dict]] = {}
  for row in calibration_rows(profile_name):
    if row["variant"] == variant:
      by_count.setdefault(row["iterations"], {})[row["seed"]] = row
  lines = [
    "| iterations | full points | worst error / limit: median, max | the others |",
    "| ---: | --- | --- | --- |",
  ]
  for count, seeds in sorted(by_count.items()):
    full = sum(row["score"] == row["max_score"] for row in seeds.values())
    margins = [worst_margin(row) for row in seeds.values()]
    others = "; ".join(
      f"seed {seed}: {row['score']:g} ({', '.join(failed_phases(row))})"
      for seed, row in sorted(seeds.items())
      if row["score"] < row["max_score"]
    )
    lines.append(
      f"| {count} | {full} of {len(seeds)} | {statistics.median(margins):.2f}, {max(margins):.2f}"
      f" | {others or '-'} |"
    )
  return "\n".join(lines)


def calibration_table(profile_name: str) -> str:
  """The calibration rows of ``profile_name`` at its own iteration count, one markdown row per
  variant: seeds run, the scores by seed, how many seeds earn full points, how many score at
  most DISCRIMINATED_BELOW, and the phases that failed most often."""
  profile = PROFILES[profile_name]
  rows = [r for r in calibration_rows(profile_name) if r["iterations"] == profile.iterations]
  by_variant: dict[str, dict[int, dict]] = {}
  for row in rows:  # a later row of the same variant and seed replaces an earlier one
    by_variant.setdefault(row["variant"], {})[row["seed"]] = row
  lines = [
    f"| variant | seeds | full points | <= {DISCRIMINATED_BELOW:g} / 40 | failed phases (count) |"
    " scores by seed |",
    "| --- | ---: | ---: | ---: | --- | --- |",
  ]
  order = ["reference", *sorted(v for v in by_variant if v != "reference")]
  for variant in (v for v in order if v in by_variant):
    seeds = by_variant[variant]
    scores = {seed: row["score"] for seed, row in sorted(seeds.items())}
    failed: dict[str, int] = {}
    for row in seeds.values():
      for item, score in row["items"].items():
        if score == 0:
          failed[item] = failed.get(item, 0) + 1
    full = sum(row["score"] == row["max_score"] for row in seeds.values())
    caught = sum(score <= DISCRIMINATED_BELOW for score in scores.values())
    phases = ", ".join(f"{k} {n}" for k, n in sorted(failed.items(), key=lambda kv: -kv[1]))
    by_seed = " ".join(f"{seed}:{score:g}" for seed, score in scores.items())
    lines.append(f"| {variant} | {len(seeds)} | {full} | {caught} | {phases or '-'} | {by_seed} |")
  return "\n".join(lines)


def _process_tree(root: int) -> list[int]:
  """``root`` and every process descending from it (host PIDs, from /proc)."""
  children: dict[int, list[int]] = {}
  for entry in Path("/proc").iterdir():
    if entry.name.isdigit():
      try:
        fields = (entry / "stat").read_text().rpartition(")")[2].split()
      except OSError:
        continue
      children.setdefault(int(fields[1]), []).append(int(entry.name))
  tree, todo = [], [root]
  while todo:
    pid = todo.pop()
    tree.append(pid)
    todo += children.get(pid, [])
  return tree


def _pss_bytes(pids: list[int]) -> int:
  """The proportional set size of ``pids`` together (shared pages split among their users)."""
  total = 0
  for pid in pids:
    try:
      for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
          total += int(line.split()[1]) * 1024
          break
    except OSError:
      continue
  return total


def gradescope_run(timeout_s: float | None, label: str) -> None:
  """One whole Gradescope grade of the reference (its five MDP files and the source notebook,
  whose answers are the reference's), as run_autograder runs it, timed; the peak PSS of the
  grader and its sandboxed children together is sampled every 0.2 s. Appends a row to
  docs/data/grading/gradescope_runs.jsonl."""
  import shutil
  import subprocess
  import sys

  from autograder.notebook import SOURCE

  with tempfile.TemporaryDirectory(prefix="trotlab-gs-") as tmp:
    submission = Path(tmp) / "submission"
    shutil.copytree(SOLUTIONS, submission, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(SOURCE, submission / "go1_velocity.ipynb")
    results = Path(tmp) / "results" / "results.json"
    command = [sys.executable, "-m", "autograder.gradescope.run", "--submission", str(submission)]
    command += ["--results", str(results)]
    if timeout_s is not None:
      command += ["--timeout-s", str(timeout_s)]
    start = time.monotonic()
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    peak = 0
    while proc.poll() is None:
      peak = max(peak, _pss_bytes(_process_tree(proc.pid)))
      time.sleep(0.2)
    wall = time.monotonic() - start
    output = proc.stdout.read()
    graded = json.loads(results.read_text()) if results.is_file() else None
  row = {
    "label": label,
    "timeout_s": timeout_s,
    "wall_s": round(wall, 1),
    "peak_pss_gb": round(peak / 1e9, 3),
    "score": None if graded is None else graded["score"],
    "output": output.strip(),
  }
  OUT.mkdir(parents=True, exist_ok=True)
  with (OUT / "gradescope_runs.jsonl").open("a") as f:
    f.write(json.dumps(row) + "\n")
  print(
    f"[gradescope] {label}: {wall:.0f} s, peak PSS (grader + children) {peak / 1e9:.2f} GB,"
    f" results.json {'written' if graded else 'MISSING'}\n{output}"
  )


TURN_RATES = (0.2, 0.3, 0.5, 0.7, 1.0, -0.3, -0.5, -1.0)
"""rad/s: the pure turns of turn-sweep (the training check's yaw phase is 0.5)."""


def evaluate_kept_policy(path: Path, mdp, cfg) -> dict:
  """The tracking evaluation ``cfg`` of the checkpoint ``path`` in a fresh play env of the flat
  task with the MDP ``mdp`` (trotlab's Mdp, the one the policy trained on), on the CPU. Returns
  the per-phase metrics."""
  import torch

  from trotlab.envs import ManagerBasedRlEnv
  from trotlab.evaluation import eval_env_cfg, run_tracking_eval
  from trotlab.rl.policy import load_policy
  from trotlab.tasks import get_task

  spec = get_task(TASK)
  env = ManagerBasedRlEnv(
    eval_env_cfg(spec.env_cfg(play=True, device="cpu", mdp=mdp), cfg), verbose=False
  )
  try:
    policy = load_policy(path, env, spec.agent_cfg(device="cpu"), device="cpu")
    with torch.inference_mode():
      return run_tracking_eval(env, policy, cfg, progress=False)["phases"]
  finally:
    env.close()


def turn_sweep(policies: list[Path], num_envs: int = 16) -> None:
  """Print each policy's mean |wz error| (rad/s) on each pure turn (0, 0, wz), the reference
  MDP's observations, 1 s settling then 2 s scored per rate."""
  from trotlab.evaluation import TrackingEvalCfg
  from trotlab.evaluation.tracking import Phase
  from trotlab.tasks.velocity.mdp import load_mdp

  mdp = load_mdp("solutions")
  stand = Phase("stand", 1.0, (0.0, 0.0, 0.0))
  turns = tuple(Phase(f"{wz:+.1f}", 3.0, (0.0, 0.0, wz)) for wz in TURN_RATES)
  cfg = TrackingEvalCfg(num_envs=num_envs, phases=(stand, *turns))
  print("| policy | " + " | ".join(f"wz {p.name}" for p in turns) + " |")
  print("| --- |" + " ---: |" * len(turns))
  for path in policies:
    phases = evaluate_kept_policy(path, mdp, cfg)
    errors = [f"{phases[p.name]['mean_abs_wz_error']:.3f}" for p in turns]
    print(f"| {path} | " + " | ".join(errors) + " |", flush=True)


def main(argv: list[str] | None = None) -> None:
  parser = argparse.ArgumentParser(
    description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
  )
  sub = parser.add_subparsers(dest="command", required=True)
  terms = sub.add_parser("terms")
  terms.add_argument("--repeats", type=int, default=5)
  cal = sub.add_parser("calibrate")
  cal.add_argument("--profile", default=DEFAULT_PROFILE, choices=sorted(PROFILES))
  cal.add_argument("--seeds", type=int, nargs="+", default=list(range(1, 11)))
  cal.add_argument("--variants", nargs="+", default=["reference"], choices=sorted(VARIANTS))
  cal.add_argument("--iterations", type=int, default=None, help="instead of the profile's")
  cal.add_argument(
    "--also-at",
    type=int,
    nargs="*",
    default=[],
    help="also score the policy at these iterations of the same run",
  )
  cal.add_argument(
    "--time-limit-s", type=float, default=None, help="instead of the profile's (a busy machine)"
  )
  table = sub.add_parser("table")
  table.add_argument("--profile", default=DEFAULT_PROFILE, choices=sorted(PROFILES))
  gs = sub.add_parser("gradescope")
  gs.add_argument("--timeout-s", type=float, default=None, help="the assignment's timeout")
  gs.add_argument("--label", default="idle", help="how the machine was (idle, loaded, ...)")
  sweep = sub.add_parser("turn-sweep")
  sweep.add_argument("policies", type=Path, nargs="+", help="checkpoints kept by calibrate")
  args = parser.parse_args(argv)
  if args.command == "terms":
    bench_terms(args.repeats)
  elif args.command == "table":
    print(calibration_table(args.profile))
    print(f"\nThe reference by iteration count ({args.profile}):\n")
    print(budget_table(args.profile))
  elif args.command == "gradescope":
    gradescope_run(args.timeout_s, args.label)
  elif args.command == "turn-sweep":
    turn_sweep(args.policies)
  else:
    also_at = tuple(args.also_at)
    calibrate(args.profile, args.seeds, args.variants, args.iterations, also_at, args.time_limit_s)


if __name__ == "__main__":
  main()
