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
  """Submission-level messages for the student and the class CSV (what was missing or ignored)."""
  unread: dict[str, str] = dataclasses.field(default_factory=dict)
  """MDP file name -> why it is not graded ("missing from the submission", "too large ...")."""

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
  could point at files only the grader may read). A folder that holds none of the files but a
  .zip (a hand-in zip left unextracted, as Gradescope may leave it) is read from that zip."""
  student = path.stem if path.suffix == ".zip" else path.name
  wanted = [f"{name}.py" for name in file_names]
  messages: list[str] = []
  found: tuple[dict[str, bytes], bytes | None, dict[str, str]] = ({}, None, {})
  if path.is_dir():
    inner = _unextracted_zip(path, wanted)
    if inner is not None:
      messages.append(f"read the zip {inner.relative_to(path)} (the folder held no MDP file)")
      path = inner
  try:
    if path.suffix == ".zip" and path.is_file():
      with zipfile.ZipFile(path) as archive:
        infos = {i.filename: i for i in archive.infolist() if not i.is_dir()}
        sizes = {name: info.file_size for name, info in infos.items()}
        read = lambda name: archive.read(infos[name])  # noqa: E731
        chosen = {base: _pick(list(infos), base) for base in wanted}
        found = _collect(chosen, _pick_notebook(list(infos)), sizes, read, messages)
    elif path.is_dir():
      entries = _folder_entries(path)
      sizes = {name: (path / name).stat().st_size for name in entries}
      chosen = {base: _pick(entries, base) for base in wanted}
      read = lambda name: (path / name).read_bytes()  # noqa: E731
      found = _collect(chosen, _pick_notebook(entries), sizes, read, messages)
    else:
      messages.append(f"{path.name} is neither a folder nor a .zip: nothing was graded")
  except zipfile.BadZipFile as err:
    messages.append(
      f"{path.name} is not a readable zip ({err}): make the zip again (`uv run submit`, or zip"
      " the files themselves) and resubmit"
    )
  except Exception as err:  # encrypted or exotic zips, unreadable files: this student only
    messages.append(
      f"could not read the submission ({type(err).__name__}: {err}): make the zip again"
      " (`uv run submit`) and resubmit"
    )
  files, notebook, unread = found
  if not files and not unread:  # unreadable: every file counts as not graded
    unread = {base: "not read: the submission could not be read" for base in wanted}
  return Submission(student, files, notebook, messages, unread)


def _folder_entries(path: Path) -> list[str]:
  """The regular files under ``path`` (relative names), links and what they reach left out."""
  root = path.resolve()
  return [
    str(p.relative_to(path))
    for p in path.rglob("*")
    if p.is_file() and not p.is_symlink() and p.resolve().is_relative_to(root)
  ]


def _unextracted_zip(path: Path, wanted: list[str]) -> Path | None:
  """The shallowest .zip in the folder ``path`` when the folder holds none of ``wanted``."""
  entries = _folder_entries(path)
  if any(_pick(entries, base) for base in wanted):
    return None
  zips = [e for e in _usable(entries) if e.endswith(".zip")]
  return path / min(zips, key=lambda n: (len(_parts(n)), n)) if zips else None


def _kib(size: int) -> str:
  return f"{size / 1024:,.0f} KiB"


def _collect(
  chosen, notebook_name, sizes, read, messages
) -> tuple[dict[str, bytes], bytes | None, dict[str, str]]:
  """(files, notebook, unread): the chosen files read, and why each other one is not graded;
  a message per file not graded."""
  files, unread = {}, {}
  for base, name in chosen.items():
    if name is None:
      unread[base] = "missing from the submission"
      messages.append(f"{base} is missing from the submission: its TODOs score zero")
    elif sizes[name] > MAX_FILE_BYTES:
      why = f"too large ({_kib(sizes[name])}; the limit is {_kib(MAX_FILE_BYTES)}), ignored"
      unread[base] = why
      messages.append(f"{base} is {why}: its TODOs score zero")
    else:
      files[base] = read(name)
  notebook = None
  if notebook_name is not None:
    if sizes[notebook_name] > 50 * MAX_FILE_BYTES:
      messages.append(
        f"{notebook_name} is too large ({_kib(sizes[notebook_name])}; the limit is 50 MiB),"
        " ignored: clear the notebook's outputs (Edit > Clear all outputs), save, resubmit"
      )
    else:
      notebook = read(notebook_name)
  return files, notebook, unread


def discover(root: Path) -> list[Path]:
  """The class's submissions in ``root``: one folder or .zip per student, sorted."""
  if not root.exists():
    raise SystemExit(f"error: {root} does not exist: give the folder that holds the submissions")
  if not root.is_dir():
    raise SystemExit(
      f"error: {root} is a file, not a folder: give the folder that holds one folder or .zip per"
      " student"
    )
  entries = sorted(
    p for p in root.iterdir() if (p.is_dir() or p.suffix == ".zip") and not p.name.startswith(".")
  )
  if not entries:
    raise SystemExit(f"error: no submissions (folders or .zip files) in {root}")
  return entries
