"""Benchmarks that print figures (recorded in docs/benchmarks.md with their commands).

uv run python -m trotlab.bench sim --num-envs 4096
uv run python -m trotlab.bench backends --num-envs 4096
uv run python -m trotlab.bench stand
uv run python -m trotlab.bench train --seed 1 --budget-min 10
"""

from trotlab.bench.sim import (
  BackendsBench,
  SimBench,
  StandBench,
  run_backends_bench,
  run_sim_bench,
  run_stand_bench,
)
from trotlab.bench.training import CurvesPlot, TrainBench, plot_curves, run_train_bench

__all__ = [
  "BackendsBench",
  "SimBench",
  "StandBench",
  "CurvesPlot",
  "TrainBench",
  "run_backends_bench",
  "run_sim_bench",
  "run_stand_bench",
  "plot_curves",
  "run_train_bench",
]
