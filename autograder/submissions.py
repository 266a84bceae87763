"""Reading a class's submissions: one folder or .zip per student, only the student's own files.

A submission holds the five MDP files (found at any depth, the shallowest copy of each) and
optionally the assignment notebook; everything else is ignored, nothing is extracted, a folder's
links are not followed and a file larger than MAX_FILE_BYTES is ignored with a message.
"""

from __future__ import annotations

import dataclasses
import hashlib
import zipfile
from pathlib import Path

from autograder.term_checks import MDP_FILES

MAX_FILE_BYTES = 1 << 20
"""A student file larger than this is ignored (with a message)."""


@dataclasses.dataclass
class Submission:
  student: str
  files: dict[str, bytes]
  """MDP file name (e.g. "rewards.py") -> content."""
  notebook: bytes | None
  messages: list[str]

  def digest(self) -> str:
    h = hashlib.sha256()
    for name in sorted(self.files):
      h.update(name.encode() + b"\0" + self.files[name] + b"\0")
    h.update(self.notebook or b"")
    return h.hexdigest()


IGNORED_DIRS = ("__MACOSX", ".ipynb_checkpoints")
"""macOS resource forks and Jupyter's autosaved copies: never the student's file."""
NOTEBOOK = "go1_velocity.ipynb"
"""The assignment notebook's name: preferred when a submission holds several notebooks."""


def _parts(name: str) -> list[str]:
  return name.replace("\\", "/").split("/")  # zips from older Windows tools use backslashes


def _usable(names: list[str]) -> list[str]:
  return [n for n in names if not any(part in IGNORED_DIRS for part in _parts(n))]


def _pick(names: list[str], basename: str) -> str | None:
  """The shallowest entry named ``basename``."""
  found = [n for n in _usable(names) if _parts(n)[-1] == basename]
  return min(found, key=lambda n: (len(_parts(n)), n)) if found else None


def _pick_notebook(names: list[str]) -> str | None:
  """The assignment notebook if there is one by its name, else the shallowest .ipynb."""
  found = [n for n in _usable(names) if n.endswith(".ipynb")]
  return min(found, key=lambda n: (_parts(n)[-1] != NOTEBOOK, len(_parts(n)), n)) if found else None


def read_submission(path: Path, file_names: tuple[str, ...] = MDP_FILES) -> Submission:
  """The student's files ``file_names`` (the assignment's; default the first's five) from a
  folder or a .zip; never extracts anything else. A folder's links are not followed (a link
  could point at files only the grader may read)."""
  student = path.stem if path.suffix == ".zip" else path.name
  messages: list[str] = []
  files: dict[str, bytes] = {}
  notebook = None
  wanted = [f"{name}.py" for name in file_names]
  try:
    if path.suffix == ".zip":
      with zipfile.ZipFile(path) as archive:
        infos = {i.filename: i for i in archive.infolist() if not i.is_dir()}
        sizes = {name: info.file_size for name, info in infos.items()}
        read = lambda name: archive.read(infos[name])  # noqa: E731
        chosen = {base: _pick(list(infos), base) for base in wanted}
        files, notebook = _collect(chosen, _pick_notebook(list(infos)), sizes, read, messages)
    elif path.is_dir():
      root = path.resolve()
      entries = [
        str(p.relative_to(path))
        for p in path.rglob("*")
        if p.is_file() and not p.is_symlink() and p.resolve().is_relative_to(root)
      ]
      sizes = {name: (path / name).stat().st_size for name in entries}
      chosen = {base: _pick(entries, base) for base in wanted}
      read = lambda name: (path / name).read_bytes()  # noqa: E731
      files, notebook = _collect(chosen, _pick_notebook(entries), sizes, read, messages)
    else:
      messages.append(f"{path.name} is neither a folder nor a .zip")
  except Exception as err:  # encrypted or exotic zips, unreadable files: this student only
    messages.append(f"could not read the submission: {type(err).__name__}: {err}")
  return Submission(student, files, notebook, messages)


def _collect(chosen, notebook_name, sizes, read, messages) -> tuple[dict[str, bytes], bytes | None]:
  files = {}
  for base, name in chosen.items():
    if name is None:
      messages.append(f"{base} is missing: its TODOs score zero")
    elif sizes[name] > MAX_FILE_BYTES:
      messages.append(
        f"{base} is larger than {MAX_FILE_BYTES // 1024} KiB: ignored, its TODOs score zero"
      )
    else:
      files[base] = read(name)
  notebook = None
  if notebook_name is not None:
    if sizes[notebook_name] > 50 * MAX_FILE_BYTES:
      messages.append(f"{notebook_name} is larger than 50 MiB: not graded")
    else:
      notebook = read(notebook_name)
  return files, notebook


def discover(root: Path) -> list[Path]:
  if not root.is_dir():
    raise SystemExit(f"error: {root} is not a folder of submissions")
  entries = sorted(
    p for p in root.iterdir() if (p.is_dir() or p.suffix == ".zip") and not p.name.startswith(".")
  )
  if not entries:
    raise SystemExit(f"error: no submissions (folders or .zip files) in {root}")
  return entries
