"""The class CSV of grade.py: one row per student, sorted by name.

Columns: student, score, max_score, the three parts (terms, training, notebook), one column per
TODO of the assignment graded (the registry's order), one per training item and notebook item
(the rubric's; the first assignment only), messages.
A submission the grader failed on has empty scores, not zeros. The CSV (and every report,
``write_private``) is readable by the grader's user only: sandboxed children run as other users.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
from pathlib import Path

from trotlab.grading.todos import FIRST, Assignment


def rubric_parts(rubric: dict, assignment: Assignment) -> dict:
  """The rubric's training and notebook items that ``assignment`` has (none unless it is
  graded whole)."""
  if assignment.graded_whole:
    return rubric
  return {"training": {}, "notebook": {}}


def csv_columns(rubric: dict, assignment: Assignment = FIRST) -> list[str]:
  rubric = rubric_parts(rubric, assignment)
  return [
    "student",
    "score",
    "max_score",
    "terms",
    "training",
    "notebook",
    *assignment.ids,
    *[f"training_{k}" for k in rubric["training"]],
    *[f"notebook_{k}" for k in rubric["notebook"]],
    "messages",
  ]


def csv_row(report: dict, rubric: dict, assignment: Assignment = FIRST) -> dict[str, str]:
  rubric = rubric_parts(rubric, assignment)
  fmt = lambda x: "" if x is None else f"{x:g}"  # noqa: E731
  row = {
    "student": report["student"],
    "score": fmt(report["score"]),
    "max_score": fmt(report["max_score"]),
    "terms": fmt(sum(t["score"] for t in report["terms"])) if report["terms"] else "",
    "training": fmt(report["training"]["score"]) if report["training"] else "",
    "notebook": fmt(sum(v["score"] or 0.0 for v in report["notebook"].values()))
    if report["notebook"]
    else "",
    "messages": "; ".join(report["messages"]),
  }
  row.update({t["todo"]: fmt(t["score"]) for t in report["terms"]})
  for key in rubric["training"]:
    row[f"training_{key}"] = (
      fmt(report["training"]["items"][key]["score"]) if report["training"] else ""
    )
  for key in rubric["notebook"]:
    row[f"notebook_{key}"] = (
      fmt(report["notebook"][key]["score"])
      if report["notebook"] and key in report["notebook"]
      else ""
    )
  return row


def write_csv(reports: list[dict], out: Path, rubric: dict, assignment: Assignment = FIRST) -> None:
  buffer = io.StringIO()
  fields = csv_columns(rubric, assignment)
  writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
  writer.writeheader()
  for report in sorted(reports, key=lambda r: r["student"]):
    writer.writerow(csv_row(report, rubric, assignment))
  write_private(out, buffer.getvalue())


def write_private(path: Path, text: str) -> None:
  """Write ``text`` to ``path`` with mode 0600, atomically (a temporary file renamed over it);
  a missing folder is created with mode 0700. The class's grades are for the grader's user
  only."""
  if not path.parent.exists():
    path.parent.mkdir(parents=True, mode=0o700)
  tmp = path.with_name(path.name + ".tmp")
  with contextlib.suppress(FileNotFoundError):
    tmp.unlink()  # a left-over one may have another mode
  fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
  with os.fdopen(fd, "w") as file:
    os.fchmod(file.fileno(), 0o600)  # whatever the umask
    file.write(text)
  os.replace(tmp, path)
