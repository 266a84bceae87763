"""Benchmarks that print figures (the instructor repository's docs/benchmarks.md records them).

uv run python -m bench sim --num-envs 4096
uv run python -m bench backends --num-envs 4096
uv run python -m bench stand
uv run python -m bench train --seed 1 --budget-min 10
uv run python -m bench reset --num-envs 1024
uv run python -m bench iteration --settings "" "agent.algorithm.num_learning_epochs=3"
uv run python -m bench terrain --num-envs 1024
uv run python -m bench main-job --seeds 1 2 3 4 5 6 7 8 9 10
uv run python -m bench gpu --num-envs 1024 4096 8192          (needs a GPU)
uv run python -m bench mjlab --train-seconds 120               (needs a GPU and the registry)
"""

from bench.gpu import GpuBench, MjlabBench, run_gpu_bench, run_mjlab_bench
from bench.iteration import IterationBench, run_iteration_bench
from bench.main_job import MainJobBench, run_main_job_bench
from bench.reset import ResetBench, run_reset_bench
from bench.sim import (
  BackendsBench,
  SimBench,
  StandBench,
  run_backends_bench,
  run_sim_bench,
  run_stand_bench,
)
from bench.terrain import TerrainBench, run_terrain_bench
from bench.training import CurvesPlot, TrainBench, plot_curves, run_train_bench

__all__ = [
  "BackendsBench",
  "GpuBench",
  "IterationBench",
  "MainJobBench",
  "MjlabBench",
  "ResetBench",
  "SimBench",
  "StandBench",
  "CurvesPlot",
  "TerrainBench",
  "TrainBench",
  "run_backends_bench",
  "run_gpu_bench",
  "run_iteration_bench",
  "run_main_job_bench",
  "run_mjlab_bench",
  "run_reset_bench",
  "run_terrain_bench",
  "run_sim_bench",
  "run_stand_bench",
  "plot_curves",
  "run_train_bench",
]
