"""HeightScan: the terrain's height on a grid of points around a body, or under sites, by ray
casting.

A grid of ``size`` with points ``resolution`` apart is laid out around one body of the robot,
turned with the body's yaw only (it stays level when the body pitches or rolls). From each point
a ray goes straight down (world -z), starting ``start_height`` above the body, and stops at the
first terrain geom (geom group TERRAIN_GROUP: the robot's own geoms are never seen). Both
backends cast the rays in batch (``Simulation.cast_rays``: MuJoCo's ``Batch.ray`` on its thread
pool, mujoco_warp's ``rays`` kernel on the GPU).

Data (R rays, float32, env index first), computed when first read after a step or a state write:
  pos_w      (N, 3)     the body's position, world frame
  hit_pos_w  (N, R, 3)  where each ray met the terrain, world frame. A ray that meets nothing
                        within ``max_distance`` ends there: its hit point lies that far below
                        its start.
Ray r = iy * nx + ix lies at x = -size[0] / 2 + ix * resolution (forward, along the body's
heading) and y = -size[1] / 2 + iy * resolution (left) in the yaw-aligned frame.

With ``sites`` the sensor casts one ray under each of those sites instead (R = len(sites), in
that order), from ``start_height`` above the site: the terrain under each foot, for a foot
height above the local terrain.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import torch

from trotlab.scene.terrain import TERRAIN_GROUP
from trotlab.utils.math import yaw_from_quat

if TYPE_CHECKING:
  from trotlab.entity.entity import Entity
  from trotlab.sim.simulation import Simulation


@dataclasses.dataclass(kw_only=True)
class HeightScanCfg:
  """Config of a HeightScan: a grid of rays around ``body``, or one ray under each of ``sites``."""

  body: str = "trunk"
  """The robot's body the grid follows (its position and yaw)."""
  size: tuple[float, float] = (1.6, 1.0)
  """Length of the grid along the body's heading and its width [m]."""
  resolution: float = 0.1
  """Distance between neighbouring points [m]."""
  start_height: float = 20.0
  """Rays start this far above the body [m], so that terrain above the body is seen too."""
  max_distance: float = 40.0
  """A ray that meets nothing within this distance [m] reports a hit point there."""
  sites: tuple[str, ...] = ()
  """The robot's sites to cast one ray under each, instead of the grid (empty: the grid)."""


def grid_shape(cfg: HeightScanCfg) -> tuple[int, int]:
  """(nx, ny): the grid's points along the heading and across it."""
  nx, ny = (round(s / cfg.resolution) + 1 for s in cfg.size)
  return nx, ny


def grid_points(cfg: HeightScanCfg) -> torch.Tensor:
  """(R, 3) the grid's points in the yaw-aligned body frame, z = 0, ordered as the module says."""
  nx, ny = grid_shape(cfg)
  x = torch.arange(nx) * cfg.resolution - cfg.size[0] / 2
  y = torch.arange(ny) * cfg.resolution - cfg.size[1] / 2
  gy, gx = torch.meshgrid(y, x, indexing="ij")
  return torch.stack((gx.ravel(), gy.ravel(), torch.zeros(nx * ny)), dim=-1)


def mirror_index(cfg: HeightScanCfg) -> list[int]:
  """For each ray, the ray at its mirror image across the body's x-z plane (y -> -y): the grid
  is symmetric in y, so the image of row iy is row ny - 1 - iy."""
  nx, ny = grid_shape(cfg)
  return [(ny - 1 - iy) * nx + ix for iy in range(ny) for ix in range(nx)]


class HeightScanData:
  """One scan: pos_w (N, 3) the body's position and hit_pos_w (N, R, 3) the rays' hit points,
  both world frame [m] (see the module docstring)."""

  def __init__(self, pos_w: torch.Tensor, hit_pos_w: torch.Tensor) -> None:
    self.pos_w = pos_w
    self.hit_pos_w = hit_pos_w


class HeightScan:
  """Terrain heights by ray casting, on a grid around a robot body or under its sites (see the
  module docstring). Read ``data``: it is cast again only after the simulation state changed."""

  DOWN = (0.0, 0.0, -1.0)
  TERRAIN_ONLY = tuple(int(group == TERRAIN_GROUP) for group in range(6))

  def __init__(self, name: str, cfg: HeightScanCfg, entity: Entity, sim: Simulation) -> None:
    self.name = name
    self.cfg = cfg
    self._entity = entity
    self._sim = sim
    names = entity.body_names
    if cfg.body not in names:
      raise KeyError(f"Height scan {name!r}: the robot has no body {cfg.body!r}; bodies: {names}")
    self._body = names.index(cfg.body)
    missing = [site for site in cfg.sites if site not in entity.site_names]
    if missing:
      raise KeyError(
        f"Height scan {name!r}: the robot has no sites {missing}; sites: {entity.site_names}"
      )
    self._sites = [entity.site_names.index(site) for site in cfg.sites]
    self._points = grid_points(cfg).to(sim.device)
    self._down = torch.tensor(self.DOWN, device=sim.device)
    self._data: HeightScanData | None = None
    self._version = -1
    """The simulation's state_version that _data was scanned at."""

  @property
  def num_rays(self) -> int:
    """R: the number of sites when ``sites`` is given, else the number of grid points."""
    return len(self._sites) if self._sites else self._points.shape[0]

  @property
  def data(self) -> HeightScanData:
    """The scan at the current state; cast on the first read after a step or a state write."""
    if self._data is None or self._version != self._sim.state_version:
      self._data, self._version = self._scan(), self._sim.state_version
    return self._data

  def _scan(self) -> HeightScanData:
    robot = self._entity.data
    pos = robot.body_link_pos_w[:, self._body]
    if self._sites:
      starts = robot.site_pos_w[:, self._sites] - self.cfg.start_height * self._down
      return self._cast(pos, starts)
    yaw = yaw_from_quat(robot.body_link_quat_w[:, self._body])
    cos, sin = torch.cos(yaw)[:, None], torch.sin(yaw)[:, None]
    px, py = self._points[:, 0], self._points[:, 1]
    starts = torch.stack(
      (
        pos[:, None, 0] + cos * px - sin * py,
        pos[:, None, 1] + sin * px + cos * py,
        (pos[:, 2] + self.cfg.start_height)[:, None].expand(-1, self.num_rays),
      ),
      dim=-1,
    )
    return self._cast(pos, starts)

  def _cast(self, pos: torch.Tensor, starts: torch.Tensor) -> HeightScanData:
    dist = self._sim.cast_rays(starts, self._down, self.TERRAIN_ONLY)
    dist = torch.where(dist < 0, self.cfg.max_distance, dist.clamp(max=self.cfg.max_distance))
    return HeightScanData(pos_w=pos.clone(), hit_pos_w=starts + dist[..., None] * self._down)

  def update(self, dt: float) -> None:
    """Nothing to track over time: a scan follows the state (see ``data``)."""

  def reset(self, env_ids=None) -> None:
    """Nothing to clear: a scan follows the state (see ``data``)."""
