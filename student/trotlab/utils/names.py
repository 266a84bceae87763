"""Name lookup by regular expression, with errors that name the bad pattern and the choices."""

from __future__ import annotations

import re
from collections.abc import Sequence

NAMES_COME_FROM_PARAMETERS = (
  "A term takes every name from its parameters (env.scene[asset_cfg.name], "
  "env.scene[sensor_name], get_command(command_name), ...), never as a literal: the grader's and "
  "`uv run check`'s cases name the robot, sensors, command and reward as the task does in some "
  "cases and otherwise in others, so any name written into a term fails one of them."
)
"""Appended to the errors of a name lookup: the usual cause is a name written into a term."""


def resolve_names(
  patterns: str | Sequence[str], names: Sequence[str], *, what: str, preserve_order: bool = False
) -> tuple[list[int], list[str]]:
  """Resolve regex patterns (full match) against ``names``.

  Args:
    patterns: one pattern or several; each must match at least one name.
    names: the candidates, e.g. an entity's joint names.
    what: the kind of object, used in error messages ("joint", "body", "site", "geom").
    preserve_order: if True, results follow the order of ``patterns`` (then of ``names``);
      otherwise they follow the order of ``names``.

  Returns:
    (indices into ``names``, matched names).

  Raises:
    ValueError: a pattern matches nothing, or is not a valid regular expression. The message
      names the pattern and lists the available names.
  """
  if isinstance(patterns, str):
    patterns = [patterns]
  kinds = "bodies" if what == "body" else f"{what}s"
  if len(patterns) == 0:
    raise ValueError(f"No {what} name pattern given. Available {kinds}: {list(names)}")
  matched_by_pattern: list[list[int]] = []
  for pattern in patterns:
    try:
      regex = re.compile(pattern)
    except re.error as err:
      raise ValueError(f"Invalid {what} name pattern {pattern!r}: {err}") from None
    hits = [i for i, name in enumerate(names) if regex.fullmatch(name)]
    if not hits:
      raise ValueError(
        f"The {what} name pattern {pattern!r} matches no {what}. Available {kinds}: {list(names)}"
      )
    matched_by_pattern.append(hits)
  if preserve_order:
    ids: list[int] = []
    for hits in matched_by_pattern:
      ids.extend(i for i in hits if i not in ids)
  else:
    ids = sorted({i for hits in matched_by_pattern for i in hits})
  return ids, [names[i] for i in ids]


def resolve_values(
  values: float | dict[str, float], names: Sequence[str], *, what: str, default: float | None = None
) -> list[float]:
  """Expand a scalar or a {regex: value} dict to one value per name.

  A name matched by several patterns takes the value of the first. A name matched by none takes
  ``default``; with ``default=None`` that is an error naming the unmatched names.
  """
  if not isinstance(values, dict):
    return [float(values)] * len(names)
  out: list[float | None] = [None] * len(names)
  for pattern, value in values.items():
    ids, _ = resolve_names(pattern, names, what=what)
    for i in ids:
      if out[i] is None:
        out[i] = float(value)
  missing = [names[i] for i, v in enumerate(out) if v is None]
  if missing and default is None:
    raise ValueError(f"No value given for {what}s {missing}; patterns were {list(values)}")
  return [default if v is None else v for v in out]  # type: ignore[misc]
