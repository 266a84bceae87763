"""rsl-rl-lib's runners (PPO's OnPolicyRunner, DistillationRunner) with a console a student can
read.

Out of the box, rsl-rl prints a block of about 45 lines per training iteration, the actor and
critic networks whenever a runner is built (also to load a checkpoint for play or evaluate), and
stores a git diff of the repositories it knows in ``<run>/git/`` (printing "Could not find git
repository ... Skipping" where rsl_rl is pip-installed, and leaving an empty folder). ``Runner``
prints one progress line per iteration instead, builds the networks quietly and stores no code
state. ``verbose=True`` brings rsl-rl's block and the network printout back. TensorBoard gets
exactly what rsl-rl writes, either way.
"""

from __future__ import annotations

import contextlib
import io
import statistics
import sys
import time
from collections.abc import Iterator

import torch
from rsl_rl.env import VecEnv
from rsl_rl.runners import DistillationRunner, OnPolicyRunner
from rsl_rl.utils.logger import Logger

from trotlab.rl.distributed import World, init_cpu_group
from trotlab.rl.tracking_meter import TrackingErrorMeter
from trotlab.utils.progress import hms


@contextlib.contextmanager
def quiet_stdout(enabled: bool = True) -> Iterator[None]:
  """Hold back what the block prints to stdout. If the block raises, the held-back text is
  printed after all (it may explain the error) and the exception propagates; stderr (warnings,
  tracebacks) is never touched."""
  if not enabled:
    yield
    return
  held = io.StringIO()
  try:
    with contextlib.redirect_stdout(held):
      yield
  except BaseException:
    sys.stdout.write(held.getvalue())
    raise


def progress_line(
  iteration: int,
  total: int,
  elapsed_s: float,
  eta_s: float,
  reward: float | None,
  episode_length: float | None,
  error_xy: float | None,
  error_yaw: float | None,
  terrain_level: float | None = None,
) -> str:
  """One iteration's summary. ``iteration``: rsl-rl's number of the iteration, the number of the
  checkpoint it saves (model_<iteration>.pt); ``total``: the run's last one; ``error_xy`` [m/s] and ``error_yaw``
  [rad/s]: the iteration's mean per-step tracking errors (``TrackingErrorMeter``); None prints as
  "--" (no meter). ``terrain_level``: the mean terrain level of a
  task with the terrain-level curriculum (left out when None)."""

  def num(value: float | None, fmt: str) -> str:
    return "--" if value is None else format(value, fmt)

  return (
    f"[train] it {iteration}/{total}  {hms(elapsed_s)} elapsed, ETA {hms(eta_s)} | "
    f"reward {num(reward, '.2f')} | ep len {num(episode_length, '.0f')} steps | "
    f"tracking err v_xy {num(error_xy, '.3f')} m/s, wz {num(error_yaw, '.3f')} rad/s"
    + ("" if terrain_level is None else f" | terrain level {terrain_level:.2f}")
  )


class ProgressLogger(Logger):
  """rsl-rl's Logger that prints ``progress_line`` per iteration (rsl-rl's block when verbose)
  and stores no git state. TensorBoard gets rsl-rl's scalars (the command's own episode metrics
  among them, under Metrics/<command>/) and the meter's per-step errors under
  Train/tracking_error_xy [m/s] and Train/tracking_error_yaw [rad/s]."""

  TERRAIN_LEVEL_KEY = "Curriculum/terrain_levels"
  """The rough task's terrain-level curriculum logs the mean level there."""

  def __init__(
    self,
    *args,
    verbose: bool = False,
    tracking_meter: TrackingErrorMeter | None = None,
    **kwargs,
  ) -> None:
    super().__init__(*args, **kwargs)
    self.verbose = verbose
    self.tracking_meter = tracking_meter
    self.git_status_repos = []
    self._start = time.monotonic()
    self.iterations_logged = 0
    """Iterations finished (updated and logged) in this process."""

  def init_logging_writer(self) -> None:
    # learn() calls this right before its first iteration: the clock of elapsed and ETA.
    self._start = time.monotonic()
    super().init_logging_writer()

  def _store_code_state(self) -> list[str]:
    # rsl-rl would write <run>/git/<repo>.diff for rsl_rl's own folder, which is no repository
    # in a pip install (a "Could not find git repository" line and an empty git/ folder per run).
    # A student's run is described by its params/ folder and the MDP files, not by a diff.
    return []

  def _extras_mean(self, suffix: str) -> float | None:
    """Mean over this iteration's episode extras of the keys ending in ``suffix`` (values are
    floats or tensors of any shape, as in rsl-rl's own averaging); None when none was logged."""
    values = [
      torch.as_tensor(info[key], dtype=torch.float32).flatten().cpu()
      for info in self.ep_extras
      for key in info
      if key.endswith(suffix)
    ]
    return torch.cat(values).mean().item() if values else None

  def log(self, it: int, start_it: int, total_it: int, *args, **kwargs) -> None:
    self.iterations_logged += 1
    meter = self.tracking_meter
    error_xy, error_yaw = meter.take() if meter is not None else (None, None)
    if self.writer is not None:
      for name, value in (("xy", error_xy), ("yaw", error_yaw)):
        if value is not None:
          self.writer.add_scalar(f"Train/tracking_error_{name}", value, it)
    if self.verbose:
      super().log(it, start_it, total_it, *args, **kwargs)
      return
    # rsl-rl's log() clears the episode extras: read the terrain level first.
    terrain_level = self._extras_mean(self.TERRAIN_LEVEL_KEY)
    with contextlib.redirect_stdout(io.StringIO()):  # its block only; it writes TensorBoard too
      super().log(it, start_it, total_it, *args, **kwargs)
    if self.writer is None:  # no log folder (or not rank 0): rsl-rl logs nothing either
      return
    done = it + 1 - start_it
    elapsed = time.monotonic() - self._start
    line = progress_line(
      iteration=it,
      total=total_it - 1,
      elapsed_s=elapsed,
      eta_s=elapsed / done * (total_it - it - 1),
      reward=statistics.mean(self.rewbuffer) if self.rewbuffer else None,
      episode_length=statistics.mean(self.lenbuffer) if self.lenbuffer else None,
      error_xy=error_xy,
      error_yaw=error_yaw,
      terrain_level=terrain_level,
    )
    print(line, flush=True)


class _ReadableConsole:
  """Mixin for rsl-rl's runners: ``ProgressLogger``; the networks are printed only when
  verbose."""

  def __init__(
    self,
    env: VecEnv,
    train_cfg: dict,
    log_dir: str | None = None,
    device: str = "cpu",
    verbose: bool = False,
    tracking_meter: TrackingErrorMeter | None = None,
  ) -> None:
    # rsl-rl prints "Resolved observation sets" and the networks while it builds the algorithm.
    with quiet_stdout(enabled=not verbose):
      super().__init__(env, train_cfg, log_dir=log_dir, device=device)  # type: ignore[call-arg]
    # The base class has built its own Logger by now; it only holds empty buffers, so it is
    # replaced rather than reached into.
    self.logger = ProgressLogger(
      log_dir=log_dir,
      cfg=self.cfg,
      env_cfg=self.env.cfg,
      num_envs=self.env.num_envs,
      is_distributed=self.is_distributed,
      gpu_world_size=self.gpu_world_size,
      gpu_global_rank=self.gpu_global_rank,
      device=self.device,
      verbose=verbose,
      tracking_meter=tracking_meter,
    )

  def _configure_multi_gpu(self) -> None:
    # rsl-rl sets up NCCL on cuda:<local rank>; processes of a CPU run join a gloo group instead
    # (trotlab.rl.distributed), and rsl-rl's multi-GPU path then works unchanged.
    world = World.current()
    if world.size > 1 and not str(self.device).startswith("cuda"):
      self.gpu_world_size, self.is_distributed = world.size, True
      self.gpu_local_rank, self.gpu_global_rank = world.local_rank, world.rank
      self.cfg["multi_gpu"] = init_cpu_group(world)
      return
    super()._configure_multi_gpu()  # type: ignore[misc]


class Runner(_ReadableConsole, OnPolicyRunner):
  """rsl-rl's OnPolicyRunner (PPO) with a readable console."""


class StudentRunner(_ReadableConsole, DistillationRunner):
  """rsl-rl's DistillationRunner (a student learns from a loaded teacher) with a readable
  console."""


def make_runner(
  env: VecEnv,
  train_cfg: dict,
  log_dir: str | None = None,
  device: str = "cpu",
  verbose: bool = False,
  tracking_meter: TrackingErrorMeter | None = None,
) -> Runner | StudentRunner:
  """The runner for ``train_cfg`` (``RslRlRunnerCfg.to_rsl_rl()``'s dict): StudentRunner when
  its algorithm is Distillation, else Runner. ``tracking_meter``: a step hook of ``env`` whose
  errors the progress line prints."""
  distill = train_cfg["algorithm"]["class_name"] == "Distillation"
  runner_class = StudentRunner if distill else Runner
  return runner_class(
    env,
    train_cfg,
    log_dir=log_dir,
    device=device,
    verbose=verbose,
    tracking_meter=tracking_meter,
  )


def resume_clock(env, checkpoint: str, num_steps_per_env: int) -> int:
  """Set the clock of ``env``'s curricula (a ManagerBasedRlEnv's ``common_step_counter``) to
  where the run of ``checkpoint`` (a runner's model_<it>.pt) left it: its iteration x
  ``num_steps_per_env`` env steps, so that command ranges and reward weights are those the
  checkpoint was trained up to. Call it before the env is wrapped for rsl-rl: the wrapper's reset
  then samples the first commands from that stage. Returns the step."""
  saved = torch.load(checkpoint, map_location="cpu", weights_only=False)
  env.common_step_counter = int(saved["iter"]) * num_steps_per_env
  return env.common_step_counter
