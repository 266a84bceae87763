"""The warp backend (MuJoCo Warp, here on Warp's CPU device) against the CPU backend (MuJoCo C).

Both start from the same state and get the same PD targets; one env has its own foot friction
(a per-env model field) and the other is reset midway (a state write on a subset of envs).

Tolerances. MuJoCo Warp computes in float32, MuJoCo C in float64; the warp solver's tolerance is
clamped to 1e-6 (C: 1e-8). Over 20 env steps (80 physics steps of 5 ms, contacts opening and
closing) the two agree to 1e-6 in positions and 3e-5 in velocities (measured; printed with -s;
2e-4 rad/s at most over 40 env steps). We allow 1e-4 m / rad on positions and 1e-2 m/s, rad/s on velocities: two
orders of magnitude of margin for other CPUs and compilers, and still far below any physical
difference (a wrong friction, a skipped substep, stale PD targets or a wrong warm-start move the
joints by 1e-2 rad or more within a few steps). Contact "found" flags must agree exactly: both
detect contacts with the same geometry at states 1e-6 apart.

Cost: Warp compiles its kernels for the CPU once (~1 min cold, cached in ~/.cache/warp).
"""

from __future__ import annotations

import pytest
import torch

from trotlab.assets.unitree_go1 import go1_constants
from trotlab.scene import Scene, SceneCfg
from trotlab.sim import SimulationCfg
from trotlab.sim.self_test import POS_ATOL, VEL_ATOL  # --device auto's self-test holds both
from trotlab.sim.warp_backend import contact_capacity

from conftest import FEET_CONTACT

NUM_ENVS = 2
STEPS = 20
DECIMATION = 4
RESET_STEP = 10
FOOT_FRICTION_ENV1 = 0.3


def make(backend: str, **sim_kwargs) -> Scene:
  cfg = SceneCfg(
    num_envs=NUM_ENVS,
    entities={"robot": go1_constants.go1_entity_cfg(full_collision=True)},
    sensors={"feet_ground_contact": FEET_CONTACT},
  )
  if backend == "warp":
    sim_kwargs.setdefault("warp_device", "cpu")
  return Scene(cfg, SimulationCfg(backend=backend, **sim_kwargs))


def make_warp(**sim_kwargs) -> Scene:
  with pytest.warns(UserWarning, match="CPU device"):
    return make("warp", **sim_kwargs)


def targets(scene: Scene, step: int) -> torch.Tensor:
  gen = torch.Generator().manual_seed(step)
  default = scene["robot"].data.default_joint_pos.cpu()
  return (default + 0.4 * torch.randn(NUM_ENVS, 12, generator=gen)).to(scene.device)


def rollout(scene: Scene) -> dict[str, torch.Tensor]:
  robot, feet = scene["robot"], scene["feet_ground_contact"]
  foot_geoms = [robot.geom_model_ids[i] for i in robot.find_geoms(r".*_foot_collision")[0]]
  friction = scene.sim.model_field("geom_friction")
  friction[1, foot_geoms, 0] = FOOT_FRICTION_ENV1
  out: dict[str, list[torch.Tensor]] = {"qpos": [], "qvel": [], "found": [], "feet_z": []}
  for k in range(STEPS):
    if k == RESET_STEP:
      scene.reset(torch.tensor([0]))
      # Sensors right after the write: env 0 at its new state, env 1 untouched.
      out["body_pos_after_reset"] = [robot.data.body_link_pos_w.cpu().clone()]
      out["found_after_reset"] = [feet.data.found.cpu() > 0]
    robot.set_joint_position_target(targets(scene, k))
    scene.sim.step(DECIMATION)
    scene.update(scene.sim.timestep * DECIMATION)
    out["qpos"].append(scene.sim.qpos.cpu().clone())
    out["qvel"].append(scene.sim.qvel.cpu().clone())
    out["found"].append(feet.data.found.cpu() > 0)
    out["feet_z"].append(robot.data.site_pos_w[..., 2].cpu().clone())  # a frame sensor
  return {name: torch.stack(values) for name, values in out.items()}


@pytest.fixture(scope="module")
def trajectories() -> tuple[dict, dict]:
  return rollout(make("cpu")), rollout(make_warp())


def test_joint_and_root_states_agree(trajectories):
  cpu, warp = trajectories
  qpos_err = (cpu["qpos"] - warp["qpos"]).abs()
  qvel_err = (cpu["qvel"] - warp["qvel"]).abs()
  print(f"\nmax |qpos err| {qpos_err.max():.2e}, max |qvel err| {qvel_err.max():.2e}")
  assert cpu["qpos"][:, :, 7:].std(dim=0).min() > 0.01, "every joint really moved"
  # Root position, root quaternion (w x y z), joints.
  for name, cols in (
    ("root pos", slice(0, 3)),
    ("root quat", slice(3, 7)),
    ("joints", slice(7, None)),
  ):
    torch.testing.assert_close(
      warp["qpos"][..., cols], cpu["qpos"][..., cols], atol=POS_ATOL, rtol=0, msg=name
    )
  for name, cols in (("root vel", slice(0, 6)), ("joint vel", slice(6, None))):
    torch.testing.assert_close(
      warp["qvel"][..., cols], cpu["qvel"][..., cols], atol=VEL_ATOL, rtol=0, msg=name
    )
  torch.testing.assert_close(warp["feet_z"], cpu["feet_z"], atol=POS_ATOL, rtol=0)


def test_contact_found_flags_agree(trajectories):
  cpu, warp = trajectories
  assert cpu["found"].any() and not cpu["found"].all(), "feet both touched down and lifted off"
  assert torch.equal(warp["found"], cpu["found"])


def test_sensors_after_a_subset_reset_agree(trajectories):
  """Env 0's sensors describe its written state, env 1's are left as the last step made them."""
  cpu, warp = trajectories
  torch.testing.assert_close(
    warp["body_pos_after_reset"], cpu["body_pos_after_reset"], atol=POS_ATOL, rtol=0
  )
  assert torch.equal(warp["found_after_reset"], cpu["found_after_reset"])


def test_friction_field_and_reset_act_per_env(trajectories):
  """The per-env friction and the reset of env 0 really changed the trajectories (so that the
  agreement above covers them): rerun the warp scene without them and compare."""
  _, warp = trajectories
  plain = make_warp()
  for k in range(STEPS):
    plain["robot"].set_joint_position_target(targets(plain, k))
    plain.sim.step(DECIMATION)
    if k == RESET_STEP:
      qpos_env0 = plain.sim.qpos[0].clone()
    if k == STEPS - 1:
      qpos_env1 = plain.sim.qpos[1].clone()
  assert (qpos_env0 - warp["qpos"][RESET_STEP, 0]).abs().max() > 1e-2
  assert (qpos_env1 - warp["qpos"][-1, 1]).abs().max() > 1e-3


def test_contact_buffer_overflow_names_the_setting():
  scene = make_warp(nconmax=1)
  with pytest.raises(RuntimeError, match=r"raise SimulationCfg\.nconmax"):
    for _ in range(3):
      scene.sim.step(DECIMATION)


def test_contact_capacity_bounds_the_go1():
  scene = make("cpu")
  nconmax, njmax = contact_capacity(scene.sim.mj_model)
  # 18 robot collision geoms against the floor (capsules 2, cylinders 4, spheres 1, boxes 4)
  # plus robot self-pairs; pyramidal condim-3 contacts take 4 rows each, 12 joint limits 1.
  assert 30 <= nconmax <= 100
  assert njmax >= 4 * nconmax + 12


def test_full_task_runs_on_the_warp_backend(capsys):
  """The GPU benchmark's path (the velocity task's env, reference MDP, friction randomization,
  resets, pushes) on Warp's CPU device: the managers only see the Simulation's tensors."""
  from bench.gpu import GpuBench, run_gpu_bench

  with pytest.warns(UserWarning, match="CPU device"):
    results = run_gpu_bench(GpuBench(device="cpu", num_envs=(3,), warmup=1, steps=2, repeats=1))
  assert results[3]["full_task"] > 0 and results[3]["physics_only"] > 0
  assert "3 envs: full task" in capsys.readouterr().out


def test_env_model_and_data_carry_the_per_env_fields():
  """What play's viewer and video render: one env's MjModel/MjData, per-env friction included."""
  scene = make_warp()
  foot = scene.sim.mj_model.geom("FL_foot_collision").id
  scene.sim.model_field("geom_friction")[1, foot, 0] = FOOT_FRICTION_ENV1
  scene.sim.step(DECIMATION)
  model, data = scene.sim.env_model_and_data(1)
  assert model.geom_friction[foot, 0] == pytest.approx(FOOT_FRICTION_ENV1)
  assert scene.sim.mj_model.geom_friction[foot, 0] != pytest.approx(FOOT_FRICTION_ENV1)
  torch.testing.assert_close(torch.from_numpy(data.qpos).float(), scene.sim.qpos[1])


def test_physics_state_round_trip():
  """Simulation.physics_state / write_physics_state on the warp backend: the same keys and
  shapes as on the cpu backend, written back exactly, and stepping again from a written-back
  state repeats the steps (Warp's CPU device runs its kernels in a fixed order)."""
  scene = make_warp()
  robot = scene["robot"]
  robot.set_joint_position_target(targets(scene, 0))
  scene.sim.step(DECIMATION)
  saved = scene.sim.physics_state()
  cpu = make("cpu").sim.physics_state()
  assert {k: (v.shape, v.dtype) for k, v in saved.items()} == {
    k: (v.shape, v.dtype) for k, v in cpu.items()
  }

  def two_steps() -> torch.Tensor:
    for k in (1, 2):
      robot.set_joint_position_target(targets(scene, k))
      scene.sim.step(DECIMATION)
    return torch.cat((scene.sim.qpos, scene.sim.qvel), dim=-1).clone()

  first = two_steps()
  scene.sim.write_physics_state(saved)
  assert all((scene.sim.physics_state()[k] == saved[k]).all() for k in saved)
  assert torch.equal(two_steps(), first)


def test_graph_replay_matches_plain_launches(trajectories):
  """The CUDA path replays each env step's substeps as a captured graph, re-captured when a
  model field is swapped. Warp also captures graphs on its CPU device, so the same code runs
  here: the rollout (friction change, subset reset, sensor flag toggles) must equal the plain
  launches bit for bit."""
  scene = make_warp()
  backend = scene.sim._backend  # this test is about the backend's graph replay itself
  backend._use_graph = True  # what a CUDA device with a memory pool turns on
  graphed = rollout(scene)
  assert backend._graphs, "the substeps were captured"
  _, plain = trajectories
  for key in ("qpos", "qvel", "feet_z", "body_pos_after_reset"):
    assert torch.equal(graphed[key], plain[key]), key
  assert torch.equal(graphed["found"], plain["found"])
