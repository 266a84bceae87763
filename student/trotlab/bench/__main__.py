import tyro

from trotlab.bench import (
  BackendsBench,
  CurvesPlot,
  SimBench,
  StandBench,
  TrainBench,
  plot_curves,
  run_backends_bench,
  run_sim_bench,
  run_stand_bench,
  run_train_bench,
)

RUNNERS = {
  SimBench: run_sim_bench,
  BackendsBench: run_backends_bench,
  StandBench: run_stand_bench,
  TrainBench: run_train_bench,
  CurvesPlot: plot_curves,
}


def main() -> None:
  bench = tyro.extras.subcommand_cli_from_dict(
    {
      "sim": SimBench,
      "backends": BackendsBench,
      "stand": StandBench,
      "train": TrainBench,
      "curves": CurvesPlot,
    },
    config=(tyro.conf.FlagConversionOff,),
  )
  RUNNERS[type(bench)](bench)


if __name__ == "__main__":
  main()
