"""Terrain: a flat plane, the body every contact sensor can use as its secondary ("terrain")."""

from __future__ import annotations

import dataclasses

import mujoco

TERRAIN_BODY = "terrain"
TERRAIN_GEOM = "terrain"


@dataclasses.dataclass(kw_only=True)
class TerrainCfg:
  friction: tuple[float, float, float] = (1.0, 0.005, 0.0001)
  """Sliding, torsional, rolling friction. The Go1's feet have priority, so theirs is used."""
  render_size: float = 20.0
  """Half-size of the drawn plane [m]; collisions use an infinite plane."""

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
    body.add_geom(
      name=TERRAIN_GEOM,
      type=mujoco.mjtGeom.mjGEOM_PLANE,
      size=[self.render_size, self.render_size, 0.05],
      friction=list(self.friction),
      contype=2,
      conaffinity=1,
      material="grid",
    )
    spec.worldbody.add_light(
      pos=[0, 0, 3.0], dir=[0, 0, -1], type=mujoco.mjtLightType.mjLIGHT_DIRECTIONAL
    )
