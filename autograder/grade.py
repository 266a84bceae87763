"""Grade a class: term checks, the training check and the notebook, for every submission.

  uv run python autograder/grade.py SUBMISSIONS --out grades.csv [--jobs N] [--profile cpu|gpu]
                                    [--skip-training] [--force] [--reports DIR]

SUBMISSIONS is a folder with one entry per student: a folder or a .zip holding the student's
MDP files (rewards.py, observations.py, terminations.py, velocity_command.py, curriculums.py,
found at any depth) and optionally the assignment notebook (*.ipynb). Everything else is
ignored. A missing file scores zero for its TODOs, with a message.

Writes one JSON report per student (--reports, default: next to the CSV in <stem>_reports/)
and the class CSV (one row per student, sorted by name). Already graded submissions are
skipped (same files, same settings) unless --force, so an interrupted run resumes where it
stopped. Student code only ever runs in sandboxed child processes (autograder/sandbox.py).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import csv
import dataclasses
import hashlib
import io
import json
import sys
import tempfile
import time
import zipfile
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `autograder` importable
  sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autograder import cases as C  # noqa: E402
from autograder.term_checks import MDP_FILES, grade_terms, load_rubric  # noqa: E402
from autograder.training_check import PROFILES, run_training_check  # noqa: E402

MAX_FILE_BYTES = 1 << 20
"""A student file larger than this is ignored (with a message)."""
REPORT_VERSION = 1


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


def _pick(names: list[str], basename: str) -> str | None:
  """The shallowest entry named ``basename`` (ignoring macOS resource forks)."""
  found = [n for n in names if Path(n).name == basename and "__MACOSX" not in n]
  return min(found, key=lambda n: (n.count("/"), n)) if found else None


def read_submission(path: Path) -> Submission:
  """The student's files from a folder or a .zip; never extracts anything else."""
  student = path.stem if path.suffix == ".zip" else path.name
  messages: list[str] = []
  files: dict[str, bytes] = {}
  notebook = None
  wanted = [f"{name}.py" for name in MDP_FILES]
  try:
    if path.suffix == ".zip":
      with zipfile.ZipFile(path) as archive:
        infos = {i.filename: i for i in archive.infolist() if not i.is_dir()}
        sizes = {name: info.file_size for name, info in infos.items()}
        read = lambda name: archive.read(infos[name])  # noqa: E731
        chosen = {base: _pick(list(infos), base) for base in wanted}
        notebooks = sorted(n for n in infos if n.endswith(".ipynb") and "__MACOSX" not in n)
        files, notebook = _collect(chosen, notebooks, sizes, read, messages)
    elif path.is_dir():
      entries = [str(p.relative_to(path)) for p in path.rglob("*") if p.is_file()]
      sizes = {name: (path / name).stat().st_size for name in entries}
      chosen = {base: _pick(entries, base) for base in wanted}
      notebooks = sorted(n for n in entries if n.endswith(".ipynb"))
      files, notebook = _collect(chosen, notebooks, sizes, lambda n: (path / n).read_bytes(), messages)  # fmt: skip
    else:
      messages.append(f"{path.name} is neither a folder nor a .zip")
  except (zipfile.BadZipFile, OSError) as err:
    messages.append(f"could not read the submission: {err}")
  return Submission(student, files, notebook, messages)


def _collect(chosen, notebooks, sizes, read, messages) -> tuple[dict[str, bytes], bytes | None]:
  files = {}
  for base, name in chosen.items():
    if name is None:
      messages.append(f"{base} is missing: its TODOs score zero")
    elif sizes[name] > MAX_FILE_BYTES:
      messages.append(f"{base} is larger than {MAX_FILE_BYTES // 1024} KiB: ignored, its TODOs score zero")  # fmt: skip
    else:
      files[base] = read(name)
  notebook = None
  if notebooks:
    if sizes[notebooks[0]] > 50 * MAX_FILE_BYTES:
      messages.append(f"{notebooks[0]} is larger than 50 MiB: not graded")
    else:
      notebook = read(notebooks[0])
  return files, notebook


def discover(root: Path) -> list[Path]:
  if not root.is_dir():
    raise SystemExit(f"error: {root} is not a folder of submissions")
  entries = sorted(p for p in root.iterdir() if (p.is_dir() or p.suffix == ".zip") and not p.name.startswith("."))  # fmt: skip
  if not entries:
    raise SystemExit(f"error: no submissions (folders or .zip files) in {root}")
  return entries


def grade_one(sub: Submission, profile: str, skip_training: bool, log=print) -> dict:
  """The report of one submission (a JSON-ready dict; no timings, so it is deterministic)."""
  rubric = load_rubric()
  report: dict = {
    "version": REPORT_VERSION,
    "student": sub.student,
    "submission_sha256": sub.digest(),
    "profile": profile,
    "skip_training": skip_training,
    "messages": list(sub.messages),
  }
  with tempfile.TemporaryDirectory(prefix="trotlab-sub-") as tmp:
    folder = Path(tmp)
    for name, content in sub.files.items():
      (folder / name).write_bytes(content)
    terms = grade_terms(folder, log=log)
    report["terms"] = [
      {
        "todo": t.todo,
        "name": t.name,
        "score": t.score,
        "max_score": t.max_score,
        "feedback": t.feedback(),
        "cases": [dataclasses.asdict(c) for c in t.cases],
      }  # fmt: skip
      for t in terms
    ]
    training = None
    if not skip_training:
      result = run_training_check(folder, PROFILES[profile], log=log)
      training = {"score": result.score, "max_score": result.max_score, "items": result.items, "output": result.output, "phases": result.phases}  # fmt: skip
    report["training"] = training
  report["notebook"] = grade_notebook(sub, rubric)
  parts = [sum(t["score"] for t in report["terms"])]
  maxima = [sum(t["max_score"] for t in report["terms"])]
  if training is not None:
    parts.append(training["score"])
    maxima.append(training["max_score"])
  if report["notebook"] is not None:
    parts.append(sum(v["score"] or 0.0 for v in report["notebook"].values()))
    maxima.append(sum(v["max_score"] for v in report["notebook"].values() if v["score"] is not None))  # fmt: skip
  report["score"] = round(sum(parts), 2)
  report["max_score"] = round(sum(maxima), 2)
  return report


def grade_notebook(sub: Submission, rubric: dict) -> dict | None:
  """The notebook's autograded points (nbgrader), or None when no notebook was submitted."""
  if sub.notebook is None:
    return None
  try:
    from autograder.notebook import autograde_notebook
  except ImportError:
    return None
  with tempfile.TemporaryDirectory(prefix="trotlab-nb-") as tmp:
    path = Path(tmp) / "submitted.ipynb"
    path.write_bytes(sub.notebook)
    try:
      return autograde_notebook(path, Path(tmp) / "work")
    except Exception as err:  # a broken notebook costs its points, not the batch
      return {
        key: {
          "score": 0.0 if not v.get("manual") else None,
          "max_score": float(v["points"]),
          "output": f"the notebook could not be graded: {err}",
        }  # fmt: skip
        for key, v in rubric["notebook"].items()
      }


def csv_columns(rubric: dict) -> list[str]:
  return [
    "student", "score", "max_score", "terms", "training", "notebook",
    *[t.todo for t in C.TODOS],
    *[f"training_{k}" for k in rubric["training"]],
    *[f"notebook_{k}" for k in rubric["notebook"]],
    "messages",
  ]  # fmt: skip


def csv_row(report: dict, rubric: dict) -> dict[str, str]:
  fmt = lambda x: "" if x is None else f"{x:g}"  # noqa: E731
  row = {
    "student": report["student"],
    "score": fmt(report["score"]),
    "max_score": fmt(report["max_score"]),
    "terms": fmt(sum(t["score"] for t in report["terms"])),
    "training": fmt(report["training"]["score"]) if report["training"] else "",
    "notebook": fmt(sum(v["score"] or 0.0 for v in report["notebook"].values()))
    if report["notebook"]
    else "",  # fmt: skip
    "messages": "; ".join(report["messages"]),
  }
  row.update({t["todo"]: fmt(t["score"]) for t in report["terms"]})
  for key in rubric["training"]:
    row[f"training_{key}"] = fmt(report["training"]["items"][key]["score"]) if report["training"] else ""  # fmt: skip
  for key in rubric["notebook"]:
    row[f"notebook_{key}"] = fmt(report["notebook"][key]["score"]) if report["notebook"] and key in report["notebook"] else ""  # fmt: skip
  return row


def write_csv(reports: list[dict], out: Path, rubric: dict) -> None:
  buffer = io.StringIO()
  writer = csv.DictWriter(buffer, fieldnames=csv_columns(rubric), lineterminator="\n")
  writer.writeheader()
  for report in sorted(reports, key=lambda r: r["student"]):
    writer.writerow(csv_row(report, rubric))
  out.parent.mkdir(parents=True, exist_ok=True)
  tmp = out.with_suffix(out.suffix + ".tmp")
  tmp.write_text(buffer.getvalue())
  tmp.replace(out)


def _is_current(report_file: Path, sub: Submission, profile: str, skip_training: bool) -> dict | None:  # fmt: skip
  if not report_file.is_file():
    return None
  try:
    report = json.loads(report_file.read_text())
  except (OSError, json.JSONDecodeError):
    return None
  same = (
    report.get("version") == REPORT_VERSION
    and report.get("submission_sha256") == sub.digest()
    and report.get("profile") == profile
    and report.get("skip_training") == skip_training
  )
  return report if same else None


def main(argv: list[str] | None = None) -> int:
  parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
  parser.add_argument("submissions", type=Path, help="folder with one folder or .zip per student")
  parser.add_argument("--out", type=Path, required=True, help="the class CSV to write")
  parser.add_argument("--reports", type=Path, default=None, help="per-student JSON reports (default: <out stem>_reports/ next to the CSV)")  # fmt: skip
  parser.add_argument("--jobs", type=int, default=1, help="submissions graded at the same time")
  parser.add_argument("--profile", choices=sorted(p for p in PROFILES if p != "smoke") + ["smoke"], default="cpu", help="training check budget (cpu: a 2-core grader; gpu)")  # fmt: skip
  parser.add_argument("--skip-training", action="store_true", help="term checks (and notebook) only")  # fmt: skip
  parser.add_argument("--force", action="store_true", help="regrade submissions that already have a current report")  # fmt: skip
  args = parser.parse_args(argv)
  if args.jobs < 1:
    parser.error("--jobs must be at least 1")
  reports_dir = args.reports or args.out.parent / f"{args.out.stem}_reports"
  rubric = load_rubric()
  paths = [p for p in discover(args.submissions) if p.resolve() != reports_dir.resolve()]
  if not paths:
    raise SystemExit(f"error: no submissions (folders or .zip files) in {args.submissions}")
  reports_dir.mkdir(parents=True, exist_ok=True)
  subs = [read_submission(p) for p in paths]
  names = [s.student for s in subs]
  if len(set(names)) != len(names):
    raise SystemExit(f"error: two submissions share a student name: {sorted({n for n in names if names.count(n) > 1})}")  # fmt: skip
  reports: dict[str, dict] = {}
  todo: list[Submission] = []
  for sub in subs:
    current = None if args.force else _is_current(reports_dir / f"{sub.student}.json", sub, args.profile, args.skip_training)  # fmt: skip
    if current is not None:
      reports[sub.student] = current
      print(f"[grade] {sub.student}: already graded ({current['score']:g}/{current['max_score']:g}), skipped (--force regrades)")  # fmt: skip
    else:
      todo.append(sub)
  print(f"[grade] {len(todo)} of {len(subs)} submissions to grade, {args.jobs} at a time, profile {args.profile}{', no training check' if args.skip_training else ''}")  # fmt: skip
  start = time.monotonic()

  def work(sub: Submission) -> tuple[Submission, dict, float]:
    t0 = time.monotonic()
    prefix = f"[grade] {sub.student}:"
    report = grade_one(sub, args.profile, args.skip_training, log=lambda msg: print(prefix, msg.strip(), flush=True))  # fmt: skip
    return sub, report, time.monotonic() - t0

  done = 0
  with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
    for future in concurrent.futures.as_completed([pool.submit(work, s) for s in todo]):
      sub, report, seconds = future.result()
      (reports_dir / f"{sub.student}.json").write_text(json.dumps(report, indent=1, sort_keys=True) + "\n")  # fmt: skip
      reports[sub.student] = report
      done += 1
      elapsed = time.monotonic() - start
      eta = elapsed / done * (len(todo) - done)
      print(f"[grade] {done}/{len(todo)} {sub.student}: {report['score']:g}/{report['max_score']:g} ({seconds:.0f} s; ETA {eta / 60:.1f} min)", flush=True)  # fmt: skip
      write_csv(list(reports.values()), args.out, rubric)  # after every student: nothing is lost
  write_csv(list(reports.values()), args.out, rubric)
  print(f"[grade] wrote {args.out} ({len(reports)} students) and {reports_dir}/")
  return 0


if __name__ == "__main__":
  sys.exit(main())
