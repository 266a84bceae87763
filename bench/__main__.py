import tyro

from bench import (
  BackendsBench,
  CurvesPlot,
  GpuBench,
  IterationBench,
  MainJobBench,
  MjlabBench,
  ResetBench,
  SimBench,
  StandBench,
  TerrainBench,
  TrainBench,
  plot_curves,
  run_backends_bench,
  run_gpu_bench,
  run_iteration_bench,
  run_main_job_bench,
  run_mjlab_bench,
  run_reset_bench,
  run_sim_bench,
  run_stand_bench,
  run_terrain_bench,
  run_train_bench,
)

RUNNERS = {
  SimBench: run_sim_bench,
  BackendsBench: run_backends_bench,
  StandBench: run_stand_bench,
  TrainBench: run_train_bench,
  CurvesPlot: plot_curves,
  GpuBench: run_gpu_bench,
  IterationBench: run_iteration_bench,
  MainJobBench: run_main_job_bench,
  MjlabBench: run_mjlab_bench,
  ResetBench: run_reset_bench,
  TerrainBench: run_terrain_bench,
}


def main() -> None:
  bench = tyro.extras.subcommand_cli_from_dict(
    {
      "sim": SimBench,
      "backends": BackendsBench,
      "stand": StandBench,
      "reset": ResetBench,
      "train": TrainBench,
      "iteration": IterationBench,
      "main-job": MainJobBench,
      "terrain": TerrainBench,
      "curves": CurvesPlot,
      "gpu": GpuBench,
      "mjlab": MjlabBench,
    },
    config=(tyro.conf.FlagConversionOff,),
  )
  RUNNERS[type(bench)](bench)


if __name__ == "__main__":
  main()
