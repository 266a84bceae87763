"""The student's main job, timed as a student runs it (issue 15, item 4).

For each seed: ``uv run train TASK --mdp solutions --seed S`` (the task's default run for this
machine: on a CPU the warm start's 70 iterations), then ``uv run evaluate TASK --checkpoint-file
RUN/model_<last>.pt --mdp solutions`` on its final checkpoint (DESIGN.md's pass rule). Both are
subprocesses, so the wall-clock includes ``uv run``'s and Python's start-up, as a student sees it.
One JSON row per seed is appended to ``out`` as soon as it is known: seed, train_s, evaluate_s,
passed, the worst moving-phase errors, the run folder. The summary line gives the seeds passed
and the median / min / max of the training wall-clock.
"""

from __future__ import annotations

import dataclasses
import json
import re
import statistics
import subprocess
import time
from pathlib import Path


@dataclasses.dataclass
class MainJobBench:
  """`uv run train` + `uv run evaluate` per seed, timed."""

  task: str = "Mjlab-Velocity-Flat-Unitree-Go1"
  seeds: tuple[int, ...] = tuple(range(1, 11))
  train_args: tuple[str, ...] = ()
  """Extra options of `train`; none: the default run. Write the first with ``=`` so that it is
  not read as an option of this bench: ``--train-args=--from-scratch True``."""
  log_root: Path = Path("logs/main_job")
  out: Path = Path("docs/data/main_job_cpu.jsonl")


def last_checkpoint(run: Path) -> Path:
  """The highest-iteration model_<it>.pt of a run folder."""
  return max(run.glob("model_*.pt"), key=lambda p: int(re.findall(r"\d+", p.stem)[-1]))


def worst_errors(metrics: dict) -> tuple[float, float]:
  """The worst moving phase's mean |v_xy - cmd| (m/s) and |wz - cmd| (rad/s) of metrics.json."""
  moving = [p for p in metrics["phases"].values() if p["moving"]]
  return max(p["mean_xy_error"] for p in moving), max(p["mean_abs_wz_error"] for p in moving)


def run_main_job_bench(cfg: MainJobBench) -> list[dict]:
  rows = []
  for seed in cfg.seeds:
    root = cfg.log_root / f"seed{seed}"
    train = ["uv", "run", "--locked", "train", cfg.task, "--mdp", "solutions", "--seed", str(seed)]
    train += [*cfg.train_args, "--log-root", str(root)]
    start = time.perf_counter()
    subprocess.run(train, check=True)
    train_s = time.perf_counter() - start
    (run,) = [p for p in (root / "go1_velocity").iterdir() if p.is_dir()]
    checkpoint = last_checkpoint(run)
    evaluate = ["uv", "run", "--locked", "evaluate", cfg.task, "--mdp", "solutions"]
    evaluate += ["--checkpoint-file", str(checkpoint)]
    start = time.perf_counter()
    subprocess.run(evaluate, check=True)
    evaluate_s = time.perf_counter() - start
    metrics = json.loads((run / "evaluation" / checkpoint.stem / "metrics.json").read_text())
    xy, yaw = worst_errors(metrics)
    row = {
      "seed": seed,
      "train_args": list(cfg.train_args),
      "checkpoint": checkpoint.name,
      "train_s": round(train_s, 1),
      "evaluate_s": round(evaluate_s, 1),
      "passed": bool(metrics["passed"]),
      "worst_error_xy": round(xy, 4),
      "worst_error_yaw": round(yaw, 4),
      "run": str(run),
    }
    rows.append(row)
    cfg.out.parent.mkdir(parents=True, exist_ok=True)
    with cfg.out.open("a") as f:
      f.write(json.dumps(row) + "\n")
    print(f"[bench main-job] {json.dumps(row)}", flush=True)
  times = [r["train_s"] for r in rows]
  print(
    f"[bench main-job] passed {sum(r['passed'] for r in rows)} of {len(rows)} seeds; train "
    f"wall-clock median {statistics.median(times):.0f} s, min {min(times):.0f}, "
    f"max {max(times):.0f}"
  )
  return rows
