"""Kernel isolation for the sandbox's children: bubblewrap (``bwrap``) namespaces and binds.

Each child runs in its own user, mount, PID, IPC, network, UTS (and cgroup) namespace. Its file
system is an empty tmpfs with only these bound into it (see ``bwrap_command``):

- the system's /usr (and the /bin, /lib... links or folders next to it), a few files of /etc,
  /sys: read-only;
- the Python interpreter (sys.base_prefix) and the grader's venv (sys.prefix): read-only;
- the trotlab package (student/trotlab, what the child entry points import): read-only. Not the
  rest of the checkout: solutions/, autograder/ (hidden cases), notebooks/, tests/ are absent;
- its own job folder: read-write (the submission, its inputs, its outputs);
- a private /tmp and /dev/shm (tmpfs, gone with the child), a minimal /dev (null, zero,
  urandom..., plus /dev/nvidia* for GPU training), /proc of its own PID namespace.

The sandbox drops to the child's uid before it execs bwrap, so bwrap makes an unprivileged user
namespace mapping that uid to itself: the kernel's file permissions, RLIMIT_NPROC and the
grader's kill sweep see the same uid as without bwrap. --die-with-parent and the PID namespace
end everything the child started when it ends: the namespace's init dying kills the rest.

Where bwrap is missing or namespaces are refused, the sandbox falls back to the uid sandbox
alone (autograder/sandbox.py) and says so once; ``grade.py --require-isolation`` refuses that.
"""

from __future__ import annotations

import contextlib
import dataclasses
import glob
import importlib.util
import os
import shutil
import stat
import subprocess
import sys
import threading
from pathlib import Path

ETC = (
  "ld.so.cache",
  "ld.so.conf",
  "ld.so.conf.d",
  "nsswitch.conf",
  "passwd",
  "group",
  "localtime",
  "alternatives",
  "ssl",
  "ca-certificates",
  "fonts",
  "mime.types",
)
"""The /etc entries a child may read (the dynamic linker, user names, time zone, certificates,
fonts for matplotlib); not the rest of /etc."""
TMP_DIRS = ("/tmp", "/dev/shm", "/var/tmp")
"""Shared writable folders the uid sandbox alone leaves to the child: cleaned after it."""
TMPFS_BYTES = 512 * 2**20
"""Size of the child's private /tmp and of its /dev/shm (memory: a tmpfs lives in RAM)."""


@dataclasses.dataclass(frozen=True)
class Isolation:
  bwrap: str | None
  """bwrap's path, or None: the uid sandbox only."""
  why: str = ""
  """Why bwrap is not used."""

  def line(self) -> str:
    if self.bwrap:
      return "isolation: bwrap namespaces (user, mount, PID, IPC, network) and the uid sandbox"
    return f"isolation: uid sandbox only (bwrap unavailable: {self.why})"


def package_dir() -> Path:
  """The trotlab package's folder (the framework the children import)."""
  spec = importlib.util.find_spec("trotlab")
  if spec is None or not spec.submodule_search_locations:
    raise RuntimeError("the trotlab package is not importable")
  return Path(next(iter(spec.submodule_search_locations))).resolve()


def _system_binds() -> list[str]:
  args = ["--ro-bind", "/usr", "/usr"]
  for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
    path = Path("/") / name
    if path.is_symlink():
      args += ["--symlink", os.readlink(path), str(path)]
    elif path.is_dir():
      args += ["--ro-bind", str(path), str(path)]
  for name in ETC:
    args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
  args += ["--ro-bind-try", "/sys", "/sys"]
  return args


def _python_dirs() -> list[Path]:
  """The interpreter's installation, the venv, and the trotlab package."""
  dirs = [
    Path(sys.base_prefix).resolve(),
    Path(os.path.realpath(sys.executable)).parents[1],
    Path(sys.prefix).absolute(),
  ]
  with_package = [*dirs, package_dir()]
  return list(dict.fromkeys(with_package))


def bwrap_command(bwrap: str, argv: list[str], job_dir: Path | None) -> list[str]:
  """The bwrap command line that runs ``argv`` isolated, with ``job_dir`` read-write (None: no
  job folder, the start-up probe)."""
  cmd = [
    bwrap,
    "--unshare-user",
    "--unshare-pid",
    "--unshare-ipc",
    "--unshare-net",
    "--unshare-uts",
    "--unshare-cgroup-try",
    "--die-with-parent",
    "--hostname",
    "sandbox",
    *_system_binds(),
  ]
  cmd += ["--proc", "/proc", "--dev", "/dev"]
  for device in sorted(glob.glob("/dev/nvidia*")):  # GPU training: the driver's device nodes
    cmd += ["--dev-bind", device, device]
  for tmp in ("/tmp", "/dev/shm"):
    cmd += ["--perms", "1777", "--size", str(TMPFS_BYTES), "--tmpfs", tmp]
  # bwrap mounts in argument order: the private /tmp first, so that a checkout (and its venv)
  # under /tmp, as in CI's fresh clone, is bound on top of it rather than hidden by it.
  for path in _python_dirs():
    cmd += ["--ro-bind", str(path), str(path)]
  if job_dir is not None:
    job = str(Path(job_dir).absolute())
    cmd += ["--bind", job, job, "--chdir", job]
  return [*cmd, "--", *argv]


def close_locks() -> list[Path]:
  """As root: make uv's lock files, and anything group/world-writable in the venv, private.

  flock(2) needs only a descriptor, so a lock file others may even *read* lets a child lock it
  (uv's ``.venv/.lock`` is 0666): ``uv run`` then hangs while the child lives. These become
  0600 (files) or lose group/other write (folders). Returns what changed."""
  changed = []
  if os.geteuid() != 0:
    return changed
  venv = Path(sys.prefix)
  cache = Path(os.environ.get("UV_CACHE_DIR") or Path.home() / ".cache" / "uv")
  for lock in (venv / ".lock", cache / ".lock"):
    if lock.is_file() and not lock.is_symlink() and stat.S_IMODE(lock.stat().st_mode) & 0o077:
      lock.chmod(0o600)
      changed.append(lock)
  if venv != Path(sys.base_prefix):
    for dirpath, dirnames, filenames in os.walk(venv):
      for name in [*dirnames, *filenames]:
        path = os.path.join(dirpath, name)
        mode = os.lstat(path).st_mode
        if mode & 0o022 and not stat.S_ISLNK(mode):
          os.chmod(path, stat.S_IMODE(mode) & ~0o022)
          changed.append(Path(path))
  return changed


def remove_user_files(uid: int, keep: Path, roots: tuple[str, ...] = TMP_DIRS) -> list[Path]:
  """Remove what ``uid`` left in the shared writable folders (not ``keep``, its job folder).

  Only folders others may write into can hold its files, so only those are searched."""
  removed = []
  keep = Path(keep).absolute()
  for root in roots:
    for dirpath, dirnames, filenames in os.walk(root):
      searched = []
      for name in [*dirnames, *filenames]:
        path = Path(dirpath, name)
        try:
          info = path.lstat()
        except OSError:
          continue
        if path == keep or keep in path.parents:
          continue
        if info.st_uid == uid:
          if stat.S_ISDIR(info.st_mode):
            shutil.rmtree(path, ignore_errors=True)
          else:
            with contextlib.suppress(OSError):
              path.unlink()
          removed.append(path)
        elif stat.S_ISDIR(info.st_mode) and info.st_mode & stat.S_IWOTH:
          searched.append(name)
      dirnames[:] = searched
  return removed


_lock = threading.Lock()
_detected: Isolation | None = None


def _drop_to(user: tuple[int, int] | None):
  def preexec() -> None:
    if user is not None:
      os.setgroups([])
      os.setgid(user[1])
      os.setuid(user[0])

  return preexec


def probe(user: tuple[int, int] | None) -> Isolation:
  """Whether bwrap runs here, as ``user`` (the sandbox's uid when we are root, like a child)."""
  bwrap = shutil.which("bwrap")
  if bwrap is None:
    return Isolation(None, "no bwrap on PATH; install bubblewrap")
  cmd = bwrap_command(bwrap, [sys.executable, "-I", "-c", "pass"], None)
  try:
    done = subprocess.run(
      cmd,
      stdin=subprocess.DEVNULL,
      capture_output=True,
      timeout=60,
      preexec_fn=_drop_to(user),  # noqa: PLW1509  (as the children will run it)
      check=False,
    )
  except (OSError, subprocess.SubprocessError) as err:
    return Isolation(None, f"{bwrap} did not run: {err}")
  if done.returncode != 0:
    said = done.stderr.decode("utf-8", "replace").strip().splitlines()
    return Isolation(None, f"{bwrap} failed (exit {done.returncode}): {' '.join(said)[:300]}")
  return Isolation(bwrap)


def detect(user: tuple[int, int] | None, log=print) -> Isolation:
  """``probe`` once per grader process (cached); the result is logged once."""
  global _detected
  with _lock:
    if _detected is None:
      _detected = probe(user)
      log(f"[sandbox] {_detected.line()}")
    return _detected


def forget() -> None:
  """Probe again at the next ``detect`` (tests)."""
  global _detected
  with _lock:
    _detected = None


def main() -> None:
  """Measure a child's start-up cost with bwrap and without (docs/grading.md, "Isolation")."""
  import statistics
  import tempfile
  import time

  from autograder import isolation, sandbox  # the module sandbox uses, not this __main__

  runs = 7
  found = sandbox.isolation()
  modes = [("uid sandbox only", Isolation(None, "measuring"))]
  if found.bwrap:
    modes.append(("bwrap + uid sandbox", found))
  for name, mode in modes:
    isolation._detected = mode
    times = []
    for _ in range(runs):
      with tempfile.TemporaryDirectory(prefix="trotlab-bench-") as tmp:
        Path(tmp).chmod(0o711)
        job = Path(tmp) / "job"
        job.mkdir()
        start = time.monotonic()
        result = sandbox.run_in_sandbox(["-c", "pass"], job, sandbox.Limits(wall_s=60))
        times.append(time.monotonic() - start)
        if result.returncode != 0:
          raise SystemExit(f"{name}: the child failed: {result.describe()} {result.output}")
    print(f"{name}: median {statistics.median(times) * 1000:.0f} ms per child ({runs} starts)")


if __name__ == "__main__":
  main()
