"""Simulation benchmarks: sim (full path vs physics only), backends, stand.

``sim`` measures, in one run and interleaved so both see the same machine load:
  physics-only  mujoco.rollout.Rollout on the same MJCF and actuators, without the sensors the
                scene adds and without any Python-side work (the floor under the full path);
  full path     Scene: set PD targets -> Simulation.step (decimation substeps on the CPU
                backend) -> sensor refresh and air-time update -> reading the EntityData fields
                the observations use;
and prints env-steps/s of each (median over repeats) and their ratio.
"""

from __future__ import annotations

import dataclasses
import math
import statistics
import time

import mujoco
import mujoco.batch
import mujoco.rollout
import numpy as np
import torch

from trotlab.assets.unitree_go1 import go1_constants
from trotlab.entity.config import EntityCfg
from trotlab.scene import Scene, SceneCfg, TerrainCfg
from trotlab.scene.terrain import Terrain
from trotlab.sensors.contact_sensor import ContactMatch, ContactSensorCfg
from trotlab.sim import SimulationCfg
from trotlab.sim.config import usable_cores


@dataclasses.dataclass
class SimBench:
  """Env-steps/s of physics alone versus the full Simulation + EntityData + sensors path."""

  num_envs: int = 4096
  decimation: int = 4
  """Physics substeps per env step."""
  steps: int = 10
  """Env steps per timed repeat."""
  repeats: int = 7
  nthread: int | None = None
  """Threads; None uses every usable core."""


def go1_bench_scene_cfg(num_envs: int) -> SceneCfg:
  """The Go1 with the sensors the velocity task uses (feet-ground contacts with air time)."""
  return SceneCfg(
    num_envs=num_envs,
    entities={"robot": go1_constants.go1_entity_cfg()},
    sensors={
      "feet_ground_contact": ContactSensorCfg(
        primary=ContactMatch(mode="geom", pattern=r".*_foot_collision", entity="robot"),
        secondary=ContactMatch(mode="body", pattern="terrain"),
        track_air_time=True,
      )
    },
  )


def gait_targets(default: torch.Tensor, step: int, dt: float) -> torch.Tensor:
  """Stand pose plus a 2 Hz swing per joint, phase-shifted per env, so that legs move and
  contacts open and close (a standing robot would make physics unrealistically cheap)."""
  num_envs, num_joints = default.shape
  phase = torch.arange(num_envs).unsqueeze(1) * 0.37 + torch.arange(num_joints) * 1.3
  return default + 0.3 * torch.sin(2 * torch.pi * 2.0 * step * dt + phase)


def physics_only_model(sim_cfg: SimulationCfg) -> mujoco.MjModel:
  """The Go1 on the flat plane, compiled with ``sim_cfg``'s options and without the sensors
  the scene adds: the physics-only floor of the sim bench."""
  spec = go1_constants.go1_entity_cfg().build_spec()
  Terrain(TerrainCfg()).add_to_spec(spec)
  sim_cfg.apply(spec)
  return spec.compile()


def run_sim_bench(cfg: SimBench) -> dict[str, float]:
  """Time physics only (mujoco.rollout) and the full Scene path, interleaved; print and return
  the median env-steps/s of each and full / physics (keys physics_only, full_path, ratio)."""
  nthread = cfg.nthread or usable_cores()
  sim_cfg = SimulationCfg(nthread=nthread)
  dt = sim_cfg.timestep * cfg.decimation
  print(
    f"trotlab sim bench: Go1, {cfg.num_envs} envs, {nthread} threads, decimation {cfg.decimation}"
  )

  # Full path.
  scene = Scene(go1_bench_scene_cfg(cfg.num_envs), sim_cfg)
  robot = scene["robot"]
  contacts = scene["feet_ground_contact"]
  default = robot.data.default_joint_pos.clone()
  targets = [gait_targets(default, k, dt) for k in range(cfg.steps)]  # the same for both paths

  def full_steps() -> None:
    """One repeat of the full path: ``cfg.steps`` env steps, reading what the observations use."""
    for k in range(cfg.steps):
      robot.set_joint_position_target(targets[k])
      scene.sim.step(cfg.decimation)
      scene.update(dt)
      d = robot.data  # what the observations and rewards read every step
      _ = (d.root_link_lin_vel_b, d.root_link_ang_vel_b, d.projected_gravity_b, d.joint_pos)
      _ = (d.joint_vel, d.site_pos_w, d.site_lin_vel_w, contacts.compute_first_contact(dt))

  # Physics only: same MJCF and actuators, no scene sensors, no Python work between calls but
  # handing the final state back as the next initial state.
  model = physics_only_model(sim_cfg)
  data = mujoco.MjData(model)
  state_spec = mujoco.mjtState.mjSTATE_FULLPHYSICS
  nstate = mujoco.mj_stateSize(model, state_spec)
  state0 = np.empty((cfg.num_envs, nstate))
  qpos_cols = slice(1, 1 + model.nq)
  data.qpos[:] = scene.sim.qpos[0].double().numpy()
  row = np.empty(nstate)
  mujoco.mj_getState(model, data, row, state_spec)
  state0[:] = row
  state0[:, qpos_cols] = scene.sim.qpos.double().numpy()
  states = np.empty((cfg.num_envs, cfg.decimation, nstate))
  controls = [np.repeat(t.double().numpy()[:, None, :], cfg.decimation, axis=1) for t in targets]
  models, datas = [model] * cfg.num_envs, [mujoco.MjData(model) for _ in range(nthread)]
  pool = mujoco.rollout.Rollout(nthread=nthread)

  def physics_steps() -> None:
    """One repeat of physics only: ``cfg.steps`` rollouts of ``cfg.decimation`` substeps, each
    starting from the previous one's final state."""
    for k in range(cfg.steps):
      pool.rollout(
        models, datas, state0, controls[k], state=states, skip_checks=True, nstep=cfg.decimation
      )
      np.copyto(state0, states[:, -1])

  timings: dict[str, list[float]] = {"physics_only": [], "full_path": []}
  physics_steps(), full_steps()  # warm up both
  for _ in range(cfg.repeats):
    for name, fn in (("physics_only", physics_steps), ("full_path", full_steps)):
      start = time.perf_counter()
      fn()
      timings[name].append(cfg.num_envs * cfg.steps / (time.perf_counter() - start))
  pool.close()

  physics = statistics.median(timings["physics_only"])
  full = statistics.median(timings["full_path"])
  print(f"physics-only (mujoco.rollout, no scene sensors): {physics:,.0f} env-steps/s")
  print(f"full path (Simulation + EntityData + sensors):   {full:,.0f} env-steps/s")
  print(f"ratio: {full / physics:.2f}")
  return {"physics_only": physics, "full_path": full, "ratio": full / physics}


@dataclasses.dataclass
class BackendsBench:
  """Env-steps/s of MuJoCo's two C++ thread pools on the Go1 scene (why the CPU backend uses
  mujoco.batch): Rollout without and with the scene's sensors, and Batch computing sensors on
  every substep (+ position/velocity stages at the new state) or only on the last substep."""

  num_envs: int = 4096
  decimation: int = 4
  steps: int = 10
  repeats: int = 5
  nthread: int | None = None


def run_backends_bench(cfg: BackendsBench) -> dict[str, float]:
  """Time the four runners BackendsBench describes, interleaved; print and return the median
  env-steps/s of each, keyed by runner name."""
  nthread = cfg.nthread or usable_cores()
  sim_cfg = SimulationCfg(nthread=nthread)
  dt = sim_cfg.timestep * cfg.decimation
  scene = Scene(go1_bench_scene_cfg(cfg.num_envs), sim_cfg)
  default = scene["robot"].data.default_joint_pos.clone()
  targets = [gait_targets(default, k, dt).double().numpy() for k in range(cfg.steps)]
  qpos0 = scene.sim.qpos.double().numpy()
  print(f"backends bench: Go1, {cfg.num_envs} envs, {nthread} threads, decimation {cfg.decimation}")

  def rollout_runner(model: mujoco.MjModel):
    """A closure stepping ``model`` with mujoco.rollout from the scene's initial qpos, recording
    sensordata on every substep."""
    state_spec = mujoco.mjtState.mjSTATE_FULLPHYSICS
    data = mujoco.MjData(model)
    row = np.empty(mujoco.mj_stateSize(model, state_spec))
    mujoco.mj_getState(model, data, row, state_spec)
    state0 = np.repeat(row[None], cfg.num_envs, axis=0)
    state0[:, 1 : 1 + model.nq] = qpos0
    states = np.empty((cfg.num_envs, cfg.decimation, row.size))
    sensordata = np.empty((cfg.num_envs, cfg.decimation, model.nsensordata))
    controls = [np.repeat(t[:, None], cfg.decimation, axis=1) for t in targets]
    models, datas = [model] * cfg.num_envs, [mujoco.MjData(model) for _ in range(nthread)]
    pool = mujoco.rollout.Rollout(nthread=nthread)

    def run() -> None:
      """One repeat: ``cfg.steps`` rollouts of ``cfg.decimation`` substeps, each starting from the
      previous one's final state."""
      for k in range(cfg.steps):
        pool.rollout(
          models,
          datas,
          state0,
          controls[k],
          state=states,
          sensordata=sensordata,
          skip_checks=True,
          nstep=cfg.decimation,
        )
        np.copyto(state0, states[:, -1])

    return run

  def batch_runner(model: mujoco.MjModel, sensors_every_substep: bool):
    """A closure stepping ``model`` with mujoco.batch from the scene's initial qpos, computing
    sensors on every substep (with the VEL stage) or only on the last substep."""
    batch = mujoco.batch.Batch(model, nsim=cfg.num_envs, nthread=nthread)
    batch.reset()
    batch.bind("qpos")[:] = qpos0
    ctrl, _ = batch.bind("ctrl"), batch.bind("sensordata")
    flags = batch.expand("opt.disableflags")
    no_sensors = flags | int(mujoco.mjtDisableBit.mjDSBL_SENSOR)
    on = flags.copy()

    def run() -> None:
      """One repeat: ``cfg.steps`` env steps of ``cfg.decimation`` substeps each."""
      for k in range(cfg.steps):
        ctrl[:] = targets[k]
        if sensors_every_substep:
          batch.step(nstep=cfg.decimation, stage=mujoco.mjtStage.mjSTAGE_VEL.value)
        else:
          flags[:] = no_sensors
          batch.step(nstep=cfg.decimation - 1)
          flags[:] = on
          batch.step(nstep=1)

    return run

  runners = {
    "rollout, bare model": rollout_runner(physics_only_model(sim_cfg)),
    "rollout, scene sensors": rollout_runner(scene.sim.mj_model),
    "batch, sensors every substep + VEL stage": batch_runner(scene.sim.mj_model, True),
    "batch, sensors on the last substep (ours)": batch_runner(scene.sim.mj_model, False),
  }
  timings: dict[str, list[float]] = {name: [] for name in runners}
  for run in runners.values():
    run()  # warm up
  for _ in range(cfg.repeats):
    for name, run in runners.items():
      start = time.perf_counter()
      run()
      timings[name].append(cfg.num_envs * cfg.steps / (time.perf_counter() - start))
  medians = {name: statistics.median(values) for name, values in timings.items()}
  for name, value in medians.items():
    print(f"{name:45s} {value:>9,.0f} env-steps/s")
  return medians


@dataclasses.dataclass
class StandBench:
  """Trunk height of a Go1 holding the stand pose with PD gains designed for each natural
  frequency (damping ratio 2), from the stand height 0.278 m."""

  frequencies_hz: tuple[float, ...] = (10.0, 20.0)
  seconds: float = 5.0


def go1_with_pd_frequency(hz: float) -> EntityCfg:
  """The Go1 entity with PD gains designed for natural frequency ``hz`` and the kit's damping
  ratio: kp = J w^2, kd = 2 zeta J w with J the joint's armature (instructor code: the
  notebook's N2 asks students for this formula, so the released kit holds only its results)."""
  w = 2 * math.pi * hz
  actuators = []
  for act in (go1_constants.HIP_ACTUATOR, go1_constants.KNEE_ACTUATOR):
    kp = act.armature * w**2
    kd = 2.0 * go1_constants.DAMPING_RATIO * act.armature * w
    actuators.append(dataclasses.replace(act, stiffness=kp, damping=kd))
  return dataclasses.replace(go1_constants.go1_entity_cfg(), actuators=tuple(actuators))


def run_stand_bench(cfg: StandBench) -> None:
  """For each frequency, let one Go1 stand for ``cfg.seconds`` and print its trunk height (root
  link z, world frame) [m] at 0.5, 1 and 2 s and at the end, and the lowest."""
  for hz in cfg.frequencies_hz:
    entity = go1_with_pd_frequency(hz)
    scene = Scene(SceneCfg(num_envs=1, entities={"robot": entity}))
    robot = scene["robot"]
    heights = []
    for _ in range(round(cfg.seconds / 0.02)):
      scene.sim.step(4)
      heights.append(robot.data.root_link_pos_w[0, 2].item())
    marks = {t: heights[round(t / 0.02) - 1] for t in (0.5, 1.0, 2.0, cfg.seconds)}
    shown = ", ".join(f"{t:g} s: {z:.3f} m" for t, z in marks.items())
    print(
      f"{hz:g} Hz (knee kp {entity.actuators[1].stiffness:.1f}): {shown}; lowest {min(heights):.3f} m"
    )
