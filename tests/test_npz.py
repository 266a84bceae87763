"""The grader reads archives one thread at a time (autograder/npz.py says why)."""

from __future__ import annotations

import io
import threading
import time

import numpy as np
import pytest

from autograder import npz


def _archive() -> bytes:
  buffer = io.BytesIO()
  np.savez(buffer, a=np.arange(3.0), meta=np.array('{"name": "x"}'))
  return buffer.getvalue()


def test_read_npz_gives_every_array_from_bytes_and_paths(tmp_path):
  raw = _archive()
  (tmp_path / "a.npz").write_bytes(raw)
  for source in (raw, tmp_path / "a.npz"):
    arrays = npz.read_npz(source)
    assert sorted(arrays) == ["a", "meta"]
    np.testing.assert_array_equal(arrays["a"], [0.0, 1.0, 2.0])


def test_read_npz_refuses_pickled_objects():
  buffer = io.BytesIO()
  np.savez(buffer, obj=np.array([{"x": 1}], dtype=object))
  with pytest.raises(ValueError, match="allow_pickle"):
    npz.read_npz(buffer.getvalue())


def test_threads_never_parse_archives_at_the_same_time(monkeypatch):
  """Eight threads read at once; a slowed np.load records how many ran inside it together."""
  inside, most = 0, 0
  count_lock = threading.Lock()
  real_load = np.load

  def slow_load(*args, **kwargs):
    nonlocal inside, most
    with count_lock:
      inside += 1
      most = max(most, inside)
    time.sleep(0.02)
    with count_lock:
      inside -= 1
    return real_load(*args, **kwargs)

  monkeypatch.setattr(npz.np, "load", slow_load)
  raw = _archive()
  threads = [threading.Thread(target=npz.read_npz, args=(raw,)) for _ in range(8)]
  for thread in threads:
    thread.start()
  for thread in threads:
    thread.join()
  assert most == 1
