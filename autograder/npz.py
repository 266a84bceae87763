"""Reading ``.npz`` archives in the grader process, one at a time.

``grade.py --jobs N`` grades submissions in threads. numpy parses each array's header with
``ast.literal_eval``, and CPython 3.11's AST conversion keeps its recursion counter per
interpreter, not per thread: two threads parsing at once can fail with ``SystemError: AST
constructor recursion depth mismatch`` (seen once in three CI runs of the two-job grading test).
So every archive the grader reads goes through ``read_npz``, which holds one process-wide lock
while it parses the headers and copies the arrays out.
"""

from __future__ import annotations

import io
import threading
from pathlib import Path

import numpy as np

_PARSE_LOCK = threading.Lock()


def read_npz(source: Path | bytes) -> dict[str, np.ndarray]:
  """Every array of the archive at ``source`` (a path, or the archive's bytes), by name.

  Pickled objects are refused (``allow_pickle=False``): the archives may come from student code.
  Raises what ``np.load`` raises on a damaged archive (ValueError, OSError, EOFError,
  zipfile.BadZipFile).
  """
  file = io.BytesIO(source) if isinstance(source, bytes) else source
  with _PARSE_LOCK, np.load(file, allow_pickle=False) as archive:
    return {key: archive[key] for key in archive.files}
