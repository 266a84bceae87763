"""Where training checks run: as many at once as the machine's cores allow, each on its own.

A training check uses ``profile.threads`` CPU threads (torch and MuJoCo's pool), fixed so that
its policy and score do not depend on the machine or on ``grade.py --jobs``. Two checks sharing
cores would each run about twice as slow (oversubscribed threads; docs/grading.md), so every
check gets a slot: a disjoint set of ``threads`` cores it is pinned to. A 2-core grader has one
slot on the cpu profile, a 16-core one eight; a GPU profile has one (one GPU).
"""

from __future__ import annotations

import contextlib
import queue
from collections.abc import Iterator

from autograder.training_check import TrainingProfile
from trotlab.sim.config import usable_core_ids


class TrainingSlots:
  """A pool of core sets; ``take`` blocks until one is free.

  count = min(jobs, cores // threads), at least 1; 1 on a CUDA device. When the machine has fewer
  cores than ``threads`` the single slot is not pinned (None)."""

  def __init__(self, profile: TrainingProfile, jobs: int, cores: list[int] | None = None) -> None:
    cores = usable_core_ids() if cores is None else cores
    threads = profile.threads
    count = 1 if profile.device.startswith("cuda") else max(1, min(jobs, len(cores) // threads))
    self.count = count
    self._free: queue.Queue[tuple[int, ...] | None] = queue.Queue()
    for i in range(count):
      cpus = tuple(cores[i * threads : (i + 1) * threads])
      self._free.put(cpus if len(cpus) == threads else None)

  @contextlib.contextmanager
  def take(self, log=print) -> Iterator[tuple[int, ...] | None]:
    """A free core set (None: run unpinned) for the duration of one training check."""
    try:
      cpus = self._free.get_nowait()
    except queue.Empty:
      log(f"  waiting for a free training slot ({self.count} training check(s) at a time here)")
      cpus = self._free.get()
    try:
      yield cpus
    finally:
      self._free.put(cpus)
