"""Config dataclasses to plain data (for params/*.yaml and metrics files)."""

from __future__ import annotations

import dataclasses
import enum
from pathlib import Path
from typing import Any

import yaml


def to_plain(obj: Any) -> Any:
  """Dataclasses, dicts, sequences and scalars to YAML-safe data; callables to their names."""
  if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
    return {f.name: to_plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
  if isinstance(obj, dict):
    return {str(k): to_plain(v) for k, v in obj.items()}
  if isinstance(obj, list | tuple):
    return [to_plain(v) for v in obj]
  if isinstance(obj, enum.Enum):
    return obj.name
  if isinstance(obj, Path):
    return str(obj)
  if obj is None or isinstance(obj, bool | int | float | str):
    return obj
  if isinstance(obj, slice):
    return "all" if obj == slice(None) else str(obj)
  if callable(obj):
    return f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', repr(obj))}"
  return repr(obj)


def dump_yaml(path: Path, obj: Any) -> None:
  path.parent.mkdir(parents=True, exist_ok=True)
  path.write_text(yaml.safe_dump(to_plain(obj), sort_keys=False))
