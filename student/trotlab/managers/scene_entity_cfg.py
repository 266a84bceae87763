"""SceneEntityCfg: which entity (or sensor) a term reads, and which of its joints, bodies,
sites or geoms, resolved from names to indices once, when the term is built."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

if TYPE_CHECKING:
  from trotlab.scene.scene import Scene


@dataclasses.dataclass
class SceneEntityCfg:
  """Names (regular expressions) of the parts a term uses. After ``resolve(scene)``, the
  ``*_ids`` fields index the matching columns: ``slice(None)`` when no names were given (all),
  else a list of indices in the entity's order (or in the patterns' order with
  ``preserve_order=True``)."""

  name: str
  joint_names: str | tuple[str, ...] | None = None
  body_names: str | tuple[str, ...] | None = None
  site_names: str | tuple[str, ...] | None = None
  geom_names: str | tuple[str, ...] | None = None
  preserve_order: bool = False
  joint_ids: list[int] | slice = dataclasses.field(default_factory=lambda: slice(None))
  body_ids: list[int] | slice = dataclasses.field(default_factory=lambda: slice(None))
  site_ids: list[int] | slice = dataclasses.field(default_factory=lambda: slice(None))
  geom_ids: list[int] | slice = dataclasses.field(default_factory=lambda: slice(None))
  _resolved: bool = dataclasses.field(default=False, repr=False)

  def resolve(self, scene: Scene) -> None:
    """Look the names up in ``scene[self.name]``. Idempotent; errors name the bad value."""
    if self._resolved:
      return
    target = scene[self.name]  # raises KeyError listing the scene's names
    lookups = (
      ("joint", self.joint_names, "find_joints"),
      ("body", self.body_names, "find_bodies"),
      ("site", self.site_names, "find_sites"),
      ("geom", self.geom_names, "find_geoms"),
    )
    for kind, names, finder in lookups:
      if names is None:
        continue
      if not hasattr(target, finder):
        raise ValueError(f"SceneEntityCfg({self.name!r}): {self.name!r} has no {kind}s to select.")
      ids, _ = getattr(target, finder)(names, preserve_order=self.preserve_order)
      setattr(self, f"{kind}_ids", ids)
    self._resolved = True
