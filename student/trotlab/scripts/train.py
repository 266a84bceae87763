"""uv run train TASK [--num-envs N] [--agent.max-iterations N] [--device auto|cpu|cuda:N]
                     [--sim-backend auto|cpu|warp] [--mdp student|solutions|PATH] [--seed N]
                     [--from-scratch True]
                     [--verbose-log True] [--enable-nan-guard True]
                     [--video True --video-length N --video-interval N]
                     [--agent.logger tensorboard|wandb|neptune]
                     [--agent.actor.class-name RNNModel --agent.critic.class-name RNNModel]
                     [--agent.algorithm.rnd.enabled True] [--agent.actor-obs-group critic]
                     [--agent.distillation.teacher-checkpoint TEACHER_RUN/model_IT.pt]

Trains a policy with rsl-rl-lib's PPO. Logs, checkpoints (model_{it}.pt), TensorBoard events and
the configs (params/env.yaml, params/agent.yaml) go to logs/rsl_rl/{experiment}/{timestamp}/; the
final policy is exported to policy.onnx and policy.pt (TorchScript) in the run folder. The console
gets one line per iteration (progress, reward, episode length, tracking errors); --verbose-log True
prints rsl-rl's full block instead.

Warm start: on a CPU the flat Go1 task's default run continues the task's standing start (a
policy that stands but does not walk yet) for 50 iterations, its curricula resumed where that
policy's run left them; --from-scratch True trains fresh networks instead (300 iterations).

Teacher and student: ``--agent.actor-obs-group critic`` trains a privileged teacher with PPO;
``--agent.distillation.teacher-checkpoint`` then distills a student on the actor group from it
(rsl-rl's Distillation; the teacher's network is read from its run's params/agent.yaml).
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import shutil
import sys
import tempfile
from datetime import datetime
from pathlib import Path

from trotlab.scripts.video import use_egl_when_headless

if "--video" in sys.argv[1:]:
  use_egl_when_headless()  # before anything imports mujoco

from trotlab.envs.manager_based_rl_env_cfg import ManagerBasedRlEnvCfg  # noqa: E402
from trotlab.rl.distributed import (  # noqa: E402
  World,
  cores_per_process,
  launch,
  parameters_agree,
)
from trotlab.rl.runner_cfg import RslRlRunnerCfg  # noqa: E402
from trotlab.scripts.common import (  # noqa: E402
  cli,
  exit_on_todos,
  friendly_errors,
  main_argv,
  peek_option,
  select_mdp,
  split_task_argv,
  wants_help,
)
from trotlab.sim.choice import SimBackendChoice, configure_sim, resolve_device  # noqa: E402


@dataclasses.dataclass
class TrainCfg:
  env: ManagerBasedRlEnvCfg
  agent: RslRlRunnerCfg
  device: str = "auto"
  """auto (a GPU if the physics' self-test passes on it, else the CPU), cpu, or cuda:N."""
  sim_backend: SimBackendChoice = "auto"
  """auto: MuJoCo Warp on CUDA, MuJoCo C threads on a CPU (warp on a CPU: tests only)."""
  mdp: str = "student"
  """Where the MDP terms come from: student, a folder with the five files, or solutions (the
  instructor's copy only)."""
  from_scratch: bool = False
  """Fresh networks, 300 iterations on a CPU (19-22 min on 2 cores), instead of 70 on from the
  task's standing start (agent.init_checkpoint). Read first: it sets the other defaults."""
  seed: int | None = None
  """Overrides agent.seed (and seeds the env the same way)."""
  log_root: Path = Path("logs/rsl_rl")
  export: bool = True
  """Export the final policy to ONNX and TorchScript."""
  verbose_log: bool = False
  """Print rsl-rl's full block of statistics every iteration (and the networks at the start)
  instead of one progress line. TensorBoard gets the same scalars either way."""
  video: bool = False
  """Record env 0 to <run>/videos/train/ while training."""
  video_length: int = 200
  """Env steps per training video."""
  video_interval: int = 2000
  """Env steps between the starts of two training videos."""
  num_envs: int | None = None
  """Shortcut of --env.scene.num-envs (per process with --num-processes)."""
  num_processes: int = 1
  """N processes (torch.distributed), each its envs, seed and cores; gradients averaged."""
  gpu_ids: tuple[int, ...] = ()
  """One process per GPU, e.g. --gpu-ids 0 1 (NCCL)."""
  enable_nan_guard: bool = False
  """Stop at the first NaN or inf, naming its step, envs and term (<run>/nan_guard.npz)."""


def exit_on_other_models(checkpoint: Path, agent: RslRlRunnerCfg) -> None:
  """Resuming loads the weights strictly: name the model option that differs from the run's
  params/agent.yaml (e.g. an RNNModel run resumed without --agent.actor.class-name RNNModel)."""
  import yaml

  from trotlab.rl.runner_cfg import RslRlModelCfg

  params = checkpoint.parent / "params" / "agent.yaml"
  if not params.is_file():
    return
  saved = yaml.safe_load(params.read_text())
  for name in ("actor", "critic"):
    ours = getattr(agent, name)
    theirs = RslRlModelCfg.from_plain(saved.get(name, {}), ours)
    for field in ("class_name", "hidden_dims", "rnn_type", "rnn_hidden_dim", "rnn_num_layers"):
      if field.startswith("rnn") and not ours.is_recurrent and not theirs.is_recurrent:
        continue
      if getattr(ours, field) != getattr(theirs, field):
        option = f"--agent.{name}.{field.replace('_', '-')}"
        raise SystemExit(
          f"error: {checkpoint} was trained with {option} {getattr(theirs, field)}, "
          f"this run has {getattr(ours, field)}: resume with the same model options"
        )


def load_teacher_params(agent: RslRlRunnerCfg) -> Path:
  """Check the teacher checkpoint named by --agent.distillation.teacher-checkpoint and fill in
  its network from its run's params/agent.yaml; return the checkpoint's path."""
  import yaml

  option = "--agent.distillation.teacher-checkpoint"
  checkpoint = Path(agent.distillation.teacher_checkpoint)
  if not checkpoint.is_file():
    raise SystemExit(f"error: {option}: no file {checkpoint} (a model_<it>.pt of a PPO run)")
  params = checkpoint.parent / "params" / "agent.yaml"
  if not params.is_file():
    raise SystemExit(f"error: {option}: {params} is missing; the teacher's network is unknown")
  saved = yaml.safe_load(params.read_text())
  if (saved.get("distillation") or {}).get("teacher_checkpoint"):
    raise SystemExit(f"error: {option}: {checkpoint} is a distilled student, not a PPO teacher")
  agent.with_teacher(saved)
  return checkpoint


def run_train(task: str, cfg: TrainCfg) -> Path:
  """Train; return the run folder."""
  import torch

  from trotlab.envs.manager_based_rl_env import ManagerBasedRlEnv
  from trotlab.envs.nan_guard import NanGuard, NonFiniteValue
  from trotlab.evaluation import TrackingEvalCfg
  from trotlab.rl.policy import export_policy
  from trotlab.rl.runner import make_runner, resume_clock
  from trotlab.rl.tracking_meter import TrackingErrorMeter
  from trotlab.rl.vecenv_wrapper import RslRlVecEnvWrapper
  from trotlab.scripts.common import find_checkpoint
  from trotlab.scripts.video import TrainingVideoRecorder
  from trotlab.utils.serialize import dump_yaml

  cfg.agent.validate()
  if cfg.num_envs is not None:
    cfg.env.scene.num_envs = cfg.num_envs
  world = World.current()
  device = resolve_device(cfg.device, cfg.sim_backend)
  if world.size > 1 and device.startswith("cuda"):
    device = f"cuda:{world.local_rank}"  # torchrun's process per GPU (rsl-rl checks it)
  elif world.size > 1:
    threads = cores_per_process(world)  # the processes share the machine's cores
    torch.set_num_threads(threads)
    cfg.env.sim.nthread = threads
  sim_backend = configure_sim(cfg.env.sim, cfg.sim_backend, device)
  agent = cfg.agent
  if agent.logger == "neptune" and os.environ.get("NEPTUNE_MODE") == "offline":
    # rsl-rl's writer asks for both variables; an offline run uses neither.
    os.environ.setdefault("NEPTUNE_API_TOKEN", "offline")
    os.environ.setdefault("NEPTUNE_USERNAME", "offline")
  if cfg.seed is not None:
    agent.seed = cfg.seed
  agent.seed += world.rank  # each process its own envs and exploration
  cfg.env.seed = agent.seed
  experiment_dir = cfg.log_root / agent.experiment_name
  resume_path = (
    find_checkpoint(experiment_dir, agent.load_run, agent.load_checkpoint) if agent.resume else None
  )
  if resume_path is not None:
    exit_on_other_models(resume_path, agent)
  if world.rank > 0:  # only rank 0 logs, saves and exports: the others write to a scratch folder
    experiment_dir = Path(tempfile.mkdtemp(prefix=f"trotlab-rank{world.rank}-"))
  teacher_path = load_teacher_params(agent) if agent.distillation.enabled else None
  stamp = datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
  run_dir = experiment_dir / (f"{stamp}_{agent.run_name}" if agent.run_name else stamp)
  run_dir.mkdir(parents=True, exist_ok=True)
  dump_yaml(run_dir / "params" / "env.yaml", cfg.env)
  dump_yaml(run_dir / "params" / "agent.yaml", agent)
  print(
    f"[trotlab] task {task}, device {device}, sim backend {sim_backend}, mdp {cfg.mdp}, "
    f"logging to {run_dir}"
  )

  runner = None
  try:
    env = ManagerBasedRlEnv(cfg.env)
    # A run that goes on from a checkpoint (its own when resumed, or the task's warm start) goes
    # on with its curricula too; the clock is set before the wrapper's reset samples commands.
    start = str(resume_path or ("" if teacher_path else agent.init_checkpoint))
    step = resume_clock(env, start, agent.num_steps_per_env) if start else 0
    hooks = []
    if cfg.enable_nan_guard:
      hooks.append(NanGuard(env, run_dir, agent.num_steps_per_env).check)
    if cfg.video:
      videos = run_dir / "videos" / "train"
      hooks.append(TrainingVideoRecorder(env, videos, cfg.video_length, cfg.video_interval))
    meter = TrackingErrorMeter.for_env(env, TrackingEvalCfg.command_name)
    if meter is not None:
      hooks.append(meter)
    vec_env = RslRlVecEnvWrapper(env, clip_actions=agent.clip_actions, step_hooks=tuple(hooks))
    runner = make_runner(
      vec_env,
      agent.to_rsl_rl(),
      log_dir=str(run_dir) if world.rank == 0 else None,
      device=device,
      verbose=cfg.verbose_log,
      tracking_meter=meter,
    )
    if resume_path is not None:
      print(f"[trotlab] resuming from {resume_path} (curricula at env step {step})")
      runner.load(str(resume_path))
    elif teacher_path is not None:
      print(f"[trotlab] distilling a student from the teacher {teacher_path}")
      runner.load(str(teacher_path), map_location=device)  # the teacher's actor only
    elif start:
      warm_start(runner, start, device, step, env, agent.actor_obs_group)
    runner.learn(num_learning_iterations=agent.max_iterations, init_at_random_ep_len=True)
    if world.size > 1:
      check_processes_agree(runner, world)
  except KeyboardInterrupt:
    keep_interrupted_run(runner, run_dir, task, cfg.mdp)
    raise SystemExit(130) from None
  except NonFiniteValue as err:  # the run folder stays: it holds nan_guard.npz
    raise SystemExit(f"[trotlab] nan guard: {err}") from None
  except (Exception, SystemExit):  # SystemExit: a warm start that does not fit, say
    # rsl-rl saves model_<it>.pt after the first iteration: without one, the folder holds
    # nothing to look at or resume from, only a run that never trained.
    if not any(run_dir.glob("model_*.pt")):
      remove_untrained_run(run_dir, "[trotlab] training failed before its first iteration")
    raise
  if world.rank > 0:  # the scratch folder goes; rank 0 reports the run
    env.close()
    shutil.rmtree(experiment_dir, ignore_errors=True)
    return run_dir
  if cfg.export:
    onnx_path, jit_path = export_policy(runner, run_dir)
    print(f"[trotlab] exported {onnx_path} and {jit_path}")
  env.close()
  checkpoint = run_dir / f"model_{runner.current_learning_iteration}.pt"
  print(f"[trotlab] done: run folder {run_dir}, last checkpoint {checkpoint.name}")
  print(next_commands(task, checkpoint, cfg.mdp))
  return run_dir


def next_commands(task: str, checkpoint: Path, mdp: str) -> str:
  """The commands that watch, measure and continue the run of ``checkpoint``, one per line,
  ready to paste (with ``--mdp`` when the run did not train the student's files)."""
  mdp_option = "" if mdp == "student" else f" --mdp {mdp}"
  run = checkpoint.parent
  return (
    f"  watch it:    uv run play {task} --checkpoint-file {checkpoint}{mdp_option}\n"
    f"  measure it:  uv run evaluate {task} --checkpoint-file {checkpoint}{mdp_option}\n"
    f"  train on:    uv run train {task} --agent.resume True --agent.load-run {run.name}{mdp_option}"
  )


def check_processes_agree(runner, world: World) -> None:
  """After a multi-process run: every process must hold rank 0's networks (PPO averaged their
  gradients); say so once, or stop."""
  import torch

  networks = torch.nn.ModuleList([runner.alg.actor, runner.alg.critic])
  if not parameters_agree(networks):
    raise RuntimeError("the training processes' networks differ after training")
  print(f"[trotlab] {world.size} processes: their networks are identical after training")


def warm_start(
  runner, checkpoint: str, device: str, step: int, env, actor_group: str = "actor"
) -> None:
  """Load the task's warm-start checkpoint into ``runner`` (the env's clock already at ``step``).
  When it does not fit: an observation group whose size differs from the checkpoint's names the
  terms and their shapes (a term returning the wrong shape: the student's bug, which training
  from scratch would only hide); other networks (model options, RND) exit naming
  --from-scratch."""
  try:
    runner.load(checkpoint, map_location=device)
  except (RuntimeError, KeyError, ValueError) as err:
    mismatch = observation_mismatch(env, checkpoint, actor_group)
    if mismatch:
      raise SystemExit(f"error: {mismatch}") from None
    first_line = str(err).strip().splitlines()[0]
    raise SystemExit(
      f"error: the warm start {checkpoint} does not fit this run's networks ({first_line}); "
      "train from scratch with --from-scratch True"
    ) from None
  print(
    f"[trotlab] warm start from {checkpoint}: iteration {runner.current_learning_iteration}, "
    f"curricula at env step {step} (to train fresh networks instead: --from-scratch True)"
  )


def observation_mismatch(env, checkpoint: str, actor_group: str = "actor") -> str | None:
  """Why ``checkpoint``'s networks cannot read ``env``'s observations: the first group (the
  actor's ``actor_group``, then "critic") whose number of values differs from its network's
  input, with every term's shape; None when the sizes agree."""
  import torch

  saved = torch.load(checkpoint, map_location="cpu", weights_only=False)
  dims = env.observation_manager.group_obs_dim
  for network, group in (("actor_state_dict", actor_group), ("critic_state_dict", "critic")):
    mean = saved.get(network, {}).get("obs_normalizer._mean")
    if mean is None or group not in dims:
      continue
    total = sum(math.prod(shape) for shape in dims[group].values())
    if total != mean.shape[-1]:
      terms = ", ".join(f"{name} {tuple(shape)}" for name, shape in dims[group].items())
      return (
        f"the {group!r} observations hold {total} values per env, the task's networks take "
        f"{mean.shape[-1]}: an observation term returns the wrong shape (its docstring gives the "
        f"right one; `uv run check` names it). The terms now: {terms}"
      )
  return None


def remove_untrained_run(run_dir: Path, why: str) -> None:
  """A run that never finished an iteration leaves nothing to look at or resume from."""
  shutil.rmtree(run_dir, ignore_errors=True)
  print(f"{why}; removed {run_dir}")


def keep_interrupted_run(runner, run_dir: Path, task: str, mdp: str) -> None:
  """Ctrl-C: save the policy of the last finished iteration (rsl-rl saves only every
  save_interval iterations) and say how to go on; with no finished iteration, remove the run."""
  if runner is None or runner.logger.iterations_logged == 0:
    remove_untrained_run(run_dir, "\n[trotlab] stopped before the first iteration finished")
    return
  # rsl-rl counts the last iteration whose update finished (a stop inside an update keeps the
  # part of it already applied, as any checkpoint of a stopped run would).
  it = runner.current_learning_iteration
  path = run_dir / f"model_{it}.pt"
  runner.save(str(path))
  print(f"\n[trotlab] stopped after iteration {it}: saved {path}")
  print(next_commands(task, path, mdp))


@friendly_errors
def main() -> None:
  task, argv = split_task_argv(main_argv(), "train")
  from trotlab.tasks import get_task

  # Resolved once (on a GPU, auto runs the warp backend's self-test): the defaults follow it.
  device = resolve_device(
    peek_option(argv, "device", "auto"), peek_option(argv, "sim-backend", "auto")
  )
  mdp = select_mdp(argv)
  if not wants_help(argv):
    exit_on_todos(mdp, task)
  spec = get_task(task)
  # A distilled student learns from its teacher, not from the warm start: PPO's fresh defaults.
  distilling = peek_option(argv, "agent.distillation.teacher-checkpoint", "") != ""
  scratch = distilling or peek_option(argv, "from-scratch", "False") == "True"
  defaults = TrainCfg(
    env=spec.env_cfg(play=False, device=device, mdp=mdp),
    agent=spec.agent_cfg(device=device, warm_start=not scratch),
  )
  cfg = cli(TrainCfg, argv, f"train {task}", default=defaults)
  processes = len(cfg.gpu_ids) or cfg.num_processes
  if processes > 1 and World.current().size == 1:  # start the processes; each runs this again
    raise SystemExit(launch([task, *argv], processes, cfg.gpu_ids))
  cfg.device = device
  try:
    cfg.agent.validate()
  except ValueError as err:
    raise SystemExit(f"error: {err}") from None
  os.environ.setdefault("PYTHONUNBUFFERED", "1")
  if World.current().rank > 0:  # rank 0 speaks for the run; the others' errors still show
    with open(os.devnull, "w") as quiet, contextlib.redirect_stdout(quiet):
      run_train(task, cfg)
    return
  run_train(task, cfg)


if __name__ == "__main__":
  main()
