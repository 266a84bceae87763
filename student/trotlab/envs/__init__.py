from trotlab.envs.manager_based_rl_env import ManagerBasedRlEnv
from trotlab.envs.manager_based_rl_env_cfg import ManagerBasedRlEnvCfg

__all__ = ["ManagerBasedRlEnv", "ManagerBasedRlEnvCfg"]
