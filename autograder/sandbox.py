"""Run untrusted code (a student's MDP) in a child process with limits.

Where bubblewrap works, the child also runs in namespaces of its own and sees only what it
needs of the file system (autograder/isolation.py); elsewhere it has the uid sandbox below
alone, and the log says so. The child gets: its own process group (killed whole at the end, whatever it spawned), a
temporary working dir, wall-clock and CPU-time limits, an address-space limit, a process-count
limit, a file-size limit (a stdout flood goes to a file and is cut there), a minimal
environment, Python's isolated mode. When the grader runs as root the child runs as an
unprivileged user of its own (see SANDBOX_UID_BASE), and ``lock_down`` has made the hidden cases, the solutions, the
tests and the git history unreadable to it. Results come back as files in the job dir (numpy
arrays read with allow_pickle=False, JSON); the grader never unpickles anything from a child.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import grp
import os
import resource
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from autograder import isolation as isolation_mod

ROOT = Path(__file__).resolve().parents[1]
LOCKED = ("autograder", "solutions", "notebooks", "tests", "docs", ".git", ".ci")
"""Repository folders the sandboxed user must not read (as root only): hidden cases and
mutants, the reference MDP, the source notebook's solutions, and anything that quotes them."""
SANDBOX_UID_BASE = 100_000
UIDS_PER_GRADER = 40_000
"""As root, each child runs as a fresh uid above SANDBOX_UID_BASE (from the grader's pid and a
counter, never reused within a run: UIDS_PER_GRADER children at most): a user no file belongs
to, different for every child, so children can neither read the grader's files nor each
other's, a process left by one child cannot own a later one's, and killing "every process of
the user" reaches only this child's strays."""
SANDBOX_GROUP = "nogroup"


@dataclasses.dataclass(kw_only=True)
class Limits:
  """The resource limits of one sandboxed child."""

  wall_s: float = 120.0
  """Wall-clock seconds for the whole child (all TODOs it runs)."""
  per_task_s: float = 60.0
  """Term checks: one TODO (all its cases) running longer than this is stopped, scores zero."""
  cpu_s: int = 240
  """CPU seconds (RLIMIT_CPU): a busy loop ends here even if wall-clock is generous."""
  memory_bytes: int | None = 6 * 2**30
  """Address space (RLIMIT_AS). torch + MuJoCo need about 2 GiB of it. None: no limit (CUDA
  reserves far more address space than it uses, so GPU runs cannot have this limit)."""
  max_processes: int = 128
  """Processes and threads of the sandbox user (RLIMIT_NPROC): stops fork bombs. Kept low
  because every forked copy of a torch process dirties memory: 512 copies starved the next
  child of memory for its thread stacks on the 24 GiB CI machine."""
  file_bytes: int = 32 * 2**20
  """Largest file the child may write (RLIMIT_FSIZE); its stdout and stderr are files."""
  disk_bytes: int = 256 * 2**20
  """Most bytes the child may have on disk at once, all its files together: its job folder and,
  in the uid sandbox alone, what its uid owns in the shared temporary folders (with bwrap its
  /tmp and /dev/shm are size-limited tmpfs of their own). Watched every DISK_POLL_S; the child
  is stopped when over (disk_exceeded), so a flood of files under the per-file limit cannot fill
  the grader's disk."""
  output_tail_bytes: int = 4000
  """How much of the child's stdout/stderr a report quotes."""


@dataclasses.dataclass
class ChildResult:
  """How a sandboxed child ended: exit status, time, output tail and disk use."""

  returncode: int | None
  """None when it was killed for time."""
  timed_out: bool
  wall_s: float
  output: str
  """The tail of its stdout and stderr."""
  disk_exceeded: bool = False
  """Stopped for writing more than its Limits.disk_bytes."""
  disk_peak_bytes: int = 0
  """The most bytes of its files seen on disk (watched, and measured once more after it
  ended)."""

  def describe(self) -> str:
    """How the child ended, for a report: finished, a limit, a signal or its exit code."""
    if self.disk_exceeded:
      return (
        f"stopped after writing {self.disk_peak_bytes / 2**20:.0f} MiB of files (the disk limit)"
      )
    if self.timed_out:
      return f"stopped after {self.wall_s:.0f} s (time limit)"
    code = self.returncode
    if code is None or code == 0:
      return "finished"
    if code < 0:
      try:
        name = signal.Signals(-code).name
      except ValueError:  # a real-time signal has no name
        return f"ended by signal {-code}"
      why = {
        "SIGXCPU": "CPU time limit",
        "SIGXFSZ": "output size limit (a flood of prints?)",
        "SIGKILL": "killed (memory or time limit)",
        "SIGSEGV": "crashed (segmentation fault)",
      }.get(name, "killed")
      return f"ended by {name}: {why}"
    if "MemoryError" in self.output:
      return f"exit {code}: out of memory (the memory limit)"
    return f"exit {code}"


def running_as_root() -> bool:
  """Whether this process's effective uid is 0 (the grader then sandboxes children by uid)."""
  return os.geteuid() == 0


def lock_down(root: Path = ROOT) -> list[Path]:
  """As root: make the grader's secrets unreadable to others (chmod 700). Returns what changed."""
  changed = []
  if not running_as_root():
    return changed
  for name in LOCKED:
    path = root / name
    if path.exists() and stat.S_IMODE(path.stat().st_mode) != 0o700:
      path.chmod(0o700)
      changed.append(path)
  return changed


def open_interpreter_path() -> list[Path]:
  """As root: let other users reach the Python interpreter and its standard library.

  A venv's python is a link to a base interpreter that may sit under a private home (pyenv
  puts it in /root/.pyenv, /root being 0700). Each ancestor directory that others cannot
  traverse gets o+x (traverse only: others still cannot list it). Returns the changed dirs."""
  changed = []
  if not running_as_root():
    return changed
  for target in {Path(os.path.realpath(sys.executable)), Path(sys.base_prefix).resolve()}:
    for parent in [*reversed(target.parents)]:
      mode = stat.S_IMODE(parent.stat().st_mode)
      if not mode & stat.S_IXOTH:
        parent.chmod(mode | stat.S_IXOTH)
        changed.append(parent)
  return changed


_prepared = False


def prepare_host() -> None:
  """Once per grader process, as root: lock the secrets, open the interpreter's path, make
  the lock files private."""
  global _prepared
  if _prepared or not running_as_root():
    return
  for path in lock_down():
    print(f"[sandbox] chmod 700 {path} (unreadable to sandboxed code)")
  for path in open_interpreter_path():
    print(f"[sandbox] chmod o+x {path} (sandboxed code must reach the Python interpreter)")
  for path in isolation_mod.close_locks():
    print(f"[sandbox] chmod go-w {path} (sandboxed code must not hold the grader's locks)")
  _prepared = True


require_isolation = False
"""True (grade.py --require-isolation): a child never runs without bwrap's namespaces."""


class IsolationUnavailable(RuntimeError):
  """--require-isolation, and bwrap does not work here."""


def isolation(log=print) -> isolation_mod.Isolation:
  """This machine's isolation (probed once per process, as a sandbox uid when root)."""
  found = isolation_mod.detect(sandbox_user() if running_as_root() else None, log=log)
  if require_isolation and found.bwrap is None:
    raise IsolationUnavailable(f"--require-isolation: {found.line()}")
  return found


def _user_task_count(uid: int) -> int:
  count = 0
  for entry in Path("/proc").iterdir():
    if entry.name.isdigit():
      try:
        if entry.stat().st_uid == uid:
          count += len(list((entry / "task").iterdir()))
      except OSError:
        continue
  return count


def _is_zombie(entry: Path) -> bool:
  """The process has ended and waits to be reaped (its parent may be a slow init)."""
  return (entry / "stat").read_text().rpartition(")")[2].split()[0] == "Z"


def _kill_user(uid: int, deadline_s: float = 20.0, quiet_sweeps: int = 3) -> None:
  """SIGKILL every process of ``uid`` (children that escaped the process group with setsid, or
  a fork bomb), sweeping until ``quiet_sweeps`` sweeps in a row find none alive: a chain of
  processes that fork and exit at once can slip through a single sweep. Zombies do not count
  (ended, they hold nothing; bwrap's namespace init is one until the machine's init reaps it)."""
  stop = time.monotonic() + deadline_s
  quiet = 0
  while time.monotonic() < stop and quiet < quiet_sweeps:
    found = 0
    for entry in Path("/proc").iterdir():
      if entry.name.isdigit():
        try:
          if entry.stat().st_uid == uid and not _is_zombie(entry):
            os.kill(int(entry.name), signal.SIGKILL)
            found += 1
        except OSError:
          continue
    quiet = 0 if found else quiet + 1
    time.sleep(0.02)


try:  # Linux: prctl(PR_SET_PDEATHSIG), loaded here rather than in the forked child
  _LIBC = ctypes.CDLL(None, use_errno=True)
  _PR_SET_PDEATHSIG = 1
except OSError:
  _LIBC = None


def _preexec(
  limits: Limits, uid: int | None, gid: int | None, nproc: int, cpus: tuple[int, ...] | None
) -> None:
  os.setsid()  # own session and process group: killpg reaches everything it forks
  if cpus is not None:
    os.sched_setaffinity(0, cpus)
  resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_s, limits.cpu_s + 5))
  if limits.memory_bytes is not None:
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
  resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))
  resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
  if uid is not None and gid is not None:
    os.setgroups([])
    os.setgid(gid)
    os.setuid(uid)
  resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
  if _LIBC is not None:  # if the grader dies (killed, interrupted) its child dies with it; set
    _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)  # after setuid, which clears it


_uid_lock = threading.Lock()
_uid_counter = 0


def sandbox_user() -> tuple[int, int] | None:
  """(uid, gid) the child runs as when we are root, else None (our own user)."""
  if not running_as_root():
    return None
  try:
    gid = grp.getgrnam(SANDBOX_GROUP).gr_gid
  except KeyError:
    gid = 65534
  with _uid_lock:
    global _uid_counter
    _uid_counter += 1
    if _uid_counter >= UIDS_PER_GRADER:
      raise RuntimeError(f"more than {UIDS_PER_GRADER} sandboxed children in one grader run")
    base = SANDBOX_UID_BASE + (os.getpid() % 100_000) * UIDS_PER_GRADER
    return base + _uid_counter, gid


def is_own_sandbox_uid(uid: int) -> bool:
  """``uid`` is one that sandbox_user hands out in this process (it encodes our pid)."""
  own = (uid - SANDBOX_UID_BASE) // UIDS_PER_GRADER == os.getpid() % 100_000
  return uid >= SANDBOX_UID_BASE and own


def prepare_dir(path: Path, user: tuple[int, int] | None) -> None:
  """Give the job dir to the sandbox user (as root), private to it."""
  path.chmod(0o700)
  if user is None:
    return
  for dirpath, dirnames, filenames in os.walk(path):
    for name in [*dirnames, *filenames]:
      os.chown(os.path.join(dirpath, name), *user)
  os.chown(path, *user)


DISK_POLL_S = 0.05
"""How often a child's disk use is measured (at ~1 GB/s of writes: ~50 MB past the limit)."""


def _tree_bytes(path: str, budget: list[int]) -> int:
  """Bytes allocated on disk by the files under ``path`` (links not followed). ``budget``: a
  one-item list of directory entries still allowed to be visited (a flood of empty files costs
  the scan, not the grader: past the budget the tree counts as over any limit)."""
  total = 0
  try:
    entries = os.scandir(path)
  except OSError:
    return 0
  with entries:
    for entry in entries:
      budget[0] -= 1
      if budget[0] < 0:
        return 1 << 62
      try:
        info = entry.stat(follow_symlinks=False)
      except OSError:
        continue
      total += info.st_blocks * 512
      if stat.S_ISDIR(info.st_mode):
        total += _tree_bytes(entry.path, budget)
  return total


MAX_DISK_ENTRIES = 20_000
"""Files and folders a child may create before its disk use counts as over the limit."""


def disk_usage(job_dir: Path, uid: int | None, shared_tmp: bool) -> int:
  """Bytes of the child's files on disk: its job folder, and (``shared_tmp``: the uid sandbox
  alone) what ``uid`` owns at the top of the shared temporary folders."""
  budget = [MAX_DISK_ENTRIES]
  total = _tree_bytes(str(job_dir), budget)
  if shared_tmp and uid is not None:
    for root in isolation_mod.TMP_DIRS:
      try:
        entries = list(os.scandir(root))
      except OSError:
        continue
      for entry in entries:
        try:
          info = entry.stat(follow_symlinks=False)
        except OSError:
          continue
        if info.st_uid == uid:
          total += info.st_blocks * 512
          if stat.S_ISDIR(info.st_mode):
            total += _tree_bytes(entry.path, budget)
  return total


def _tail(file, size: int) -> str:
  """The last ``size`` bytes of an open file, as text."""
  end = file.seek(0, os.SEEK_END)
  file.seek(max(0, end - size))
  return file.read().decode("utf-8", "replace")


def read_child_file(job_dir: Path, *parts: str, max_bytes: int) -> bytes:
  """A regular file the sandboxed child wrote at job_dir/parts..., read without following links.

  The child owns job_dir: a link there (to the solutions, a hidden case) would otherwise be
  followed by the grader, who may read everything. Every path component is opened with
  O_NOFOLLOW relative to the one before, so swapping a folder for a link does not help either.
  Raises OSError (missing, a link) or ValueError (not a regular file, larger than max_bytes)."""
  flags = os.O_RDONLY | os.O_NOFOLLOW
  fds = [os.open(job_dir, flags | os.O_DIRECTORY)]
  try:
    for name in parts[:-1]:
      fds.append(os.open(name, flags | os.O_DIRECTORY, dir_fd=fds[-1]))
    fds.append(os.open(parts[-1], flags | os.O_NONBLOCK, dir_fd=fds[-1]))
    info = os.fstat(fds[-1])
    if not stat.S_ISREG(info.st_mode) or info.st_size > max_bytes:
      raise ValueError(f"{'/'.join(parts)} is not a regular file under {max_bytes} bytes")
    with os.fdopen(os.dup(fds[-1]), "rb") as f:
      return f.read(max_bytes + 1)[:max_bytes]
  finally:
    for fd in fds:
      os.close(fd)


def run_in_sandbox(
  args: list[str],
  job_dir: Path,
  limits: Limits,
  poll: callable = None,
  extra_env: dict[str, str] | None = None,
  cpus: tuple[int, ...] | None = None,
) -> ChildResult:
  """Run ``python -I <args>`` in job_dir under the limits; the whole group is killed at the end.

  ``poll()``, called every 0.1 s, may return True to stop the child early (a per-TODO deadline).
  ``cpus``: the cores the child may run on (None: every core the grader may use)."""
  prepare_host()
  isolated = isolation()
  user = sandbox_user()
  uid, gid = user if user else (None, None)
  nproc = limits.max_processes + (0 if user else _user_task_count(os.getuid()))
  argv = [sys.executable, "-I", *args]
  if isolated.bwrap is not None:
    argv = isolation_mod.bwrap_command(isolated.bwrap, argv, job_dir)
    nproc += 2  # bwrap's own two processes (the monitor and the namespace's init)
  home = job_dir / "home"
  home.mkdir(exist_ok=True)
  prepare_dir(job_dir, user)
  env = {
    "PATH": "/usr/bin:/bin",
    "HOME": str(home),
    "TMPDIR": str(home),
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "PYTHONHASHSEED": "0",
    "PYTHONDONTWRITEBYTECODE": "1",
    "MUJOCO_GL": "disable",
    **(extra_env or {}),
  }
  start = time.monotonic()
  # stdout and stderr go to anonymous files the grader holds open: nothing in the child's job
  # dir, where it could swap them for links to files only the grader may read.
  with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
    proc = subprocess.Popen(
      argv,
      cwd=job_dir,
      env=env,
      stdin=subprocess.DEVNULL,
      stdout=out,
      stderr=err,
      preexec_fn=lambda: _preexec(limits, uid, gid, nproc, cpus),  # noqa: PLW1509  (limits must be set in the child)
    )
    timed_out = disk_exceeded = False
    shared_tmp = isolated.bwrap is None
    peak = 0
    next_poll = 0.0
    try:
      while proc.poll() is None:
        now = time.monotonic()
        peak = max(peak, disk_usage(job_dir, uid, shared_tmp))
        if peak > limits.disk_bytes:
          disk_exceeded = True
          break
        if now >= next_poll:  # the caller's poll and the wall clock: every 0.1 s
          next_poll = now + 0.1
          if now - start > limits.wall_s or (poll is not None and poll()):
            timed_out = True
            break
        time.sleep(DISK_POLL_S)
    finally:
      with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
      proc.wait()
    peak = max(peak, disk_usage(job_dir, uid, shared_tmp))
    if user is not None:  # stray processes that left the group: kill every task of the user
      _kill_user(uid)
      if isolated.bwrap is None:  # its private /tmp and /dev/shm went with its namespace
        isolation_mod.remove_user_files(uid, keep=job_dir)
    half = limits.output_tail_bytes // 2
    output = _tail(out, half) + _tail(err, half)
  return ChildResult(
    returncode=None if timed_out or disk_exceeded else proc.returncode,
    timed_out=timed_out,
    wall_s=time.monotonic() - start,
    output=output,
    disk_exceeded=disk_exceeded or peak > limits.disk_bytes,
    disk_peak_bytes=peak,
  )
