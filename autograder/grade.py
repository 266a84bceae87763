"""Grade a class: term checks, the training check and the notebook, for every submission.

  uv run python autograder/grade.py SUBMISSIONS --out grades.csv [--jobs N] [--profile cpu_warm|cpu|gpu]
                                    [--skip-training] [--force] [--reports DIR]
                                    [--require-isolation | --allow-uid-sandbox]
                                    [--assignment flat|rough] [--shard I/N]
  uv run python autograder/grade.py merge grades.csv PART.csv [PART.csv ...]
  uv run python autograder/grade.py report grades.csv [--names]

SUBMISSIONS is a folder with one entry per student: a folder or a .zip holding the student's
MDP files (rewards.py, observations.py, terminations.py, velocity_command.py, curriculums.py,
found at any depth) and optionally the assignment notebook (*.ipynb). Everything else is
ignored. A missing file scores zero for its TODOs, with a message. ``--assignment rough``
grades the second assignment instead: terrain.py's TODOs, term checks only (it has no training
check and no notebook).

Writes one JSON report per student (--reports, default: next to the CSV in <stem>_reports/)
and the class CSV (one row per student, sorted by name). Already graded submissions are
skipped (same files, same settings) unless --force, so an interrupted run resumes where it
stopped. Student code only ever runs in sandboxed child processes (autograder/sandbox.py):
in namespaces of their own where bubblewrap works (autograder/isolation.py). Where it does not,
a class (more than one submission to grade) is refused unless --allow-uid-sandbox accepts the
uid sandbox alone, which the log and each report then say; --require-isolation refuses even one.
The CSV and the reports are written 0600 in a 0700 reports folder, and as root the submissions
folder is made 0700: the children run as other users and must not read the class's data.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import dataclasses
import hashlib
import json
import os
import stat
import sys
import tempfile
import time
import traceback
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `autograder` importable
  sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autograder import class_report, sandbox, shards  # noqa: E402
from autograder.grade_csv import write_csv, write_private  # noqa: E402
from autograder.sandbox import running_as_root  # noqa: E402
from autograder.submissions import (  # noqa: E402, F401  (MAX_FILE_BYTES, NOTEBOOK: tests, submit)
  MAX_FILE_BYTES,
  NOTEBOOK,
  Submission,
  discover,
  read_submission,
)
from autograder.term_checks import (  # noqa: E402
  PUBLIC_CASES_DIR,
  grade_terms,
  load_rubric,
)
from autograder.training_check import (  # noqa: E402
  DEFAULT_PROFILE,
  PROFILES,
  TrainingProfile,
  TrainingResult,
  run_training_check,
  skipped_training,
  start_checkpoint,
)
from autograder.training_slots import TrainingSlots  # noqa: E402
from trotlab.grading.protocol import IMPORT_FAILED  # noqa: E402
from trotlab.grading.todos import (  # noqa: E402
  ASSIGNMENTS,
  FIRST,
  Assignment,
  add_assignment_option,
)

REPORT_VERSION = 1


GRADER_DIR = Path(__file__).resolve().parent
ROOT = GRADER_DIR.parent


def grader_digest(profile: str, assignment: Assignment = FIRST) -> str:
  """What a score depends on besides the submission: the assignment's TODOs in the registry
  (points), the rubric, the recorded cases, the mutant fingerprints and the training profile
  (with its warm-start checkpoint). A report made with others is not current."""
  h = hashlib.sha256(json.dumps(dataclasses.asdict(PROFILES[profile]), sort_keys=True).encode())
  start = start_checkpoint(PROFILES[profile])
  if start is not None:
    h.update(start.read_bytes())
  h.update(json.dumps([dataclasses.asdict(t) for t in assignment.todos]).encode())
  for folder, pattern in (
    (GRADER_DIR / "public", "rubric.toml"),
    (PUBLIC_CASES_DIR, "*.npz"),
    (GRADER_DIR / "hidden", "*.npz"),
    (GRADER_DIR / "hidden", "*.toml"),
    (GRADER_DIR / "hidden", "*.pt"),
  ):
    for path in sorted(folder.glob(pattern)):
      h.update(path.name.encode() + b"\0" + path.read_bytes())
  return h.hexdigest()


def grade_one(
  sub: Submission,
  profile: str,
  skip_training: bool,
  log=print,
  slots: TrainingSlots | None = None,
  assignment: Assignment = FIRST,
  deadline: float | None = None,
) -> dict:
  """The report of one submission (a JSON-ready dict; no timings, so it is deterministic).
  ``slots``: the cores its training check may use, shared by the submissions graded at once
  (None: a pool of its own). An ``assignment`` not graded whole has term checks only.
  ``deadline`` (time.monotonic() seconds; Gradescope's timeout): the training check, which runs
  last, gets only the time left before it (``_training_within``)."""
  rubric = load_rubric()
  skip_training = skip_training or not assignment.graded_whole
  report: dict = {
    "version": REPORT_VERSION,
    "student": sub.student,
    "assignment": assignment.name,
    "submission_sha256": sub.digest(),
    "grader_sha256": grader_digest(profile, assignment),
    "profile": profile,
    "skip_training": skip_training,
    "messages": list(sub.messages),
    "isolation": sandbox.isolation().line(),
    "notebook": None,
  }
  with tempfile.TemporaryDirectory(prefix="trotlab-sub-") as tmp:
    folder = Path(tmp)
    for name, content in sub.files.items():
      (folder / name).write_bytes(content)
    terms = grade_terms(folder, todos=list(assignment.ids), log=log, unread=sub.unread)
    report["messages"] += import_failures(terms)
    report["terms"] = [
      {
        "todo": t.todo,
        "name": t.name,
        "score": t.score,
        "max_score": t.max_score,
        "feedback": t.feedback(),
        "cases": [dataclasses.asdict(c) for c in t.cases],
      }
      for t in terms
    ]
    if assignment.graded_whole:  # before the training: it takes what time is left
      report["notebook"] = grade_notebook(sub, rubric)
      if sub.notebook is None:
        report["messages"].append(NO_NOTEBOOK)
    training = None
    if not skip_training:
      result = _training_within(folder, PROFILES[profile], deadline, slots, log)
      training = {
        "score": result.score,
        "max_score": result.max_score,
        "items": result.items,
        "output": result.output,
        "summary": result.summary,
        "phases": result.phases,
      }
    report["training"] = training
  parts = [sum(t["score"] for t in report["terms"])]
  maxima = [sum(t["max_score"] for t in report["terms"])]
  if training is not None:
    parts.append(training["score"])
    maxima.append(training["max_score"])
  if report["notebook"] is not None:
    parts.append(sum(v["score"] or 0.0 for v in report["notebook"].values()))
    maxima.append(
      sum(v["max_score"] for v in report["notebook"].values() if v["score"] is not None)
    )
  report["score"] = round(sum(parts), 2)
  report["max_score"] = round(sum(maxima), 2)
  return report


EVALUATION_RESERVE_S = 150.0
"""Seconds kept after a deadline-limited training: the child's evaluation of the policy and the
grader's re-play of it (about 30 s on 2 idle cores; a slower grader gets the margin)."""
MIN_TRAINING_S = 60.0
"""Less time than this left for the training check: it is not started (zero, with the reason)."""


def _training_within(
  folder: Path,
  profile: TrainingProfile,
  deadline: float | None,
  slots: TrainingSlots | None,
  log,
) -> TrainingResult:
  """The training check of ``folder``, its training cut to end EVALUATION_RESERVE_S before
  ``deadline`` (when that is sooner than the profile's own time limit)."""
  limited_by = "the profile's time limit"
  if deadline is not None:
    left = deadline - time.monotonic() - EVALUATION_RESERVE_S
    if left < MIN_TRAINING_S:
      return skipped_training(
        f"the training check did not run: {max(left, 0):.0f} s of training time were left"
        " before the assignment's timeout (not your code's fault: tell your instructor, whose"
        " autograder timeout is too short for it; autograder/README.md, Gradescope)"
      )
    if left < profile.time_limit_s:
      profile = dataclasses.replace(profile, time_limit_s=left)
      limited_by = "the time left before the assignment's timeout"
  slots = slots or TrainingSlots(profile, jobs=1)
  with slots.take(log) as cpus:
    return run_training_check(folder, profile, log=log, cpus=cpus, limited_by=limited_by)


def import_failures(terms) -> list[str]:
  """One submission-level message per MDP file that failed to import (a syntax error), taken
  from its TODOs' case messages, so the CSV's messages column shows it too."""
  found: dict[str, None] = {}
  for term in terms:
    for case in term.cases:
      text = case.message.removeprefix("ImportError: ")
      if f".py {IMPORT_FAILED}: " in text:
        found[f"{text}: its TODOs score zero"] = None
  return list(found)


NO_NOTEBOOK = (
  f"no notebook in the submission (expected {NOTEBOOK}): its autograded exercises score zero;"
  " hand in the zip `uv run submit --notebook ...` makes"
)


def _zero_notebook(rubric: dict, why: str) -> dict:
  """Every notebook item at zero (written answers: None, graded by hand) with ``why``."""
  return {
    key: {
      "score": 0.0 if not v.get("manual") else None,
      "max_score": float(v["points"]),
      "output": why,
    }
    for key, v in rubric["notebook"].items()
  }


def grade_notebook(sub: Submission, rubric: dict) -> dict:
  """The notebook's autograded points (nbgrader); every item at zero, with the reason, when no
  notebook was submitted or it could not be graded: the maximum never depends on what was
  handed in."""
  if sub.notebook is None:
    return _zero_notebook(rubric, NO_NOTEBOOK)
  from autograder.notebook import autograde_notebook

  with tempfile.TemporaryDirectory(prefix="trotlab-nb-") as tmp:
    path = Path(tmp) / "submitted.ipynb"
    path.write_bytes(sub.notebook)
    try:
      return autograde_notebook(path, Path(tmp) / "work")
    except Exception as err:  # a broken notebook costs its points, not the batch
      return _zero_notebook(rubric, f"the notebook could not be graded: {err}")


def error_report(sub: Submission) -> dict:
  """The CSV's stand-in for a submission the grader failed on (no score: not a zero)."""
  message = "NOT GRADED: the grader failed on this submission (see its log); run grade.py again"
  return {
    "student": sub.student,
    "score": None,
    "max_score": None,
    "terms": [],
    "training": None,
    "notebook": None,
    "messages": [message, *sub.messages],
  }


def _is_current(
  report_file: Path,
  sub: Submission,
  profile: str,
  skip_training: bool,
  assignment: Assignment = FIRST,
) -> dict | None:
  if not report_file.is_file():
    return None
  try:
    report = json.loads(report_file.read_text())
  except (OSError, json.JSONDecodeError):
    return None
  same = (
    report.get("version") == REPORT_VERSION
    and report.get("submission_sha256") == sub.digest()
    and report.get("grader_sha256") == grader_digest(profile, assignment)
    and report.get("profile") == profile
    and report.get("skip_training") == (skip_training or not assignment.graded_whole)
    and report.get("assignment", FIRST.name) == assignment.name
  )
  return report if same else None


def keep_private(submissions: Path, out: Path, reports_dir: Path) -> None:
  """The class's data for the grader's user only: the reports folder (and the CSV's, when it is
  made here) 0700, its reports, like the CSV, written 0600, and, as root, the submissions folder
  0700, so that no sandboxed child (another user) can read another student's files, grades or
  reports."""
  if not out.parent.exists():
    out.parent.mkdir(parents=True, mode=0o700)
  reports_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
  reports_dir.chmod(0o700)
  for report in reports_dir.glob("*.json"):
    if not report.is_symlink():
      report.chmod(0o600)
  if running_as_root() and stat.S_IMODE(submissions.stat().st_mode) & 0o077:
    submissions.chmod(0o700)
    print(f"[grade] chmod 700 {submissions} (unreadable to sandboxed code)")


def refuse_weak_isolation(count: int, allowed: bool) -> None:
  """Stop before grading ``count`` > 1 submissions without bubblewrap's namespaces, unless the
  instructor ``allowed`` it: in the uid sandbox alone a student's code can read whatever the
  machine leaves world-readable (a copy of the reference, a classmate's files elsewhere)."""
  found = sandbox.isolation(log=lambda *a: None)
  if count > 1 and found.bwrap is None and not allowed:
    raise SystemExit(
      f"error: {count} submissions to grade, and bubblewrap's namespaces do not work here"
      f" ({found.why}). Without them each student's code runs in the uid sandbox alone, where it"
      " can read any world-readable file on this machine. Install bubblewrap (Debian/Ubuntu:"
      " `sudo apt-get install bubblewrap`) and run again, or accept the weaker sandbox with"
      " --allow-uid-sandbox (autograder/README.md, Isolation)."
    )


def merge_main(argv: list[str]) -> int:
  """``grade.py merge OUT.csv PART.csv ...``: join the parts graded with --shard."""
  parser = argparse.ArgumentParser(prog="grade.py merge", description=shards.__doc__)
  parser.add_argument("out", type=Path, help="the class CSV to write (reports beside it)")
  parser.add_argument("parts", type=Path, nargs="+", help="the shards' CSVs")
  args = parser.parse_args(argv)
  return shards.merge(args.out, args.parts, load_rubric())


def report_main(argv: list[str]) -> int:
  """``grade.py report GRADES.csv [--names]``: the class page of a graded batch."""
  parser = argparse.ArgumentParser(prog="grade.py report", description=class_report.__doc__)
  parser.add_argument("csv", type=Path, help="the class CSV grade.py wrote")
  parser.add_argument("--reports", type=Path, default=None, help="default: <csv stem>_reports/")
  parser.add_argument("--names", action="store_true", help="show students' ids where relevant")
  parser.add_argument("--handout-url", default=None, help="where the TODOs' links point")
  args = parser.parse_args(argv)
  reports_dir = args.reports or args.csv.parent / f"{args.csv.stem}_reports"
  if not reports_dir.is_dir():
    raise SystemExit(f"error: {reports_dir} does not exist (grade.py writes it beside the CSV)")
  path = write_class_report(
    args.csv, class_report.load_reports(reports_dir), args.names, None, args.handout_url
  )
  print(f"[grade report] wrote {path}")
  return 0


def write_class_report(
  csv_path: Path,
  reports: list[dict],
  names: bool = False,
  batch_seconds: float | None = None,
  handout_url: str | None = None,
) -> Path:
  """Write the class page beside ``csv_path`` (class_report); return its path."""
  assignment = ASSIGNMENTS[next((r["assignment"] for r in reports if "assignment" in r), "flat")]
  handout = ROOT / assignment.handout
  page = class_report.build_report(
    reports, handout, handout_url or handout.resolve().as_uri(), names, batch_seconds
  )
  path = class_report.report_path(csv_path)
  write_private(path, page)
  return path


def main(argv: list[str] | None = None) -> int:
  argv = sys.argv[1:] if argv is None else argv
  if argv[:1] == ["merge"]:
    return merge_main(argv[1:])
  if argv[:1] == ["report"]:
    return report_main(argv[1:])
  parser = argparse.ArgumentParser(
    description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
  )
  parser.add_argument("submissions", type=Path, help="folder with one folder or .zip per student")
  parser.add_argument("--out", type=Path, required=True, help="the class CSV to write")
  parser.add_argument(
    "--reports",
    type=Path,
    default=None,
    help="per-student JSON reports (default: <out stem>_reports/ next to the CSV)",
  )
  parser.add_argument("--jobs", type=int, default=1, help="submissions graded at the same time")
  parser.add_argument(
    "--profile",
    choices=sorted(p for p in PROFILES if p != "smoke") + ["smoke"],
    default=DEFAULT_PROFILE,
    help=f"the training check's profile (default {DEFAULT_PROFILE}; docs/grading.md)",
  )
  parser.add_argument(
    "--skip-training", action="store_true", help="term checks (and notebook) only"
  )
  parser.add_argument(
    "--force", action="store_true", help="regrade submissions that already have a current report"
  )
  parser.add_argument(
    "--require-isolation",
    action="store_true",
    help="refuse to grade even one submission where bubblewrap's namespaces do not work",
  )
  parser.add_argument(
    "--allow-uid-sandbox",
    action="store_true",
    help=(
      "grade a class where bubblewrap's namespaces do not work, in the weaker uid sandbox"
      " (default: refused for more than one submission)"
    ),
  )
  parser.add_argument(
    "--shard",
    default=None,
    help="I/N: grade only shard I of N of the class (by student id), e.g. on one of N machines;"
    " `grade.py merge` joins the parts",
  )
  add_assignment_option(parser)
  args = parser.parse_args(argv)
  if args.jobs < 1:
    parser.error("--jobs must be at least 1")
  try:
    shard = shards.parse_shard(args.shard) if args.shard else None
  except ValueError as err:
    parser.error(str(err))
  assignment = ASSIGNMENTS[args.assignment]
  if not assignment.graded_whole:
    args.skip_training = True  # term checks only
  sandbox.require_isolation = args.require_isolation
  sandbox.prepare_host()
  try:
    sandbox.isolation()  # probed once, logged once
  except sandbox.IsolationUnavailable as err:
    raise SystemExit(f"error: {err}; install bubblewrap or allow user namespaces") from None
  reports_dir = args.reports or args.out.parent / f"{args.out.stem}_reports"
  rubric = load_rubric()
  paths = [p for p in discover(args.submissions) if p.resolve() != reports_dir.resolve()]
  if not paths:
    raise SystemExit(f"error: no submissions (folders or .zip files) in {args.submissions}")
  keep_private(args.submissions, args.out, reports_dir)
  subs = [read_submission(p, assignment.files) for p in paths]
  names = [s.student for s in subs]
  if len(set(names)) != len(names):
    raise SystemExit(
      f"error: two submissions share a student name: {sorted({n for n in names if names.count(n) > 1})}"
    )
  if shard is not None:
    subs = [s for s in subs if shards.shard_of(s.student, shard[1]) == shard[0]]
    print(f"[grade] shard {shard[0]}/{shard[1]}: {len(subs)} of {len(names)} submissions")
  reports: dict[str, dict] = {}
  todo: list[Submission] = []
  for sub in subs:
    current = (
      None
      if args.force
      else _is_current(
        reports_dir / f"{sub.student}.json", sub, args.profile, args.skip_training, assignment
      )
    )
    if current is not None:
      reports[sub.student] = current
      print(
        f"[grade] {sub.student}: already graded ({current['score']:g}/{current['max_score']:g}), skipped (--force regrades)"
      )
    else:
      todo.append(sub)
  refuse_weak_isolation(len(todo), args.allow_uid_sandbox)
  slots = TrainingSlots(PROFILES[args.profile], args.jobs)
  training = (
    "no training check"
    if args.skip_training
    else f"training checks {slots.count} at a time, {PROFILES[args.profile].threads} threads each"
  )
  print(
    f"[grade] {len(todo)} of {len(subs)} submissions to grade, {args.jobs} at a time, profile "
    f"{args.profile} ({training})"
  )
  start = time.monotonic()

  def work(sub: Submission) -> tuple[Submission, dict | None, float]:
    t0 = time.monotonic()
    prefix = f"[grade] {sub.student}:"
    try:
      report = grade_one(
        sub,
        args.profile,
        args.skip_training,
        log=lambda msg: print(prefix, msg.strip(), flush=True),
        slots=slots,
        assignment=assignment,
      )
    except Exception:  # a grader fault on one submission must not stop the class
      print(
        f"{prefix} INTERNAL ERROR, not graded (run grade.py again to retry it):\n{traceback.format_exc()}",
        flush=True,
      )
      report = None
    return sub, report, time.monotonic() - t0

  done, failed = 0, []
  pool = concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs)
  try:
    for future in concurrent.futures.as_completed([pool.submit(work, s) for s in todo]):
      sub, report, seconds = future.result()
      done += 1
      if report is None:
        failed.append(sub.student)
        reports[sub.student] = error_report(sub)  # in the CSV, never saved: the next run retries
      else:
        text = json.dumps(report, indent=1, sort_keys=True) + "\n"
        write_private(reports_dir / f"{sub.student}.json", text)
        reports[sub.student] = report
      elapsed = time.monotonic() - start
      eta = elapsed / done * (len(todo) - done)
      result = (
        "NOT GRADED (internal error)"
        if report is None
        else f"{report['score']:g}/{report['max_score']:g}"
      )
      print(
        f"[grade] {done}/{len(todo)} {sub.student}: {result} ({seconds:.0f} s; ETA {eta / 60:.1f} min)",
        flush=True,
      )
      write_csv(list(reports.values()), args.out, rubric, assignment)  # nothing is lost
  except KeyboardInterrupt:  # the children die with this process (sandbox: parent-death signal)
    print(
      f"\n[grade] interrupted: {done} of {len(todo)} graded and saved in {args.out}; run the same command to go on",
      flush=True,
    )
    os._exit(130)
  pool.shutdown()
  write_csv(list(reports.values()), args.out, rubric, assignment)
  if shard is not None:
    shards.write_manifest(args.out, shard, list(reports.values()), failed, reports_dir)
  elapsed = time.monotonic() - start
  per = f", {elapsed / len(todo) / 60:.1f} min per submission" if todo else ""
  print(f"[grade] graded {len(todo)} submissions in {elapsed / 60:.1f} min{per}")
  page = write_class_report(args.out, list(reports.values()), batch_seconds=elapsed)
  print(f"[grade] wrote {args.out} ({len(reports)} students), {reports_dir}/ and {page}")
  if failed:
    print(
      f"[grade] {len(failed)} not graded because of a grader error: {', '.join(failed)}; run the same command again to retry them"
    )
    return 1
  return 0


if __name__ == "__main__":
  sys.exit(main())
