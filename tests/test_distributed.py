"""train --num-processes 2 on the CPU: two processes under torchrun (gloo), rsl-rl's multi-GPU
path averaging their gradients. The run folder is the one a single process writes (rank 0 logs,
saves and exports; the other leaves nothing), and the processes' networks are identical after
the updates."""

from __future__ import annotations

import subprocess
import sys

from conftest import TINY_TRAINING

TASK = "Mjlab-Velocity-Flat-Unitree-Go1"


def train(tmp_path, *extra: str) -> subprocess.CompletedProcess:
  tmp_path.mkdir(exist_ok=True)
  logs = tmp_path / "logs"
  argv = [TASK, *TINY_TRAINING, "--log-root", str(logs), *extra]
  return subprocess.run(
    [sys.executable, "-m", "trotlab.scripts.train", *argv],
    capture_output=True,
    text=True,
    timeout=600,
    cwd=tmp_path,
  )


def layout(run) -> list[str]:
  """The run folder's files, without TensorBoard's event file names (they hold a host and time)."""
  names = sorted(str(p.relative_to(run)) for p in run.rglob("*") if p.is_file())
  return [n if "tfevents" not in n else "events" for n in names]


def test_two_processes_write_one_run_and_keep_identical_networks(tmp_path):
  single = train(tmp_path / "one")
  assert single.returncode == 0, single.stderr[-3000:]
  double = train(tmp_path / "two", "--num-processes", "2")
  assert double.returncode == 0, double.stdout[-3000:] + double.stderr[-3000:]
  assert "[trotlab] 2 processes: their networks are identical after training" in double.stdout
  (run_one,) = (tmp_path / "one" / "logs" / "go1_velocity").iterdir()
  (run_two,) = (tmp_path / "two" / "logs" / "go1_velocity").iterdir()  # rank 1 wrote none
  assert layout(run_two) == layout(run_one)
  # One progress line per iteration (rank 0's), not one per process.
  assert double.stdout.count("[train] it 1/1") == 1
  assert not list(tmp_path.glob("two/trotlab-rank*"))
