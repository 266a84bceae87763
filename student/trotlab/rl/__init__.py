from trotlab.rl.runner_cfg import RslRlModelCfg, RslRlPpoCfg, RslRlRunnerCfg
from trotlab.rl.vecenv_wrapper import RslRlVecEnvWrapper

__all__ = ["RslRlModelCfg", "RslRlPpoCfg", "RslRlRunnerCfg", "RslRlVecEnvWrapper"]
