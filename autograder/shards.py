"""A class graded in shards, on several machines: which shard a student is in, and the merge.

``grade.py SUBMISSIONS --out part_1.csv --shard 1/3`` grades the students whose id falls in
shard 1 of 3 (``shard_of``: sha256 of the id, so the split depends on the ids alone, not on a
folder's listing order or the machine) and writes, beside its CSV and reports, a manifest
``part_1.shard.json``: the shard, the students graded and the settings they were graded with.
``grade.py merge grades.csv part_1.csv part_2.csv part_3.csv`` joins the parts into one CSV and
one reports folder, as one run over the whole class would have written them, and refuses parts
graded with different settings (the grader's digest, profile, assignment, training skipped or
not), parts of different splits, a shard given twice and a shard missing.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from autograder.grade_csv import write_csv, write_private

SETTINGS = ("grader_sha256", "profile", "skip_training", "assignment")
"""The report fields a class's scores depend on besides the submissions: equal in every part."""


def parse_shard(text: str) -> tuple[int, int]:
  """ "I/N" -> (I, N) with 1 <= I <= N; ValueError otherwise."""
  index, _, count = text.partition("/")
  try:
    i, n = int(index), int(count)
  except ValueError:
    raise ValueError(f"--shard {text!r}: write it I/N, e.g. 1/4") from None
  if not 1 <= i <= n:
    raise ValueError(f"--shard {text!r}: I must be between 1 and N")
  return i, n


def shard_of(student: str, count: int) -> int:
  """The shard (1..count) of the student id ``student``: the same on every machine."""
  return int.from_bytes(hashlib.sha256(student.encode()).digest()[:8], "big") % count + 1


def manifest_path(out: Path) -> Path:
  """The manifest beside a part's CSV: part_1.csv -> part_1.shard.json."""
  return out.with_suffix(".shard.json")


def write_manifest(
  out: Path, shard: tuple[int, int], reports: list[dict], failed: list[str], reports_dir: Path
) -> None:
  """The part's manifest: its shard, its students (``failed``: those the grader failed on, not
  saved), and the settings of their reports (all reports of one run share them)."""
  saved = [r for r in reports if r["student"] not in failed]
  manifest = {
    "shard": list(shard),
    "students": sorted(r["student"] for r in saved),
    "failed": sorted(failed),
    "reports": os.path.relpath(reports_dir, out.parent),
    "settings": {key: saved[0][key] for key in SETTINGS} if saved else {},
  }
  write_private(manifest_path(out), json.dumps(manifest, indent=1, sort_keys=True) + "\n")


def reports_dir_of(out: Path) -> Path:
  """grade.py's default reports folder of a CSV: <stem>_reports/ beside it (the merged class's
  reports go there)."""
  return out.parent / f"{out.stem}_reports"


def merge(out: Path, parts: list[Path], rubric: dict) -> int:
  """Join the parts' CSVs and reports into ``out`` and its reports folder; SystemExit naming
  the problem when the parts do not make one class graded one way."""
  from trotlab.grading.todos import ASSIGNMENTS, FIRST

  manifests = []
  for part in parts:
    path = manifest_path(part)
    if not path.is_file():
      raise SystemExit(f"error: {path} is missing: {part} was not graded with --shard I/N")
    manifests.append((part, json.loads(path.read_text())))
  counts = {m["shard"][1] for _, m in manifests}
  if len(counts) != 1:
    raise SystemExit(f"error: the parts come from different splits (N = {sorted(counts)})")
  (count,) = counts
  indices = [m["shard"][0] for _, m in manifests]
  repeated = sorted({i for i in indices if indices.count(i) > 1})
  missing = sorted(set(range(1, count + 1)) - set(indices))
  if repeated or missing:
    raise SystemExit(
      "error: "
      + "; ".join(
        [f"shard {i}/{count} given twice" for i in repeated]
        + [f"shard {i}/{count} missing" for i in missing]
      )
    )
  failed = sorted(f"{name} ({part})" for part, m in manifests for name in m["failed"])
  if failed:
    raise SystemExit(
      f"error: not graded because of a grader error: {', '.join(failed)}; run those shards again"
    )
  graded = [m for _, m in manifests if m["settings"]]
  for key in SETTINGS:
    values = {json.dumps(m["settings"][key]) for m in graded}
    if len(values) > 1:
      raise SystemExit(
        f"error: the parts were graded with different settings ({key}: {', '.join(sorted(values))});"
        " grade every shard with the same grader, profile and options"
      )
  reports = []
  for part, manifest in manifests:
    for student in manifest["students"]:
      report = json.loads((part.parent / manifest["reports"] / f"{student}.json").read_text())
      if any(report[key] != manifest["settings"][key] for key in SETTINGS):
        raise SystemExit(f"error: {student}'s report in {part}'s reports differs from its manifest")
      reports.append(report)
  names = [r["student"] for r in reports]
  if len(set(names)) != len(names):
    raise SystemExit(
      f"error: a student is in two parts: {sorted({n for n in names if names.count(n) > 1})}"
    )
  assignment = ASSIGNMENTS[graded[0]["settings"]["assignment"] if graded else FIRST.name]
  merged_reports = reports_dir_of(out)
  for report in reports:
    text = json.dumps(report, indent=1, sort_keys=True) + "\n"
    write_private(merged_reports / f"{report['student']}.json", text)
  write_csv(reports, out, rubric, assignment)
  print(
    f"[grade merge] {len(parts)} shards of {count}, {len(reports)} students: wrote {out} and {merged_reports}/"
  )
  return 0
