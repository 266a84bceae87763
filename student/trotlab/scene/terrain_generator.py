"""Terrain generator: one height field made of sub-terrain tiles on a grid of levels x types.

The grid has ``num_levels`` rows of tiles along world x (level 0, the easiest, at the smallest x)
and ``num_types`` columns along world y; each column holds one sub-terrain type (random rough,
pyramid slope, pyramid stairs, ...), and a tile's difficulty grows with its level. A flat border
surrounds the grid. The generator is plain numpy: it returns the heights (metres, world z) at the
vertices of a regular grid and each tile's origin (the centre of its platform, on the surface),
which ``trotlab.scene.terrain`` builds into a MuJoCo height field and uses as env origins.

Heights are sampled at vertices ``horizontal_scale`` apart. MuJoCo's height field joins four
neighbouring vertices by two triangles, so a height is linear between vertices, and a stair's
riser is a slope one vertex spacing wide.
"""

from __future__ import annotations

import abc
import dataclasses
import math

import numpy as np


@dataclasses.dataclass(kw_only=True)
class SubTerrainCfg(abc.ABC):
  """One sub-terrain type: its share of the grid's columns and its heights at a difficulty."""

  proportion: float = 1.0
  """Relative share of the columns (normalized over all types)."""

  @abc.abstractmethod
  def heights(
    self, difficulty: float, x: np.ndarray, y: np.ndarray, size: tuple[float, float], rng
  ) -> np.ndarray:
    """Heights [m] at the tile's vertices.

    Args:
      difficulty: in [0, 1].
      x, y: (ny, nx) vertex coordinates in the tile's frame [m], origin at its corner,
        0 <= x < size[0], 0 <= y < size[1].
      size: the tile's (length along x, width along y) [m].
      rng: numpy Generator of the whole terrain (seeded by TerrainGeneratorCfg.seed).

    Returns:
      (ny, nx) heights; 0 is the level of the border.
    """


def _lerp(bounds: tuple[float, float], t: float) -> float:
  return bounds[0] + (bounds[1] - bounds[0]) * t


def _rings(x: np.ndarray, y: np.ndarray, size: tuple[float, float], platform: float) -> np.ndarray:
  """Distance [m] from the tile's edge inwards, capped where the central square platform of side
  ``platform`` begins: 0 on the edge, the same value everywhere on the platform."""
  edge = np.minimum.reduce([x, size[0] - x, y, size[1] - y])
  return np.minimum(edge, min(size) / 2 - platform / 2)


@dataclasses.dataclass(kw_only=True)
class FlatCfg(SubTerrainCfg):
  """Flat ground at the border's level."""

  def heights(self, difficulty, x, y, size, rng) -> np.ndarray:
    """Zeros, (ny, nx)."""
    return np.zeros_like(x)


@dataclasses.dataclass(kw_only=True)
class RandomRoughCfg(SubTerrainCfg):
  """Uniform noise on a coarse grid, ``noise_step`` apart, held constant between its points."""

  amplitude_range: tuple[float, float] = (0.01, 0.08)
  """Half the noise's peak-to-peak height [m] at difficulty 0 and 1."""
  noise_step: float = 0.2
  """Distance between independent noise samples [m]."""

  def heights(self, difficulty, x, y, size, rng) -> np.ndarray:
    """Uniform noise in [-a, a] [m], a lerped over ``amplitude_range`` by difficulty, constant on
    each ``noise_step`` cell (cells counted from the tile's corner); (ny, nx)."""
    amplitude = _lerp(self.amplitude_range, difficulty)
    cells_x = math.ceil(size[0] / self.noise_step)
    cells_y = math.ceil(size[1] / self.noise_step)
    noise = rng.uniform(-amplitude, amplitude, size=(cells_y, cells_x))
    ix = np.minimum((x / self.noise_step).astype(int), cells_x - 1)
    iy = np.minimum((y / self.noise_step).astype(int), cells_y - 1)
    return noise[iy, ix]


@dataclasses.dataclass(kw_only=True)
class PyramidSlopeCfg(SubTerrainCfg):
  """Four slopes rising from the edge to a flat central platform (falling, when inverted)."""

  slope_range: tuple[float, float] = (0.0, 0.4)
  """Rise over run at difficulty 0 and 1 (0.4 is about 22 degrees)."""
  platform_width: float = 2.0
  """Side of the central square platform [m]."""
  inverted: bool = False

  def heights(self, difficulty, x, y, size, rng) -> np.ndarray:
    """The slope times the distance from the tile's edge, flat on the platform; negated when
    inverted; (ny, nx) [m]."""
    slope = _lerp(self.slope_range, difficulty)
    h = slope * _rings(x, y, size, self.platform_width)
    return -h if self.inverted else h


@dataclasses.dataclass(kw_only=True)
class PyramidStairsCfg(SubTerrainCfg):
  """Square rings of steps climbing from the edge to a central platform (descending, inverted)."""

  step_height_range: tuple[float, float] = (0.02, 0.12)
  """Height of one step [m] at difficulty 0 and 1."""
  step_width: float = 0.3
  """Tread depth [m]."""
  platform_width: float = 2.0
  inverted: bool = False

  def heights(self, difficulty, x, y, size, rng) -> np.ndarray:
    """The step height times floor(distance from the tile's edge / ``step_width``), flat on the
    platform; negated when inverted; (ny, nx) [m]."""
    step = _lerp(self.step_height_range, difficulty)
    h = step * np.floor(_rings(x, y, size, self.platform_width) / self.step_width)
    return -h if self.inverted else h


@dataclasses.dataclass(kw_only=True)
class TerrainGeneratorCfg:
  """A grid of ``num_levels`` x ``num_types`` tiles of ``size``, in a flat border."""

  sub_terrains: dict[str, SubTerrainCfg] = dataclasses.field(
    default_factory=lambda: {
      "flat": FlatCfg(proportion=0.1),
      "rough": RandomRoughCfg(proportion=0.3),
      "slope_up": PyramidSlopeCfg(proportion=0.1),
      "slope_down": PyramidSlopeCfg(proportion=0.1, inverted=True),
      "stairs_up": PyramidStairsCfg(proportion=0.2),
      "stairs_down": PyramidStairsCfg(proportion=0.2, inverted=True),
    }
  )
  num_levels: int = 10
  """Rows of tiles along x; level i has difficulty in [i, i + 1) / num_levels of the range."""
  num_types: int = 10
  """Columns of tiles along y, shared out among the sub-terrains by proportion."""
  size: tuple[float, float] = (8.0, 8.0)
  """A tile's length along x and width along y [m]."""
  border_width: float = 4.0
  """Width of the flat border around the grid [m]."""
  horizontal_scale: float = 0.1
  """Distance between height-field vertices [m]."""
  difficulty_range: tuple[float, float] = (0.0, 1.0)
  seed: int = 0
  spawn_half_width: float = 0.5
  """A tile's origin lies at the highest point within this distance [m] (x and y) of its centre,
  so that a robot standing on the origin does not start inside a bump of rough ground."""


@dataclasses.dataclass(frozen=True)
class GeneratedTerrain:
  """What ``generate_terrain`` returns: the height field's heights and spacing, the tiles' origins
  and the columns' sub-terrain types."""

  heights: np.ndarray
  """(ny, nx) heights [m] at the vertices; row r is at world y = y0 + r * spacing, column c at
  world x = x0 + c * spacing, with (x0, y0) = -((nx - 1), (ny - 1)) * spacing / 2: the field is
  centred on the world origin."""
  spacing: float
  """Distance between vertices [m] (the config's horizontal_scale)."""
  origins: np.ndarray
  """(num_levels, num_types, 3) each tile's origin in the world: its centre, at the height of
  the highest point near it (TerrainGeneratorCfg.spawn_half_width)."""
  type_names: list[str]
  """The sub-terrain of each column (num_types names)."""

  def vertex_xy(self) -> tuple[np.ndarray, np.ndarray]:
    """World x of the columns (nx,) and y of the rows (ny,) [m]."""
    ny, nx = self.heights.shape
    xs = (np.arange(nx) - (nx - 1) / 2) * self.spacing
    ys = (np.arange(ny) - (ny - 1) / 2) * self.spacing
    return xs, ys


def column_types(cfg: TerrainGeneratorCfg) -> list[str]:
  """The sub-terrain of each of the ``num_types`` columns, by proportion (each type in a run of
  neighbouring columns; the largest-remainder rule gives the columns out)."""
  names = list(cfg.sub_terrains)
  weights = np.array([cfg.sub_terrains[n].proportion for n in names], dtype=float)
  if (weights < 0).any() or weights.sum() <= 0:
    raise ValueError(f"Sub-terrain proportions must be >= 0 with a positive sum; got {weights}")
  share = weights / weights.sum() * cfg.num_types
  counts = np.floor(share).astype(int)
  for i in np.argsort(-(share - counts), kind="stable")[: cfg.num_types - counts.sum()]:
    counts[i] += 1
  return [name for name, count in zip(names, counts, strict=True) for _ in range(count)]


def generate_terrain(cfg: TerrainGeneratorCfg) -> GeneratedTerrain:
  """Heights and tile origins of the whole grid (deterministic for a given cfg, seed included)."""
  if cfg.num_levels < 1 or cfg.num_types < 1:
    raise ValueError(
      f"num_levels and num_types must be >= 1; got {cfg.num_levels}, {cfg.num_types}"
    )
  h = cfg.horizontal_scale
  tile_x, tile_y = (round(s / h) for s in cfg.size)
  border = round(cfg.border_width / h)
  nx = cfg.num_levels * tile_x + 2 * border + 1
  ny = cfg.num_types * tile_y + 2 * border + 1
  heights = np.zeros((ny, nx))
  rng = np.random.default_rng(cfg.seed)
  types = column_types(cfg)
  local_y, local_x = np.meshgrid(np.arange(tile_y) * h, np.arange(tile_x) * h, indexing="ij")
  size = (tile_x * h, tile_y * h)
  origins = np.zeros((cfg.num_levels, cfg.num_types, 3))
  x0, y0 = -(nx - 1) / 2 * h, -(ny - 1) / 2 * h
  for level in range(cfg.num_levels):
    for col, name in enumerate(types):
      t = (level + rng.uniform()) / cfg.num_levels
      difficulty = _lerp(cfg.difficulty_range, t)
      tile = cfg.sub_terrains[name].heights(difficulty, local_x, local_y, size, rng)
      r0, c0 = border + col * tile_y, border + level * tile_x
      heights[r0 : r0 + tile_y, c0 : c0 + tile_x] = tile
      cy, cx, k = tile_y // 2, tile_x // 2, round(cfg.spawn_half_width / h)
      top = tile[max(cy - k, 0) : cy + k + 1, max(cx - k, 0) : cx + k + 1].max()
      origins[level, col] = (x0 + (c0 + cx) * h, y0 + (r0 + cy) * h, top)
  return GeneratedTerrain(heights=heights, spacing=h, origins=origins, type_names=types)
