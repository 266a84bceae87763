"""A one-line progress bar for the CLIs' long loops (evaluate, play --video).

Drawn on stderr and redrawn in place with a carriage return, so stdout keeps only the results:

    [evaluate] [##########..........] 425/850 steps  0:00:21 elapsed, ETA 0:00:21
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


def hms(seconds: float) -> str:
  """A duration as H:MM:SS (whole seconds)."""
  seconds = int(seconds)
  return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class ProgressBar:
  """Counts ``total`` steps. Use it as a context manager: leaving ends the bar's line.

  Redraws at most every ``min_interval_s`` (and at the last step); on a stream that is not a
  terminal (a log file, a pipe, a notebook) also only once per ``1 / FILE_REDRAWS`` of the
  total, so a long run leaves about FILE_REDRAWS lines there, not one per
  ``min_interval_s``. ``enabled=False`` makes every method a no-op, ``write`` included."""

  FILE_REDRAWS = 20

  def __init__(
    self,
    total: int,
    label: str,
    unit: str = "steps",
    enabled: bool = True,
    stream: TextIO | None = None,
    width: int = 20,
    min_interval_s: float = 0.25,
  ) -> None:
    self.total = max(total, 1)
    self.label = label
    self.unit = unit
    self.enabled = enabled
    self.stream = stream if stream is not None else sys.stderr  # now, so redirects apply
    self.width = width
    self.min_interval_s = min_interval_s
    self.interactive = bool(getattr(self.stream, "isatty", lambda: False)())
    self.count = 0
    self._next_mark = 0.0
    self._start = time.monotonic()
    self._last_draw = -float("inf")
    self._drawn = ""

  def text(self) -> str:
    """The bar as it reads now (without the carriage return)."""
    filled = self.width * min(self.count, self.total) // self.total
    elapsed = time.monotonic() - self._start
    eta = elapsed / self.count * (self.total - self.count) if self.count else None
    return (
      f"{self.label} [{'#' * filled}{'.' * (self.width - filled)}] {self.count}/{self.total} "
      f"{self.unit}  {hms(elapsed)} elapsed, ETA {'--' if eta is None else hms(eta)}"
    )

  def _draw(self) -> None:
    self._drawn = self.text()
    self.stream.write("\r" + self._drawn)
    self.stream.flush()
    self._last_draw = time.monotonic()
    self._next_mark = self.count + self.total / self.FILE_REDRAWS

  def _erase(self) -> None:
    if self._drawn:
      self.stream.write("\r" + " " * len(self._drawn) + "\r")
      self.stream.flush()
      self._drawn = ""

  def update(self, steps: int = 1) -> None:
    """Count ``steps`` more; redraw when due."""
    if not self.enabled:
      return
    self.count += steps
    due = time.monotonic() - self._last_draw >= self.min_interval_s and (
      self.interactive or self.count >= self._next_mark
    )
    if due or self.count >= self.total:
      self._draw()

  def write(self, line: str) -> None:
    """Print ``line`` to stdout above the bar, which is redrawn under it."""
    if not self.enabled:
      return
    self._erase()
    print(line, flush=True)
    self._draw()

  def close(self) -> None:
    """Draw the final state and end the line."""
    if not self.enabled:
      return
    self._draw()
    self.stream.write("\n")
    self.stream.flush()
    self.enabled = False  # a second close (or a stray update) writes nothing

  def __enter__(self) -> ProgressBar:
    if self.enabled:
      self._draw()
    return self

  def __exit__(self, *exc) -> None:
    self.close()
