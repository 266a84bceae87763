"""``PATH=VALUE`` changes of config dataclasses, for trying a setting without editing the task
(``bench train --set``, ``bench iteration``) and for a training check's profile."""

from __future__ import annotations

import ast


def apply_overrides(configs: dict[str, object], overrides: tuple[str, ...]) -> None:
  """Set ``root.a.b=VALUE`` fields in place; ``root`` names one of ``configs``. Dict entries are
  reached by key and list items by index (``env.curriculum.command_ranges.params.
  velocity_stages.1.step=480``). Raises ValueError on a bad path."""
  for item in overrides:
    path, sep, text = item.partition("=")
    if not sep:
      raise ValueError(f"--set {item!r}: expected PATH=VALUE")
    try:
      value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
      value = text  # a bare word: a string
    root, *parts = path.split(".")
    if root not in configs or not parts:
      raise ValueError(f"--set {item!r}: PATH starts with one of {sorted(configs)}")
    target = configs[root]
    for part in parts[:-1]:
      if isinstance(target, dict):
        target = target[part]
      elif isinstance(target, list):
        target = target[int(part)]
      else:
        target = getattr(target, part)
    last = parts[-1]
    if isinstance(target, dict):
      target[last] = value
    elif isinstance(target, list):
      target[int(last)] = value
    elif not hasattr(target, last):
      raise ValueError(f"--set {item!r}: {type(target).__name__} has no field {last!r}")
    else:
      setattr(target, last, tuple(value) if isinstance(value, list) else value)
