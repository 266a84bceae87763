from trotlab.evaluation.tracking import (
  TrackingEvalCfg,
  eval_env_cfg,
  run_tracking_eval,
  save_tracking_outputs,
)

__all__ = ["TrackingEvalCfg", "eval_env_cfg", "run_tracking_eval", "save_tracking_outputs"]
