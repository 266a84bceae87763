"""uv run submit [--out PATH.zip] [--notebook PATH] [--mdp student|PATH] [--assignment flat|rough]

Write your hand-in zip. It holds exactly what the grader reads: the five MDP files (rewards.py,
observations.py, terminations.py, velocity_command.py, curriculums.py) from your MDP folder
(--mdp, default: student/trotlab/tasks/velocity/mdp/) and, with --notebook, your answered
notebook, packed as go1_velocity.ipynb. Nothing else goes in: metrics.json, checkpoints and logs
stay out (see WHAT_IS_GRADED, printed at the end).

It writes submission.zip (--out: another path). An existing zip of the same hand-in is replaced,
and the output says so; a zip that holds other files (the other assignment's, say) is refused.

It first runs the public self-check (`uv run check`) and says what fails, then writes the zip
anyway: each TODO is graded on its own, so partial work earns partial credit. It refuses, and
writes nothing, when an MDP file is missing, when --notebook is not a file, or when --out is not
a .zip path or would replace something that is not a zip.

Hand the zip in where your course says: its Gradescope assignment, or the folder your instructor
names (there, name it as your instructor asks, e.g. --out <your id>.zip).

--assignment rough packs the second assignment instead: terrain.py alone (it has no notebook),
after `uv run check --assignment rough`, into submission_rough.zip.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import tempfile
import textwrap
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import NoReturn

from trotlab.grading.todos import ASSIGNMENTS, FIRST, add_assignment_option

NOTEBOOK_NAME = "go1_velocity.ipynb"
"""The notebook's name in the zip: the grader looks for this name first."""
MAX_MDP_FILE_BYTES = 1 << 20
"""The grader ignores an MDP file larger than this (its TODOs score zero)."""
MAX_NOTEBOOK_BYTES = 50 << 20
"""The grader does not grade a notebook larger than this."""
WHAT_IS_GRADED = (
  "Only the five MDP files and the notebook's answers are graded. The tracking plot and the video "
  "earn no points; a notebook run to the end shows them, so they travel inside it, and no other "
  "file goes in the zip."
)
"""What the first assignment grades, said once: submit prints it; the handout (its opening and
section 9) and the notebook's last section carry the same sentence."""
UNANSWERED = ("raise NotImplementedError()", "YOUR ANSWER HERE")
"""What the released notebook's answer cells hold until they are answered."""


def refuse(message: str) -> NoReturn:
  """Stop before anything is written: exit 1 with a one-line error."""
  raise SystemExit(f"error: {message}")


def shown(path: Path) -> str:
  """``path`` relative to the working folder when it is inside it, else absolute."""
  path = path.resolve()
  try:
    return str(path.relative_to(Path.cwd().resolve()))
  except ValueError:
    return str(path)


def default_zip(assignment: str) -> Path:
  """Each assignment's own hand-in name, so that packing one never replaces the other's:
  submission.zip for the first, submission_<name>.zip for a later one."""
  return Path("submission.zip" if assignment == FIRST.name else f"submission_{assignment}.zip")


def check_out(out: Path, members: Iterable[str]) -> str | None:
  """Refuse a zip path that is no .zip, a folder, a file that is not a zip, or a zip holding a
  file ``members`` would not (another hand-in's, or a notebook this one leaves out); None when
  ``out`` is new, else the line that says which earlier zip it replaces (and when written)."""
  if out.suffix.lower() != ".zip":
    refuse(f"--out {out}: the hand-in must be a .zip file (e.g. --out submission.zip).")
  if out.is_dir():
    refuse(f"--out {out} is a folder; give the path of a .zip file.")
  if not out.exists():
    return None
  if not zipfile.is_zipfile(out):
    refuse(f"--out {out} exists and is not a zip file; it is left as it is. Choose another path.")
  with zipfile.ZipFile(out) as archive:
    earlier = set(archive.namelist())
  foreign = sorted(earlier - set(members))
  if foreign == [NOTEBOOK_NAME]:
    refuse(
      f"--out {out} holds your notebook ({NOTEBOOK_NAME}) and this hand-in has none: add "
      "--notebook PATH to keep it in, or choose another --out. The zip is left as it is."
    )
  if foreign:
    refuse(
      f"--out {out} holds another hand-in ({', '.join(foreign)}); it is left as it is. Choose "
      "another --out, or delete that zip first."
    )
  written = datetime.datetime.fromtimestamp(out.stat().st_mtime).strftime("%Y-%m-%d %H:%M")
  return f"(replaced the earlier {shown(out)}, written {written})"


def mdp_files(folder: Path, assignment: str = "flat") -> dict[str, Path]:
  """{"rewards.py": path, ...}: the assignment's MDP files of ``folder`` (the first's five; the
  second's terrain.py), or refuse naming the missing."""
  files = {f"{name}.py": folder / f"{name}.py" for name in ASSIGNMENTS[assignment].files}
  missing = [name for name, path in files.items() if not path.is_file()]
  if missing:
    refuse(
      f"{', '.join(missing)} missing in {shown(folder)}: the zip needs the assignment's MDP "
      f"files ({', '.join(files)}). Nothing was written."
    )
  return files


def notebook_warnings(path: Path) -> list[str]:
  """Why the grader would score the notebook's autograded cells low, read from the file alone:
  not a notebook, none of the released graded cells (copied into a new notebook), answer cells
  still as released. Empty when nothing looks wrong (the tests themselves are not run)."""
  try:
    cells = json.loads(path.read_text())["cells"]
  except (OSError, ValueError, KeyError, TypeError):
    return [f"{path.name} is not a readable notebook (.ipynb JSON): the grader scores N1-N3 zero."]
  graded, unanswered = [], []
  for cell in cells if isinstance(cells, list) else []:
    meta = cell.get("metadata", {}).get("nbgrader", {}) if isinstance(cell, dict) else {}
    grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
    if not grade_id:
      continue
    graded.append(grade_id)
    source = cell.get("source", "")
    text = "".join(source) if isinstance(source, list) else str(source)
    if meta.get("solution") and any(marker in text for marker in UNANSWERED):
      unanswered.append(grade_id)
  warnings = []
  if not graded:
    warnings.append(
      f"{path.name} holds none of the released notebook's graded cells (their nbgrader metadata): "
      "the grader scores N1-N3 zero. Answer the notebook you were given, not a copy of its cells."
    )
  if unanswered:
    warnings.append(f"not answered yet in {path.name}: {', '.join(unanswered)}.")
  return warnings


def run_self_check(mdp: str, assignment: str = "flat") -> str | None:
  """Run the public self-check (what `uv run check --mdp MDP --assignment A` runs, its table
  printed); None when every TODO passes, else a sentence saying what did not."""
  from trotlab.scripts import check

  try:
    code = check.main(["--mdp", mdp, "--assignment", assignment])
  except SystemExit as err:  # check's own argument or MDP-folder errors
    return f"the self-check stopped: {err.code}"
  except Exception as err:  # a file that does not import (e.g. a syntax error) stops the check
    return (
      f"the self-check could not run: {type(err).__name__}: {err}. The grader cannot load that "
      "file either: all its TODOs would score zero."
    )
  if code == 0:
    return None
  if code == 1:
    return "not every TODO passes the self-check (the table above says which)."
  return f"the self-check could not run (exit code {code}; its message is above)."


def write_zip(out: Path, members: dict[str, Path]) -> None:
  """Write ``members`` ({name in the zip: file}) flat into ``out``, replacing it at once (an
  interrupted run leaves the old zip, never half a zip)."""
  out.parent.mkdir(parents=True, exist_ok=True)
  fd, tmp = tempfile.mkstemp(prefix=".submit-", suffix=".zip", dir=out.parent)
  os.close(fd)
  try:
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
      for name, path in members.items():
        archive.write(path, arcname=name)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # as any file the student writes (mkstemp's is 0600)
    Path(tmp).replace(out)
  finally:
    Path(tmp).unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
  parser = argparse.ArgumentParser(
    prog="submit", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
  )
  parser.add_argument(
    "--out",
    type=Path,
    default=None,
    help="the zip to write (default: submission.zip; submission_rough.zip with --assignment rough)",
  )
  parser.add_argument(
    "--notebook",
    type=Path,
    default=None,
    help="your answered notebook (e.g. notebooks/go1_velocity.ipynb); left out when not given",
  )
  parser.add_argument(
    "--mdp",
    default="student",
    help="student (default: your MDP folder) or a folder with the five files",
  )
  add_assignment_option(parser)
  args = parser.parse_args(sys.argv[1:] if argv is None else argv)
  has_notebook = ASSIGNMENTS[args.assignment].graded_whole
  if not has_notebook and args.notebook is not None:
    refuse(f"--notebook: the {args.assignment} assignment has no notebook. Nothing was written.")

  from trotlab.tasks.velocity.mdp import resolve_mdp_dir

  # Every refusal comes before the self-check and before anything is written.
  out = args.out or default_zip(args.assignment)
  try:
    folder = resolve_mdp_dir(args.mdp)
  except FileNotFoundError as err:
    refuse(str(err))
  members = mdp_files(folder, args.assignment)
  replaced = check_out(out, [*members, *([NOTEBOOK_NAME] if args.notebook else [])])
  warnings: list[str] = []
  for name, path in members.items():
    if path.stat().st_size > MAX_MDP_FILE_BYTES:
      warnings.append(f"{name} is larger than 1 MiB: the grader ignores it (its TODOs score zero).")
  if args.notebook is not None:
    if not args.notebook.is_file():
      refuse(f"--notebook {args.notebook}: no such file. Nothing was written.")
    members[NOTEBOOK_NAME] = args.notebook
    warnings += notebook_warnings(args.notebook)
    if args.notebook.stat().st_size > MAX_NOTEBOOK_BYTES:
      warnings.append(f"{args.notebook.name} is larger than 50 MiB: the grader does not grade it.")

  problem = run_self_check(args.mdp, args.assignment)
  write_zip(out, members)

  print(f"\nWrote {shown(out)} ({out.stat().st_size:,} bytes){' ' + replaced if replaced else ''}:")
  width = max(len(name) for name in members)
  for name, path in members.items():
    print(f"  {name:<{width}} {path.stat().st_size:>10,} bytes  from {shown(path)}")
  if args.notebook is None and has_notebook:
    print(
      f"  (no notebook: the hand-in holds your answered {NOTEBOOK_NAME} too; add --notebook PATH"
      " to pack it)"
    )
  for line in ([problem] if problem else []) + warnings:
    print(f"warning: {line}")
  if problem:
    print("The zip holds your files as they are: each TODO is graded on its own.")
  print(
    "Hand in this zip where your course says: its Gradescope assignment, or the folder your\n"
    "instructor names."
  )
  if args.notebook is not None:
    print(textwrap.fill(WHAT_IS_GRADED, 100))
  return 0


if __name__ == "__main__":
  sys.exit(main())
