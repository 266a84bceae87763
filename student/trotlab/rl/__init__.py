from trotlab.rl.runner_cfg import RslRlModelCfg, RslRlPpoCfg, RslRlRndCfg, RslRlRunnerCfg
from trotlab.rl.vecenv_wrapper import RslRlVecEnvWrapper

__all__ = ["RslRlModelCfg", "RslRlPpoCfg", "RslRlRndCfg", "RslRlRunnerCfg", "RslRlVecEnvWrapper"]
