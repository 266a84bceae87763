"""Reading ``.npz`` archives in the grader process, one at a time, within a size bound.

``grade.py --jobs N`` grades submissions in threads. numpy parses each array's header with
``ast.literal_eval``, and CPython 3.11's AST conversion keeps its recursion counter per
interpreter, not per thread: two threads parsing at once can fail with ``SystemError: AST
constructor recursion depth mismatch`` (seen once in three CI runs of the two-job grading test).
So every archive the grader reads goes through ``read_npz``, which holds one process-wide lock
while it parses the headers and copies the arrays out.

Archives a sandboxed child wrote are read with a bound (``max_bytes``, ``kinds``): a 1 MB
deflated archive can unpack to gigabytes, so before anything is unpacked each member's declared
size (the zip's central directory) and its array's size (the ``.npy`` header's shape and dtype,
read without the data) are checked against the bound.
"""

from __future__ import annotations

import io
import math
import threading
import zipfile
from pathlib import Path

import numpy as np
from numpy.lib import format as npy_format

_PARSE_LOCK = threading.Lock()
MAX_MEMBERS = 4096
"""Most arrays a bounded archive may hold."""


class OutputTooLarge(ValueError):
  """An archive holds more (or larger) arrays than its reader's bound allows."""


class OutputNotNumeric(ValueError):
  """An archive holds an array whose dtype kind the reader does not accept."""


def _check_members(file, max_bytes: int, kinds: str | None) -> None:
  """Raise OutputTooLarge / OutputNotNumeric before any array data is unpacked."""
  with zipfile.ZipFile(file) as archive:
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
      raise OutputTooLarge(f"{len(infos)} arrays (at most {MAX_MEMBERS})")
    declared = sum(info.file_size for info in infos)
    if declared > max_bytes:
      raise OutputTooLarge(f"the arrays unpack to {declared} bytes (at most {max_bytes})")
    total = 0
    for info in infos:
      with archive.open(info) as member:
        version = npy_format.read_magic(member)
        if version == (1, 0):
          shape, _, dtype = npy_format.read_array_header_1_0(member)
        elif version == (2, 0):
          shape, _, dtype = npy_format.read_array_header_2_0(member)
        else:
          raise ValueError(f"{info.filename}: unsupported .npy version {version}")
      if kinds is not None and (dtype.kind not in kinds or dtype.hasobject):
        raise OutputNotNumeric(f"{info.filename}: dtype {dtype} (accepted kinds: {kinds})")
      if any(n < 0 for n in shape):
        raise ValueError(f"{info.filename}: negative dimension in shape {shape}")
      total += math.prod(shape) * dtype.itemsize
      if total > max_bytes:
        raise OutputTooLarge(f"the arrays hold more than {max_bytes} bytes")


def read_npz(
  source: Path | bytes, max_bytes: int | None = None, kinds: str | None = None
) -> dict[str, np.ndarray]:
  """Every array of the archive at ``source`` (a path, or the archive's bytes), by name.

  Pickled objects are refused (``allow_pickle=False``): the archives may come from student code.
  ``max_bytes``: the most bytes the arrays may hold together, checked before unpacking (both the
  zip's declared sizes and the arrays' headers); beyond it, or with more than MAX_MEMBERS
  arrays, raises OutputTooLarge. ``kinds``: the dtype kinds accepted (e.g. "biufU"), else
  OutputNotNumeric. Raises what ``np.load`` raises on a damaged archive (ValueError, OSError,
  EOFError, zipfile.BadZipFile).
  """
  file = io.BytesIO(source) if isinstance(source, bytes) else source
  with _PARSE_LOCK:
    if max_bytes is not None or kinds is not None:
      _check_members(file, max_bytes if max_bytes is not None else math.inf, kinds)
      if isinstance(file, io.BytesIO):
        file.seek(0)
    with np.load(file, allow_pickle=False) as archive:
      return {key: archive[key] for key in archive.files}
