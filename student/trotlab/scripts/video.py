"""Offscreen videos of an env: the camera that follows a robot, the mp4 writer, and the
recorder of `train --video`.

MuJoCo picks its OpenGL backend when it is first imported: a script that renders calls
``use_egl_when_headless()`` before anything imports mujoco.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import torch


def use_egl_when_headless() -> None:
  """Without a display, render with EGL (unless MUJOCO_GL says otherwise)."""
  if "MUJOCO_GL" not in os.environ and not os.environ.get("DISPLAY"):
    os.environ["MUJOCO_GL"] = "egl"


class EnvCamera:
  """Renders one env of ``env`` (a ManagerBasedRlEnv, either backend) from a camera that
  tracks the robot's trunk: (height, width, 3) uint8 frames."""

  def __init__(self, env, env_id: int = 0, width: int = 640, height: int = 480) -> None:
    import mujoco

    self.env, self.env_id = env, env_id
    model, _ = env.sim.env_model_and_data(env_id)
    self.renderer = mujoco.Renderer(model, height=height, width=width)
    self.camera = mujoco.MjvCamera()
    self.camera.type = mujoco.mjtCamera.mjCAMERA_TRACKING
    self.camera.trackbodyid = model.body("trunk").id
    self.camera.distance, self.camera.elevation, self.camera.azimuth = 1.6, -20.0, 120.0

  def frame(self) -> np.ndarray:
    _, data = self.env.sim.env_model_and_data(self.env_id)
    self.renderer.update_scene(data, camera=self.camera)
    return self.renderer.render()

  def close(self) -> None:
    self.renderer.close()


def write_mp4(frames: list[np.ndarray], path: Path, fps: int) -> Path:
  """Write ``frames`` to an mp4 at ``path`` (its folder made), with the ffmpeg of the
  imageio-ffmpeg wheel where the system has none."""
  import mediapy

  if shutil.which("ffmpeg") is None:
    import imageio_ffmpeg

    mediapy.set_ffmpeg(imageio_ffmpeg.get_ffmpeg_exe())
  path.parent.mkdir(parents=True, exist_ok=True)
  mediapy.write_video(str(path), frames, fps=fps)
  return path


class TrainingVideoRecorder:
  """`train --video`: every ``interval`` env steps (from the first), ``length`` steps of env 0
  to ``out_dir``/step_<env step>.mp4, at the env's control rate. A step hook of the rsl-rl
  wrapper (called with the actions and observations of each step)."""

  def __init__(
    self, env, out_dir: Path, length: int, interval: int, width: int = 640, height: int = 480
  ) -> None:
    if length < 1 or interval < length:
      raise SystemExit(
        f"error: --video-length must be at least 1 and at most --video-interval; got"
        f" {length} and {interval}"
      )
    self.env, self.out_dir, self.length, self.interval = env, out_dir, length, interval
    self.camera = EnvCamera(env, 0, width, height)
    self.frames: list[np.ndarray] = []
    self.start_step: int | None = None
    self.steps = 0
    self.written: list[Path] = []

  def __call__(self, actions: torch.Tensor, obs: dict) -> None:
    if self.steps % self.interval == 0:  # named by the env step it starts from
      self.start_step, self.frames = self.env.common_step_counter - 1, []
    self.steps += 1
    if self.start_step is None:
      return
    self.frames.append(self.camera.frame())
    if len(self.frames) == self.length:
      path = self.out_dir / f"step_{self.start_step}.mp4"
      self.written.append(write_mp4(self.frames, path, round(1.0 / self.env.step_dt)))
      print(f"[trotlab] wrote the training video {path}", flush=True)
      self.start_step, self.frames = None, []
