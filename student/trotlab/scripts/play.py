"""uv run play TASK --checkpoint-file PATH [--agent trained|zero|random]
                    [--viewer auto|native|viser|none] [--port 8080]
                    [--video True --video-length N] [--num-envs N] [--no-terminations True]
                    [--mdp ...]

Runs a policy in the play configuration (no noise, no pushes, no time-out, the full command
ranges). --viewer native opens MuJoCo's passive viewer on env 0 (needs a display); --viewer
viser serves every env in a browser, with a joystick to steer the policy
(trotlab/scripts/viser_viewer.py); auto (the default) picks native where a display exists, else
viser. --video True renders env 0 offscreen (MUJOCO_GL=egl unless set) to an mp4 instead.
"""

from __future__ import annotations

import dataclasses
import os
import time
from pathlib import Path
from typing import Literal

from trotlab.scripts.video import use_egl_when_headless

use_egl_when_headless()  # before anything imports mujoco

from trotlab.scripts.common import (  # noqa: E402
  DEFAULT_LOG_ROOT,
  cli,
  describe_runs,
  friendly_errors,
  main_argv,
  require_checkpoint,
  select_mdp,
  split_task_argv,
)
from trotlab.sim.choice import SimBackendChoice, configure_sim, resolve_device  # noqa: E402


@dataclasses.dataclass
class PlayCfg:
  """Options of ``uv run play``: the policy to run, how to show it, and the play env's size."""

  checkpoint_file: Path | None = None
  """A model_{it}.pt (required with --agent trained)."""
  wandb_run_path: str | None = None
  """ENTITY/PROJECT/RUN_ID: play the newest checkpoint of that Weights & Biases run (downloaded
  to logs/rsl_rl/wandb/; needs `uv sync --group wandb`, network and `wandb login`)."""
  agent: Literal["trained", "zero", "random"] = "trained"
  """zero: all-zero actions (the stand pose targets); random: U(-1, 1) actions."""
  viewer: Literal["auto", "native", "viser", "none"] = "auto"
  """auto: native where a display exists, else viser (the browser viewer), unless --steps is
  given; none: run --steps steps without a viewer. --video True records instead of showing."""
  port: int = 8080
  """The viser viewer's port (0: any free port)."""
  viewer_seconds: float | None = None
  """Stop the viser viewer after this many seconds (default: run until Ctrl-C)."""
  video: bool = False
  video_length: int = 500
  """Env steps to record (at 50 Hz: 10 s)."""
  video_file: Path | None = None
  """Default: <run folder>/videos/play.mp4, or ./play.mp4 without a checkpoint."""
  num_envs: int = 16
  no_terminations: bool = False
  """Remove every termination term: no env is reset, a fallen robot stays where it fell (to
  watch what happens after a fall, or a policy whose terminations fire too often)."""
  steps: int | None = None
  """Env steps to run without a viewer and without video (given, --viewer auto shows none;
  with --viewer none, default 1000)."""
  mdp: str = "student"
  """Where the observation terms come from: student, a folder with the five files, or
  solutions (the instructor's copy only)."""
  device: str = "cpu"
  sim_backend: SimBackendChoice = "auto"
  """auto: warp on a CUDA device, else cpu."""
  width: int = 640
  height: int = 480


def make_agent(cfg: PlayCfg, env, spec, device: str):
  """The policy ``cfg.agent`` asks for: obs -> actions (num_envs, num_actions) on env.device,
  all zeros, U(-1, 1), or the checkpoint's trained policy (SystemExit without a checkpoint)."""
  import torch

  if cfg.agent == "zero":
    return lambda obs: torch.zeros(
      env.num_envs, env.action_manager.total_action_dim, device=env.device
    )
  if cfg.agent == "random":
    return lambda obs: (
      2 * torch.rand(env.num_envs, env.action_manager.total_action_dim, device=env.device) - 1
    )
  if cfg.checkpoint_file is None:
    raise SystemExit(
      "error: --agent trained needs --checkpoint-file PATH (or use --agent zero); "
      + describe_runs(DEFAULT_LOG_ROOT)
    )
  from trotlab.rl.policy import load_policy

  return load_policy(cfg.checkpoint_file, env, spec.agent_cfg(device=device), device=device)


def record_video(env, agent, cfg: PlayCfg, path: Path) -> Path:
  """``cfg.video_length`` steps of env 0, tracked by the camera, to the mp4 ``path``."""
  import torch

  from trotlab.rl.policy import reset_on_done
  from trotlab.scripts.video import EnvCamera, write_mp4
  from trotlab.utils.progress import ProgressBar

  camera = EnvCamera(env, 0, cfg.width, cfg.height)
  frames, obs = [], env.reset()
  with ProgressBar(cfg.video_length, "[play] recording", unit="frames") as bar:
    for _ in range(cfg.video_length):
      with torch.inference_mode():
        obs, _, terminated, truncated, _ = env.step(agent(obs))
        reset_on_done(agent, terminated, truncated)
      frames.append(camera.frame())
      bar.update()
  return write_mp4(frames, path, fps=round(1.0 / env.step_dt))


def run_viewer(env, agent) -> None:
  """Step ``env`` with ``agent`` at most at real time, showing env 0 in MuJoCo's passive viewer
  until its window is closed."""
  import mujoco.viewer
  import torch

  from trotlab.rl.policy import reset_on_done

  model, data = env.sim.env_model_and_data(0)
  obs = env.reset()
  with mujoco.viewer.launch_passive(model, data) as viewer:
    while viewer.is_running():
      start = time.time()
      with torch.inference_mode():
        obs, _, terminated, truncated, _ = env.step(agent(obs))
        reset_on_done(agent, terminated, truncated)
      _, fresh = env.sim.env_model_and_data(0)
      data.qpos[:], data.qvel[:] = fresh.qpos, fresh.qvel
      mujoco.mj_forward(model, data)
      viewer.sync()
      time.sleep(max(0.0, env.step_dt - (time.time() - start)))


def resolve_viewer(cfg: PlayCfg) -> str:
  """The viewer ``cfg`` asks for, auto resolved: none when a number of steps is given (a
  script's run), else native where a display exists, else viser."""
  if cfg.viewer != "auto":
    return cfg.viewer
  if cfg.steps is not None:
    return "none"
  return "native" if os.environ.get("DISPLAY") else "viser"


def play_env_cfg(spec, cfg: PlayCfg, device: str, mdp):
  """The task's play config as ``cfg`` asks: its env count, terminations, backend. Under the
  viser viewer on a CPU the physics and torch take one thread: the page's server (and often the
  browser) need the other cores, and the few envs of a viewer step in time on one (64 envs at
  1.0x real time with a browser on the same 2 cores, where two threads gave 0.3x)."""
  env_cfg = spec.env_cfg(play=True, device=device, mdp=mdp)
  env_cfg.scene.num_envs = cfg.num_envs
  if cfg.no_terminations:
    env_cfg.terminations = {}
  configure_sim(env_cfg.sim, cfg.sim_backend, device)
  if resolve_viewer(cfg) == "viser" and not cfg.video and device == "cpu":
    import torch

    torch.set_num_threads(1)
    env_cfg.sim.nthread = 1
  return env_cfg


@friendly_errors
def main() -> None:
  """``uv run play``: build the task's play env and run the policy in a viewer, to a video, or
  for a number of steps (see the module docstring)."""
  task, argv = split_task_argv(main_argv(), "play")
  from trotlab.envs.manager_based_rl_env import ManagerBasedRlEnv
  from trotlab.tasks import get_task

  cfg = cli(PlayCfg, argv, f"play {task}")
  if cfg.wandb_run_path:
    from trotlab.rl.wandb_checkpoint import fetch_wandb_checkpoint

    cfg.checkpoint_file = fetch_wandb_checkpoint(cfg.wandb_run_path, DEFAULT_LOG_ROOT)
  require_checkpoint(cfg.checkpoint_file)
  spec = get_task(task)
  device = resolve_device(cfg.device, cfg.sim_backend)
  env = ManagerBasedRlEnv(play_env_cfg(spec, cfg, device, select_mdp(argv)), verbose=False)
  agent = make_agent(cfg, env, spec, device)
  viewer = resolve_viewer(cfg)
  if cfg.video:
    default = (
      (cfg.checkpoint_file.parent / "videos" / "play.mp4")
      if cfg.checkpoint_file
      else Path("play.mp4")
    )
    path = record_video(env, agent, cfg, cfg.video_file or default)
    print(f"[play] wrote {path}")
  elif viewer == "native":
    run_viewer(env, agent)
  elif viewer == "viser":
    from trotlab.scripts.viser_viewer import ViserViewer, announce

    videos = cfg.checkpoint_file.parent / "videos" if cfg.checkpoint_file else Path("videos")
    browser = ViserViewer(env, agent, videos, port=cfg.port)
    announce(browser.port)
    try:
      browser.run(cfg.viewer_seconds)
    except KeyboardInterrupt:
      print("[viewer] stopped")
    finally:
      browser.server.stop()
  else:
    import torch

    from trotlab.rl.policy import reset_on_done

    obs = env.reset()
    steps, total = cfg.steps or 1000, 0.0
    for step in range(steps):
      with torch.inference_mode():
        obs, reward, terminated, truncated, _ = env.step(agent(obs))
        reset_on_done(agent, terminated, truncated)
      total += reward.mean().item()
      if step % 100 == 0:
        print(f"[play] step {step}: mean reward {reward.mean().item():.4f}")
    print(f"[play] ran {steps} steps ({steps * env.step_dt:g} s): mean reward {total / steps:.4f}")


if __name__ == "__main__":
  main()
