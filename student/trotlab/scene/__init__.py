from trotlab.scene.scene import Scene, SceneCfg
from trotlab.scene.terrain import TerrainCfg

__all__ = ["Scene", "SceneCfg", "TerrainCfg"]
