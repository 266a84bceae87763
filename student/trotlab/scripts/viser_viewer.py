"""`play --viewer viser`: every env's robot in a browser, steered with a joystick.

A viser server (the library mjlab's viewer uses) shows the model's visual geoms for all envs (one
batched mesh per geom: one message per geom and frame, whatever the number of envs) and the
ground, at the simulation's real time times the chosen speed. The panel has: pause, single
step, reset and speed; the env selector and a Track camera that follows it; overlays (the
selected robot's commanded and measured planar velocity as arrows, every foot in contact as a
red dot); live plots of the selected env (commanded vs measured vx, vy, wz, and each reward
term's contribution per second); a joystick (three sliders that replace the velocity command
of the selected env, or of all envs, from the first move until Release); and Record, which
writes an mp4 of the selected env from the offscreen renderer's tracking camera.

The simulation runs in the calling thread; viser's callbacks (its own threads) only set fields
that the loop reads between steps.
"""

from __future__ import annotations

import collections
import dataclasses
import os
import threading
import time
from pathlib import Path

import mujoco
import numpy as np
import torch

from trotlab.assets.unitree_go1.go1_constants import FOOT_NAMES
from trotlab.rl.policy import reset_on_done
from trotlab.scripts.video import EnvCamera, write_mp4
from trotlab.utils.math import quat_apply, quat_from_euler_xyz, quat_mul

VISUAL_GROUP = 2
"""The geom group of the robot's visual geoms (its collision geoms are group 3)."""
SPEEDS = ("0.25x", "0.5x", "1x", "2x", "4x")
FRAME_PERIOD_S = 1.0 / 30.0
"""The scene is sent at most 30 times a second (the simulation may step faster)."""
PLOT_PERIOD_S = 0.2
HISTORY_S = 10.0
"""Seconds of the selected env's signals in the plots."""
NUMERIC_X = {"x": {"time": False}}
"""uPlot reads x as a date unless told: the plots' x is the simulated time [s]."""


@dataclasses.dataclass
class GeomMesh:
  """One visual geom: its triangles in the geom's own frame, its body and its colour."""

  geom_id: int
  body: str
  vertices: np.ndarray
  faces: np.ndarray
  rgb: tuple[int, int, int]


def _primitive(geom_type: int, size: np.ndarray):
  """A trimesh of a MuJoCo primitive in its geom frame (capsules and cylinders along z)."""
  import trimesh

  kind = mujoco.mjtGeom
  if geom_type == kind.mjGEOM_BOX:
    return trimesh.creation.box(extents=2 * size)
  if geom_type == kind.mjGEOM_SPHERE:
    return trimesh.creation.icosphere(subdivisions=2, radius=size[0])
  if geom_type == kind.mjGEOM_CAPSULE:
    return trimesh.creation.capsule(height=2 * size[1], radius=size[0], count=(12, 12))
  if geom_type == kind.mjGEOM_CYLINDER:
    return trimesh.creation.cylinder(radius=size[0], height=2 * size[1], sections=16)
  if geom_type == kind.mjGEOM_ELLIPSOID:
    sphere = trimesh.creation.icosphere(subdivisions=2, radius=1.0)
    sphere.apply_scale(size)
    return sphere
  raise ValueError(f"the viewer cannot draw a geom of type {kind(geom_type).name}")


def visual_geoms(model: mujoco.MjModel, body_names: list[str]) -> list[GeomMesh]:
  """The visual geoms (group VISUAL_GROUP) of the bodies ``body_names``, as meshes."""
  out = []
  for g in range(model.ngeom):
    body = model.body(model.geom_bodyid[g]).name
    if model.geom_group[g] != VISUAL_GROUP or body not in body_names:
      continue
    mesh = _primitive(model.geom_type[g], model.geom_size[g])
    mat = model.geom_matid[g]
    rgba = model.mat_rgba[mat] if mat >= 0 else model.geom_rgba[g]
    rgb = tuple(int(255 * c) for c in rgba[:3])
    out.append(GeomMesh(g, body, np.asarray(mesh.vertices, np.float32), mesh.faces, rgb))
  return out


def terrain_mesh(model: mujoco.MjModel) -> tuple[np.ndarray, np.ndarray] | None:
  """The height field terrain as (vertices, faces), world frame; None for the flat plane."""
  hfield = [g for g in range(model.ngeom) if model.geom_type[g] == mujoco.mjtGeom.mjGEOM_HFIELD]
  if not hfield:
    return None
  g = hfield[0]
  h = model.geom_dataid[g]
  nrow, ncol = model.hfield_nrow[h], model.hfield_ncol[h]
  rx, ry, top, _ = model.hfield_size[h]
  adr = model.hfield_adr[h]
  heights = model.hfield_data[adr : adr + nrow * ncol].reshape(nrow, ncol) * top
  x, y = np.meshgrid(np.linspace(-rx, rx, ncol), np.linspace(-ry, ry, nrow))
  vertices = np.stack([x, y, heights], axis=-1).reshape(-1, 3) + model.geom_pos[g]
  idx = np.arange(nrow * ncol).reshape(nrow, ncol)
  a, b, c, d = idx[:-1, :-1], idx[:-1, 1:], idx[1:, :-1], idx[1:, 1:]
  faces = np.concatenate([np.stack([a, b, d], -1), np.stack([a, d, c], -1)]).reshape(-1, 3)
  return vertices.astype(np.float32), faces


class ViserViewer:
  """The browser viewer of ``env`` (a ManagerBasedRlEnv) driven by ``agent`` (obs -> actions).
  ``video_dir``: where Record writes its mp4 files."""

  def __init__(
    self,
    env,
    agent,
    video_dir: Path,
    port: int = 8080,
    host: str = "0.0.0.0",
    record_seconds: float = 10.0,
  ) -> None:
    import viser

    self.env, self.agent, self.video_dir = env, agent, video_dir
    self.record_seconds = record_seconds
    (self.robot,) = env.scene.entities.values()
    self.command_name = env.command_manager.active_terms[0]
    self.server = viser.ViserServer(host=host, port=port, verbose=False)
    self.port = self.server.get_port()
    self.lock = threading.Lock()
    self.paused, self.step_once, self.reset_asked = False, False, False
    self.steering: torch.Tensor | None = None  # the joystick's (vx, vy, wz) while it steers
    self.record_asked = False
    self.recording: tuple[EnvCamera, list[np.ndarray], Path] | None = None
    self.history: collections.deque = collections.deque(maxlen=round(HISTORY_S / env.step_dt))
    self.sim_time = 0.0
    self._build_scene()
    self._build_gui()

  # The scene ------------------------------------------------------------------------------------

  def _build_scene(self) -> None:
    model = self.env.sim.mj_model
    scene = self.server.scene
    scene.set_up_direction("+z")
    scene.add_light_hemisphere("/light", intensity=1.0)
    mesh = terrain_mesh(model)
    if mesh is None:
      scene.add_grid("/ground", cell_size=0.5, infinite_grid=True, fade_distance=30.0)
    else:
      scene.add_mesh_simple("/ground", mesh[0], mesh[1], color=(150, 160, 170), flat_shading=True)
    self.geoms = visual_geoms(model, list(self.robot.body_names))
    body_index = [self.robot.body_names.index(g.body) for g in self.geoms]
    self.geom_body = torch.tensor(body_index, device=self.env.device)
    self.geom_pos = torch.tensor(
      np.stack([model.geom_pos[g.geom_id] for g in self.geoms]), device=self.env.device
    ).float()
    self.geom_quat = torch.tensor(
      np.stack([model.geom_quat[g.geom_id] for g in self.geoms]), device=self.env.device
    ).float()
    positions, quats = self._geom_poses()
    self.geom_handles = [
      scene.add_batched_meshes_simple(
        f"/robots/geom{i}",
        g.vertices,
        g.faces,
        batched_wxyzs=quats[:, i],
        batched_positions=positions[:, i],
        batched_colors=g.rgb,
        lod="off",
      )
      for i, g in enumerate(self.geoms)
    ]
    zero = np.zeros((2, 2, 3), np.float32)
    self.arrows = scene.add_arrows(
      "/overlay/velocity",
      zero,
      np.array([(30, 30, 30), (0, 140, 255)], np.uint8),
      shaft_radius=0.012,
      head_radius=0.03,
      head_length=0.06,
    )
    self.contacts = scene.add_point_cloud(
      "/overlay/contacts",
      np.zeros((1, 3), np.float32),
      (230, 30, 30),
      point_size=0.03,
      point_shape="circle",
    )

  def _geom_poses(self) -> tuple[np.ndarray, np.ndarray]:
    """Every visual geom's world pose in every env: positions (N, G, 3), quaternions (N, G, 4)."""
    data = self.robot.data
    body_pos = data.body_link_pos_w[:, self.geom_body]  # (N, G, 3)
    body_quat = data.body_link_quat_w[:, self.geom_body]  # (N, G, 4)
    n = body_pos.shape[0]
    local_pos = self.geom_pos.expand(n, -1, -1)
    local_quat = self.geom_quat.expand(n, -1, -1)
    pos = body_pos + quat_apply(body_quat, local_pos)
    quat = quat_mul(body_quat, local_quat)
    return pos.cpu().numpy().astype(np.float32), quat.cpu().numpy().astype(np.float32)

  # The panel ------------------------------------------------------------------------------------

  def _build_gui(self) -> None:
    gui = self.server.gui
    n = self.env.num_envs
    with gui.add_folder("Simulation"):
      self.pause_button = gui.add_button("Pause")
      self.step_button = gui.add_button("Step")
      self.reset_button = gui.add_button("Reset")
      self.speed = gui.add_dropdown("Speed", SPEEDS, initial_value="1x")
      self.status = gui.add_markdown("starting")
    with gui.add_folder("View"):
      self.env_slider = gui.add_slider("Env", min=0, max=max(n - 1, 1), step=1, initial_value=0)
      self.track = gui.add_checkbox("Track camera", initial_value=True)
      self.show_arrows = gui.add_checkbox("Velocity arrows", initial_value=True)
      self.show_contacts = gui.add_checkbox("Contact points", initial_value=True)
    with gui.add_folder("Joystick"):
      self.sliders = {
        "vx": gui.add_slider("vx [m/s]", min=-1.0, max=1.0, step=0.05, initial_value=0.0),
        "vy": gui.add_slider("vy [m/s]", min=-1.0, max=1.0, step=0.05, initial_value=0.0),
        "wz": gui.add_slider("wz [rad/s]", min=-1.5, max=1.5, step=0.05, initial_value=0.0),
      }
      self.steer_all = gui.add_checkbox("Steer all envs", initial_value=False)
      self.release = gui.add_button("Release (task commands)")
      self.joystick_status = gui.add_markdown("task commands")
    with gui.add_folder("Record"):
      self.record_button = gui.add_button(f"Record {self.record_seconds:g} s of the selected env")
      self.record_status = gui.add_markdown("")
    with gui.add_folder("Plots (selected env)"):
      empty = (np.zeros(1),) * 3
      self.plots = {
        axis: gui.add_uplot(
          data=empty,
          series=(
            {"label": "t [s]"},
            {"label": "command", "stroke": "black"},
            {"label": axis, "stroke": "#1f77b4"},
          ),
          title=axis,
          aspect=2.0,
          scales=NUMERIC_X,
        )
        for axis in ("vx [m/s]", "vy [m/s]", "wz [rad/s]")
      }
      terms = self.env.reward_manager.active_terms
      self.reward_plot = gui.add_uplot(
        data=(np.zeros(1),) * (len(terms) + 1),
        series=(
          {"label": "t [s]"},
          *({"label": t, "stroke": _color(i)} for i, t in enumerate(terms)),
        ),
        title="reward terms (weight x term, per s)",
        aspect=1.5,
        scales=NUMERIC_X,
      )
    self.pause_button.on_click(lambda _: self._toggle_pause())
    self.step_button.on_click(lambda _: setattr(self, "step_once", True))
    self.reset_button.on_click(lambda _: setattr(self, "reset_asked", True))
    self.record_button.on_click(lambda _: setattr(self, "record_asked", True))
    self.release.on_click(lambda _: self._release())
    for slider in self.sliders.values():
      slider.on_update(self._steer)

  def _toggle_pause(self) -> None:
    self.paused = not self.paused
    self.pause_button.label = "Resume" if self.paused else "Pause"

  def _steer(self, event) -> None:
    if event.client is None:  # the server set the slider (Release), not a person
      return
    twist = [float(self.sliders[k].value) for k in ("vx", "vy", "wz")]
    with self.lock:
      self.steering = torch.tensor(twist, device=self.env.device)

  def _release(self) -> None:
    for slider in self.sliders.values():
      slider.value = 0.0  # set by the server: _steer ignores it
    # Under the lock with the step's use of the joystick (_step), so that a step already
    # steering cannot write "steering ..." over this line after the release.
    with self.lock:
      self.steering = None
      self.joystick_status.content = "task commands"

  # The loop -------------------------------------------------------------------------------------

  def run(self, max_seconds: float | None = None, until_recorded: bool = False) -> None:
    """Step and draw until Ctrl-C (or ``max_seconds`` of wall-clock; with ``until_recorded``,
    or until the recording asked for is written)."""
    env = self.env
    obs = env.reset()
    start = last_frame = last_plot = last_report = time.monotonic()
    frames = steps_since = 0
    sim_since = 0.0
    wall_next = start
    while max_seconds is None or time.monotonic() - start < max_seconds:
      if until_recorded and not (self.record_asked or self.recording):
        break
      if self.reset_asked:
        self.reset_asked, obs = False, env.reset()
      if not self.paused or self.step_once:
        self.step_once = False
        obs = self._step(obs)
        steps_since += 1
        sim_since += env.step_dt
        speed = float(self.speed.value.rstrip("x"))
        wall_next += env.step_dt / speed
      else:
        wall_next = time.monotonic() + FRAME_PERIOD_S
      now = time.monotonic()
      if now - last_frame >= FRAME_PERIOD_S or self.paused:
        self._draw()
        frames += 1
        last_frame = now
      if now - last_plot >= PLOT_PERIOD_S:
        self._plot()
        last_plot = now
      if now - last_report >= 5.0:
        wall = now - last_report
        factor = sim_since / wall
        line = f"{factor:.2f}x real time, {frames / wall:.0f} frames/s, {env.num_envs} envs"
        self.status.content = line
        print(f"[viewer] {line}", flush=True)
        frames, steps_since, sim_since, last_report = 0, 0, 0.0, now
      delay = wall_next - time.monotonic()
      if delay > 0:
        time.sleep(delay)
      elif delay < -0.5:  # far behind (a slow machine): do not try to catch up
        wall_next = time.monotonic()

  def _step(self, obs: dict) -> dict:
    env = self.env
    with torch.inference_mode():
      obs, _, terminated, truncated, _ = env.step(self.agent(obs))
      reset_on_done(self.agent, terminated, truncated)
      with self.lock:  # see _release
        if self.steering is not None:
          obs = self._apply_joystick(self.steering)
    self.sim_time += env.step_dt
    self._record_signals()
    self._record_video()
    return obs

  def _selected(self) -> int:
    return min(int(self.env_slider.value), self.env.num_envs - 1)

  def _apply_joystick(self, twist: torch.Tensor) -> dict:
    """Write the joystick's twist into the command of the selected env (or all), then recompute
    the observations, so that the policy acts on it at once."""
    env = self.env
    command = env.command_manager.get_command(self.command_name)
    ids = slice(None) if self.steer_all.value else self._selected()
    command[ids] = twist
    env.obs_buf = env.observation_manager.compute()
    now = tuple(round(v, 2) for v in command[self._selected()].tolist())
    text = f"steering {'all envs' if self.steer_all.value else f'env {self._selected()}'}: {now}"
    if self.joystick_status.content != text:
      self.joystick_status.content = text
      print(f"[viewer] {text} (the command in the simulation)", flush=True)
    return env.obs_buf

  def _record_signals(self) -> None:
    i = self._selected()
    data = self.robot.data
    command = self.env.command_manager.get_command(self.command_name)[i]
    rewards = self.env.reward_manager.step_reward[i] / self.env.step_dt
    self.history.append(
      (
        self.sim_time,
        *command.tolist(),
        *data.root_link_lin_vel_b[i, :2].tolist(),
        float(data.root_link_ang_vel_b[i, 2]),
        *rewards.tolist(),
      )
    )

  def _record_video(self) -> None:
    if self.record_asked and self.recording is None:
      self.record_asked = False
      stamp = time.strftime("%Y-%m-%d_%H-%M-%S")
      path = self.video_dir / f"viewer_env{self._selected()}_{stamp}.mp4"
      self.recording = (EnvCamera(self.env, self._selected()), [], path)
      self.record_status.content = f"recording env {self._selected()} ..."
    if self.recording is None:
      return
    camera, frames, path = self.recording
    frames.append(camera.frame())
    if len(frames) * self.env.step_dt >= self.record_seconds:
      write_mp4(frames, path, round(1.0 / self.env.step_dt))
      camera.close()
      self.recording = None
      self.record_status.content = f"wrote `{path}`"
      print(f"[viewer] wrote {path}", flush=True)

  def _draw(self) -> None:
    positions, quats = self._geom_poses()
    i = self._selected()
    data = self.robot.data
    trunk = data.root_link_pos_w[i].cpu().numpy()
    with self.server.atomic():
      for k, handle in enumerate(self.geom_handles):
        handle.batched_positions = positions[:, k]
        handle.batched_wxyzs = quats[:, k]
      self.arrows.visible = bool(self.show_arrows.value)
      if self.arrows.visible:
        self.arrows.points = self._velocity_arrows(i, trunk)
      self.contacts.visible = bool(self.show_contacts.value)
      if self.contacts.visible:
        self.contacts.points = self._contact_points()
    if self.track.value:
      for client in self.server.get_clients().values():
        client.camera.look_at = trunk
        client.camera.position = trunk + np.array([-1.2, -1.2, 0.8])

  def _velocity_arrows(self, i: int, trunk: np.ndarray) -> np.ndarray:
    """(2, 2, 3): the commanded planar velocity (turned to the world by the heading) and the
    measured one, from 0.25 m above the trunk."""
    data = self.robot.data
    command = self.env.command_manager.get_command(self.command_name)[i]
    yaw = data.heading_w[i : i + 1]
    zero = torch.zeros_like(yaw)
    turn = quat_from_euler_xyz(zero, zero, yaw)[0]
    cmd_w = quat_apply(turn, torch.cat([command[:2], command.new_zeros(1)])).cpu().numpy()
    measured = data.root_link_lin_vel_w[i].cpu().numpy().copy()
    measured[2] = 0.0
    origin = trunk + np.array([0.0, 0.0, 0.25])
    return np.stack([[origin, origin + cmd_w], [origin, origin + measured]]).astype(np.float32)

  def _contact_points(self) -> np.ndarray:
    """(K, 3): the feet in contact, every env."""
    from trotlab.grading.snapshot import air_time_sensor

    sensor = air_time_sensor(self.env)
    sites = [self.robot.site_names.index(f) for f in FOOT_NAMES]
    feet = self.robot.data.site_pos_w[:, sites]  # (N, 4, 3)
    touching = sensor.data.found > 0
    points = feet[touching].cpu().numpy().astype(np.float32)
    return points if len(points) else np.zeros((1, 3), np.float32) - 100.0

  def _plot(self) -> None:
    if len(self.history) < 2:
      return
    h = np.asarray(self.history, dtype=np.float64)
    t = h[:, 0]
    for k, handle in enumerate(self.plots.values()):
      handle.data = (t, h[:, 1 + k], h[:, 4 + k])
    self.reward_plot.data = (t, *(h[:, 7 + k] for k in range(h.shape[1] - 7)))


def _color(i: int) -> str:
  palette = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2")
  return palette[i % len(palette)] + ("" if i < len(palette) else "99")


def announce(port: int) -> None:
  """Print where the viewer is, and how to reach it from another machine when headless."""
  print(f"[viewer] open http://localhost:{port} in a browser (Ctrl-C here stops)", flush=True)
  if not os.environ.get("DISPLAY"):
    print(
      f"[viewer] on a remote machine: ssh -L {port}:localhost:{port} USER@THIS_MACHINE, then open"
      f" http://localhost:{port} on yours",
      flush=True,
    )
