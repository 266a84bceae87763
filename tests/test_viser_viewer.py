"""The browser viewer as a student sees it: `play --viewer viser` on a free port, the page in
headless Chromium (Debian's, driven by playwright), the vx slider moved, and the selected env's
command in the simulation changed (the viewer prints the command it reads back from the env)."""

from __future__ import annotations

import os
import queue
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from bench.viewer import drag_slider

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
TASK = "Mjlab-Velocity-Flat-Unitree-Go1"
SCREENSHOT_DIR = os.environ.get("TROTLAB_SCREENSHOTS")
"""Where the test leaves its screenshot (default: the test's own temporary folder, printed)."""


def free_port() -> int:
  with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    return s.getsockname()[1]


def lines_of(proc: subprocess.Popen) -> queue.Queue:
  """The process's output lines, read in a thread (a queue the test polls with a timeout)."""
  lines: queue.Queue = queue.Queue()

  def pump() -> None:
    for line in proc.stdout:
      lines.put(line)

  threading.Thread(target=pump, daemon=True).start()
  return lines


def wait_for(lines: queue.Queue, text: str, seconds: float, seen: list[str]) -> str:
  """The first output line holding ``text`` within ``seconds`` (every line read goes to seen)."""
  deadline = time.monotonic() + seconds
  while time.monotonic() < deadline:
    try:
      line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
    except queue.Empty:
      break
    seen.append(line)
    if text in line:
      return line
  raise AssertionError(f"no line with {text!r} in {seconds} s; output:\n{''.join(seen)[-3000:]}")


@pytest.mark.skipif(
  CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)"
)
def test_the_page_shows_the_robots_and_the_joystick_steers_the_selected_env(tmp_path):
  from playwright.sync_api import sync_playwright

  port = free_port()
  proc = subprocess.Popen(
    [sys.executable, "-m", "trotlab.scripts.play", TASK, "--agent", "zero", "--mdp", "solutions"]
    + ["--viewer", "viser", "--port", str(port), "--num-envs", "4", "--viewer-seconds", "240"],
    cwd=tmp_path,
    stdout=subprocess.PIPE,
    stderr=subprocess.STDOUT,
    text=True,
  )
  seen: list[str] = []
  try:
    lines = lines_of(proc)
    wait_for(lines, f"open http://localhost:{port}", 120, seen)
    with sync_playwright() as p:
      browser = p.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=["--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader"],
      )
      try:
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(f"http://localhost:{port}")
        page.wait_for_selector("canvas", timeout=60_000)
        page.locator("label", has_text="vx [m/s]").wait_for(timeout=60_000)
        drag_slider(page, "vx [m/s]", 0.25)  # from 0 a quarter of the track right: +0.5 m/s
        line = wait_for(lines, "steering env 0: (0.5, 0.0, 0.0)", 60, seen)
        assert "(the command in the simulation)" in line
        time.sleep(3)  # a few frames with the new command
        folder = Path(SCREENSHOT_DIR) if SCREENSHOT_DIR else tmp_path
        folder.mkdir(parents=True, exist_ok=True)
        shot = folder / "viser_viewer.png"
        page.screenshot(path=str(shot))
        print(f"screenshot: {shot}")
        assert shot.stat().st_size > 50_000  # a rendered page, not a blank one
        page.get_by_text("Release (task commands)").click()
        page.get_by_text("task commands", exact=True).wait_for(timeout=30_000)
      finally:
        browser.close()
  finally:
    proc.terminate()
    try:
      proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
      proc.kill()


RECORD = """
import sys, torch
from pathlib import Path
from trotlab.envs import ManagerBasedRlEnv
from trotlab.scripts.play import PlayCfg, play_env_cfg
from trotlab.scripts.viser_viewer import ViserViewer
from trotlab.tasks import get_task
from trotlab.tasks.velocity.mdp import load_mdp

cfg = PlayCfg(agent="zero", num_envs=2, viewer="none")
env = ManagerBasedRlEnv(play_env_cfg(get_task(sys.argv[1]), cfg, "cpu", load_mdp("solutions")), verbose=False)
zero = lambda obs: torch.zeros(env.num_envs, env.action_manager.total_action_dim)
viewer = ViserViewer(env, zero, Path(sys.argv[2]), port=int(sys.argv[3]), record_seconds=1.0)
viewer.env_slider.value = 1
viewer.speed.value = "4x"
viewer.record_asked = True  # as the Record button does
viewer.run(max_seconds=120.0, until_recorded=True)  # 1 simulated s, each frame rendered
viewer.server.stop()
"""
"""Record in a process of its own: MuJoCo's offscreen OpenGL is chosen when it is imported."""


def test_record_writes_the_selected_envs_mp4_and_says_where(tmp_path):
  """Record writes the selected env (env 1; 1 s here, 10 s in play) to the videos folder (next
  to the checkpoint in play) and prints the path."""
  videos = tmp_path / "videos"
  result = subprocess.run(
    [sys.executable, "-c", RECORD, TASK, str(videos), str(free_port())],
    capture_output=True,
    text=True,
    timeout=300,
    env={**os.environ, "MUJOCO_GL": "egl"},
  )
  assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
  (video,) = videos.glob("viewer_env1_*.mp4")
  assert video.stat().st_size > 5_000
  assert f"[viewer] wrote {video}" in result.stdout


def test_the_viewer_draws_the_rough_tasks_height_field_and_a_grid_on_the_flat_one():
  from trotlab.envs import ManagerBasedRlEnv
  from trotlab.scripts.viser_viewer import terrain_mesh
  from trotlab.tasks import get_task
  from trotlab.tasks.velocity.mdp import load_mdp

  meshes = {}
  for task in (TASK, "Mjlab-Velocity-Rough-Unitree-Go1"):
    env_cfg = get_task(task).env_cfg(play=True, device="cpu", mdp=load_mdp("solutions"))
    env_cfg.scene.num_envs = 2
    meshes[task] = terrain_mesh(ManagerBasedRlEnv(env_cfg, verbose=False).sim.mj_model)
  assert meshes[TASK] is None  # the flat task: a grid, no mesh
  vertices, faces = meshes["Mjlab-Velocity-Rough-Unitree-Go1"]
  assert vertices.shape[1] == 3 and faces.max() < len(vertices)
  assert vertices[:, 2].max() - vertices[:, 2].min() > 0.1  # steps and slopes, not a plane


RELEASE_DURING_STEP = """
import sys, threading, torch
from pathlib import Path
from trotlab.envs import ManagerBasedRlEnv
from trotlab.scripts.play import PlayCfg, play_env_cfg
from trotlab.scripts.viser_viewer import ViserViewer
from trotlab.tasks import get_task
from trotlab.tasks.velocity.mdp import load_mdp

cfg = PlayCfg(agent="zero", num_envs=2, viewer="none")
env = ManagerBasedRlEnv(play_env_cfg(get_task(sys.argv[1]), cfg, "cpu", load_mdp("solutions")), verbose=False)
zero = lambda obs: torch.zeros(env.num_envs, env.action_manager.total_action_dim)
viewer = ViserViewer(env, zero, Path(sys.argv[2]), port=int(sys.argv[3]))
obs = env.reset()
viewer.steering = torch.tensor([0.5, 0.0, 0.0])  # as a dragged slider leaves it
inside, released = threading.Event(), threading.Event()
apply = viewer._apply_joystick

def slow_apply(twist):  # the step is between reading the joystick and writing the status line
  inside.set()
  released.wait(timeout=2.0)  # a release that waits for this step times out here
  return apply(twist)

viewer._apply_joystick = slow_apply
step = threading.Thread(target=viewer._step, args=(obs,))
step.start()
inside.wait()
release = threading.Thread(target=viewer._release)  # the Release button's callback
release.start()
release.join(timeout=1.0)
released.set()
step.join()
release.join()
print("status:", viewer.joystick_status.content, "| steering:", viewer.steering)
viewer.server.stop()
"""
"""Release pressed while a step is applying the joystick (held there until the release is done,
or for 2 s where the release has to wait for the step)."""


def test_release_during_a_step_leaves_the_task_commands_and_says_so(tmp_path):
  """The Release button leaves the env on its task commands and the status line says so, even
  when it is pressed while a step is applying the joystick (seen in CI: the step wrote
  "steering env 0" over the released status)."""
  result = subprocess.run(
    [sys.executable, "-c", RELEASE_DURING_STEP, TASK, str(tmp_path), str(free_port())],
    capture_output=True,
    text=True,
    timeout=300,
  )
  assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
  assert "status: task commands | steering: None" in result.stdout, result.stdout[-2000:]
