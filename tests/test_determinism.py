"""Same initial state and actions give identical trajectories; resetting some envs leaves the
others bit-identical; per-env model fields change only their env."""

import torch

from conftest import make_scene

DECIMATION = 4


def actions(step: int, num_envs: int) -> torch.Tensor:
  gen = torch.Generator().manual_seed(step)
  return 0.4 * torch.randn(num_envs, 12, generator=gen)


def rollout(scene, steps: int, on_step=None) -> torch.Tensor:
  robot = scene["robot"]
  default = robot.data.default_joint_pos.clone()
  states = []
  for k in range(steps):
    if on_step is not None:
      on_step(k)
    robot.set_joint_position_target(default + actions(k, scene.num_envs))
    scene.sim.step(DECIMATION)
    scene.update(scene.sim.timestep * DECIMATION)
    states.append(torch.cat((scene.sim.qpos, scene.sim.qvel, scene.sim.sensordata), dim=-1).clone())
  return torch.stack(states)


def test_same_state_and_actions_give_identical_trajectories():
  first = rollout(make_scene(num_envs=6), 60)
  second = rollout(make_scene(num_envs=6), 60)
  assert torch.equal(first, second)
  # The thread count does not change results.
  single_thread = rollout(make_scene(num_envs=6, nthread=1), 60)
  assert torch.equal(first, single_thread)
  assert first[:, :, 2].std() > 0.005, "the robots really moved"


def test_resetting_a_subset_leaves_the_others_bit_identical():
  reference = rollout(make_scene(num_envs=6), 40)
  scene = make_scene(num_envs=6)
  reset_ids = torch.tensor([1, 4])

  def reset_some(k):
    if k == 20:
      scene.reset(reset_ids)

  trajectory = rollout(scene, 40, on_step=reset_some)
  keep = torch.tensor([0, 2, 3, 5])
  assert torch.equal(trajectory[:, keep], reference[:, keep])
  assert not torch.equal(trajectory[20:, reset_ids], reference[20:, reset_ids])
  assert torch.equal(trajectory[:20], reference[:20])


def test_reset_restores_the_default_state_and_sensors():
  scene = make_scene(num_envs=3)
  rollout(scene, 30)
  robot, feet = scene["robot"], scene["feet_ground_contact"]
  scene.reset(torch.tensor([2]))
  fresh = make_scene(num_envs=3)
  torch.testing.assert_close(scene.sim.qpos[2], fresh.sim.qpos[2])
  torch.testing.assert_close(scene.sim.sensordata[2], fresh.sim.sensordata[2], atol=1e-5, rtol=0)
  assert (feet.data.current_contact_time[2] == 0).all()
  assert (feet.data.current_contact_time[0] > 0).any()
  torch.testing.assert_close(robot.data.root_link_pos_w[2], robot.data.default_root_state[2, :3])


def test_per_env_model_field_changes_only_its_env():
  """Foot friction per env (the randomization the velocity task uses)."""
  scene = make_scene(num_envs=3)
  reference = rollout(make_scene(num_envs=3), 30)
  friction = scene.sim.model_field("geom_friction")
  assert friction.shape == (3, scene.sim.mj_model.ngeom, 3)
  foot_geoms = [
    scene.sim.mj_model.geom(f"{leg}_foot_collision").id for leg in ("FR", "FL", "RR", "RL")
  ]
  friction[1, foot_geoms, 0] = 0.05
  trajectory = rollout(scene, 30)
  assert torch.equal(trajectory[:, [0, 2]], reference[:, [0, 2]])
  assert not torch.equal(trajectory[:, 1], reference[:, 1])
  assert scene.sim.mj_model.geom_friction[foot_geoms[0], 0] == 0.6  # shared model unchanged


def test_push_by_setting_root_velocity():
  scene = make_scene(num_envs=2)
  robot = scene["robot"]
  push = torch.tensor([[0.0, 1.5, 0.0, 0.0, 0.0, 0.0]])
  robot.write_root_velocity_to_sim(push, env_ids=[1])
  torch.testing.assert_close(robot.data.root_link_lin_vel_w[1], torch.tensor([0.0, 1.5, 0.0]))
  assert robot.data.root_link_lin_vel_w[0].abs().max() == 0
  for _ in range(5):
    scene.sim.step(DECIMATION)
  assert robot.data.root_link_pos_w[1, 1] - scene.env_origins[1, 1] > 0.05
  assert (robot.data.root_link_pos_w[0, :2] - scene.env_origins[0, :2]).abs().max() < 0.01
