"""What the CLIs share: the task's configs, the MDP source, run folders. (The device and the
backend are chosen in trotlab.sim.choice.)"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trotlab.tasks import get_task, list_tasks

if TYPE_CHECKING:
  from trotlab.tasks.velocity.mdp import Mdp


HELP_ALL = "--help-all"
HELP_FLAGS = ("-h", "--help", HELP_ALL)


def wants_help(argv: list[str]) -> bool:
  """Whether the command line asks for help (short or whole): nothing else should run then."""
  return any(arg in HELP_FLAGS for arg in argv)


def split_task_argv(argv: list[str], prog: str) -> tuple[str, list[str]]:
  """The task id is the first positional argument; the rest goes to tyro."""
  if not argv or argv[0].startswith("-"):
    if wants_help(argv):
      print(
        f"usage: {prog} TASK [options]\n\nTasks: {', '.join(list_tasks())}\n"
        f"Run `uv run {prog} TASK --help` for the options of a task."
      )
      raise SystemExit(0)
    raise SystemExit(f"usage: {prog} TASK [options]; tasks: {', '.join(list_tasks())}")
  task = argv[0]
  try:
    get_task(task)
  except KeyError as err:
    raise SystemExit(str(err.args[0])) from None
  return task, argv[1:]


GROUP_TITLE = re.compile(r"^ ?(?:(\S+) )?options\s*$")
"""The title line of a group of options in tyro's help as printed to a file: " env.scene options"
(no name: the script's own), then a line of dashes, then the options ("  --name ...")."""


HELP_WIDTH = 110
"""The narrowest width --help is printed at (the docstrings' lines are at most 100 wide)."""


def cli(cls: type, argv: list[str], prog: str, **kwargs: Any) -> Any:
  """``tyro.cli(cls, args=argv, prog=prog, ...)`` with a short ``--help`` (tyro's help as
  printed to a file, cut by ``short_help``): the script's own options and one line per config
  group, where the task's env and agent configs hold over a thousand lines of options.
  ``--help-all`` prints tyro's whole help; a parse error comes without tyro's list of every
  subcommand (``without_subcommand_list``)."""
  import tyro

  config = (tyro.conf.FlagConversionOff,)
  if wants_help(argv) or HELP_ALL in argv:
    # tyro wraps at the terminal's width on top of the docstrings' own line breaks: below the
    # width of those lines (100), sentences break in the middle.
    width = int(os.environ.get("COLUMNS") or shutil.get_terminal_size().columns)
    os.environ["COLUMNS"] = str(max(width, HELP_WIDTH))
  if HELP_ALL in argv:
    return tyro.cli(cls, args=["--help"], prog=prog, config=config, **kwargs)
  if not wants_help(argv):
    errors = io.StringIO()
    try:
      with contextlib.redirect_stderr(errors):
        return tyro.cli(cls, args=argv, prog=prog, config=config, **kwargs)
    finally:
      print(without_subcommand_list(errors.getvalue()), file=sys.stderr, end="")
  full = io.StringIO()
  with contextlib.redirect_stdout(full), contextlib.suppress(SystemExit):
    tyro.cli(cls, args=["--help"], prog=prog, config=config, **kwargs)
  print(short_help(full.getvalue(), prog))
  raise SystemExit(0)


def without_subcommand_list(text: str) -> str:
  """tyro's error ``text`` without its list of "Available subcommands" (every noise option of
  every observation term: 50 lines before the "Perhaps you meant" that matters)."""
  kept, skipping = [], False
  for line in text.splitlines(keepends=True):
    if "Available subcommands:" in line:
      skipping = True
    elif skipping and "───" in line:
      skipping = False
      continue
    if not skipping:
      kept.append(line)
  return "".join(kept)


def short_help(text: str, prog: str) -> str:
  """tyro's help ``text`` (printed to a file: plain text) cut down: the script's own options as
  they are, then each config group two levels deep (``env.rewards``, ``agent.algorithm``, ...) with its count of options."""
  top: list[str] = []
  counts: dict[str, int] = {}
  group = None
  for line in text.splitlines():
    title = GROUP_TITLE.match(line)
    if title:
      group = ".".join((title[1] or "").split(".")[:2])
      counts.setdefault(group, 0)
    if group == "":
      top.append(line.rstrip())
    elif group is not None and re.match(r"^  -", line):
      counts[group] += 1
  groups = [f"  {name:<28} {n:4d} options" for name, n in counts.items() if name and n]
  lines = [f"usage: {prog} [OPTIONS]", "", *top]
  if groups:  # a script with config groups (train's env and agent)
    lines += [
      "",
      "Config options, each set as --GROUP.FIELD VALUE (e.g. --agent.max-iterations 50):",
      *groups,
      f"`{prog} {HELP_ALL}` lists every one of them.",
    ]
  return "\n".join(lines)


def peek_option(argv: list[str], name: str, default: str) -> str:
  """Read ``--name value`` (or ``--name=value``) before tyro parses, to choose defaults."""
  for i, arg in enumerate(argv):
    if arg == f"--{name}" and i + 1 < len(argv):
      return argv[i + 1]
    if arg.startswith(f"--{name}="):
      return arg.split("=", 1)[1]
  return default


TRIAL_RUN_ITERATIONS = 10
"""A run that trained fewer iterations than this is a trial (a smoke test of the code, say): a
lookup of "the newest run" passes over it when a longer run matches too."""


def trained_iterations(run: Path) -> int:
  """About how many iterations ``run`` trained: from its first checkpoint to its last (rsl-rl
  saves one after the first iteration of a run and one at its end); 0 without checkpoints."""
  iterations = [checkpoint_iteration(p) for p in run.glob("model_*.pt")]
  return max(iterations) - min(iterations) + 1 if iterations else 0


def find_checkpoint(log_root: Path, run_regex: str, checkpoint_regex: str) -> Path:
  """The newest run folder matching ``run_regex`` that is not a trial run (fewer than
  TRIAL_RUN_ITERATIONS iterations; the newest trial run when every match is one), and its
  highest-iteration checkpoint matching ``checkpoint_regex``. Says which newer trial runs it
  passed over."""
  if not log_root.is_dir():
    raise FileNotFoundError(f"No runs under {log_root} to resume from.")
  runs = sorted(p for p in log_root.iterdir() if p.is_dir() and re.fullmatch(run_regex, p.name))
  if not runs:
    raise FileNotFoundError(f"No run in {log_root} matches {run_regex!r}.")
  full = [run for run in runs if trained_iterations(run) >= TRIAL_RUN_ITERATIONS]
  run = (full or runs)[-1]
  skipped = [r.name for r in runs if r.name > run.name]
  if skipped:
    print(
      f"[trotlab] passing over newer trial runs (under {TRIAL_RUN_ITERATIONS} iterations): "
      f"{', '.join(skipped)}; name one with --agent.load-run to use it"
    )
  checkpoints = [p for p in run.iterdir() if re.fullmatch(checkpoint_regex, p.name)]
  if not checkpoints:
    raise FileNotFoundError(f"No checkpoint in {run} matches {checkpoint_regex!r}.")
  return max(checkpoints, key=checkpoint_iteration)


DEFAULT_LOG_ROOT = Path("logs") / "rsl_rl"
"""Where ``train`` writes its runs by default (``--log-root``)."""


def checkpoint_iteration(path: Path) -> int:
  """The iteration in a checkpoint's name (model_150.pt: 150); -1 when it holds none."""
  digits = re.findall(r"\d+", path.stem)
  return int(digits[-1]) if digits else -1


def describe_runs(log_root: Path) -> str:
  """The runs under ``log_root`` (``<experiment>/<run>``, newest first) with their first and last
  checkpoints, on one line, e.g. "go1_velocity/2026-12-07_10-00-00 (model_100.pt..model_150.pt)";
  what to say when there are none."""
  runs = sorted(
    log_root.glob("*/*/model_*.pt"), key=lambda p: (p.parent.name, checkpoint_iteration(p))
  )
  by_run: dict[Path, list[Path]] = {}
  for path in runs:
    by_run.setdefault(path.parent, []).append(path)
  if not by_run:
    return f"there is no trained run under {log_root} yet (uv run train TASK makes one)"
  parts = []
  for run, checkpoints in sorted(by_run.items(), key=lambda item: item[0].name, reverse=True):
    first, last = checkpoints[0].name, checkpoints[-1].name
    span = first if first == last else f"{first}..{last}"
    parts.append(f"{run.relative_to(log_root)} ({span})")
  return f"runs under {log_root}, newest first: " + "; ".join(parts)


def require_checkpoint(path: Path | None, log_root: Path = DEFAULT_LOG_ROOT) -> None:
  """Exit with one line when ``path`` is not a checkpoint file, naming the runs and checkpoints
  that do exist (before any env is built): those under ``log_root``, or under the log root of
  ``path``'s run folder when that folder holds checkpoints. None passes (nothing to load)."""
  if path is None or path.is_file():
    return
  what = "is a folder, not a checkpoint file" if path.is_dir() else "does not exist"
  if any(path.parent.glob("model_*.pt")):  # a run folder of some log root: list that root
    log_root = path.parent.parent.parent
  raise SystemExit(f"error: --checkpoint-file {path} {what}; {describe_runs(log_root)}")


def select_mdp(argv: list[str], default: str = "student") -> Mdp:
  """The MDP that ``--mdp`` (student | solutions | PATH) names in ``argv``, loaded; exit with a
  one-line error when it cannot be found. Pass it to the task's ``env_cfg(..., mdp=...)``."""
  from trotlab.tasks.velocity.mdp import load_mdp

  choice = peek_option(argv, "mdp", default)
  try:
    return load_mdp(choice)
  except FileNotFoundError as err:
    raise SystemExit(f"error: {err}") from None


def exit_on_todos(mdp: Mdp, task: str = "Mjlab-Velocity-Flat-Unitree-Go1") -> None:
  """List every unimplemented TODO of ``mdp``'s files that ``task`` runs and exit 1, before
  anything runs."""
  from trotlab.grading.todos import assignment_of, task_files
  from trotlab.tasks.velocity.mdp import solutions_dir
  from trotlab.utils.todo import scan_todos

  files = [mdp.folder / f"{name}.py" for name in task_files(task)]
  todos = scan_todos([file for file in files if file.is_file()])
  if not todos:
    return
  ids = sorted({t.todo_id for t in todos}, key=lambda i: (i[0], int(i[1:])))
  lines = [
    f"error: {len(ids)} TODOs ({len(todos)} stubs) are not implemented yet in {mdp.folder}:",
    *(f"  {t.describe()}" for t in todos),
  ]
  checks = sorted({assignment_of(t.todo_id).check_command for t in todos})
  advice = f"Implement them ({' and '.join(checks)} shows which pass)"
  # The reference exists only in the instructor's repository: a student's kit has no solutions
  # package, and pointing there would only lead to a second error.
  reference = solutions_dir()
  if reference is not None and mdp.folder != reference:
    advice += ", or train the reference with --mdp solutions"
  lines.append(advice + ".")
  print("\n".join(lines), file=sys.stderr)
  raise SystemExit(1)


def friendly_errors(main):
  """Run a CLI main; an unimplemented TODO or a bad term becomes a one-paragraph error, exit 1."""
  import functools

  @functools.wraps(main)
  def wrapper(*args, **kwargs):
    from trotlab.managers.manager_base import TermConfigError
    from trotlab.utils.todo import TodoNotImplemented

    try:
      return main(*args, **kwargs)
    except (TodoNotImplemented, TermConfigError) as err:
      print(f"error: {err}", file=sys.stderr)
      raise SystemExit(1) from None

  return wrapper


def main_argv() -> list[str]:
  return sys.argv[1:]
