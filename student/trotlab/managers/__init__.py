"""Managers and term configs (the manager layer arrives with the env; SceneEntityCfg is here)."""

from trotlab.managers.scene_entity_cfg import SceneEntityCfg

__all__ = ["SceneEntityCfg"]
