"""EntityData: frames and derived quantities, checked against finite differences and known
orientations."""

import math

import pytest
import torch

from trotlab.utils.math import quat_apply, quat_conjugate, quat_from_euler_xyz, quat_mul

from conftest import make_scene


def root_state(pos, quat, lin_vel_w=(0, 0, 0), ang_vel_w=(0, 0, 0)) -> torch.Tensor:
  return torch.tensor([[*pos, *quat, *lin_vel_w, *ang_vel_w]], dtype=torch.float32)


def euler_quat(roll=0.0, pitch=0.0, yaw=0.0) -> list[float]:
  return quat_from_euler_xyz(torch.tensor(roll), torch.tensor(pitch), torch.tensor(yaw)).tolist()


def quat_log_angle_axis(q: torch.Tensor) -> torch.Tensor:
  """Rotation vector (axis * angle) of a unit quaternion."""
  q = q * torch.sign(q[..., :1])
  sin_half = q[..., 1:].norm(dim=-1, keepdim=True)
  angle = 2 * torch.atan2(sin_half, q[..., :1])
  return q[..., 1:] / sin_half.clamp_min(1e-12) * angle


def test_velocities_agree_with_finite_differences_of_the_pose():
  """A robot thrown high in the air with a yawed and pitched orientation and a tumbling twist:
  MuJoCo integrates positions with the new velocity, so one physics step's pose difference divided
  by dt must equal the velocity after the step, in each frame."""
  scene = make_scene(num_envs=1)
  robot, dt = scene["robot"], scene.sim.timestep
  quat = euler_quat(pitch=0.4, yaw=0.9)
  robot.write_root_state_to_sim(
    root_state((0.3, -0.2, 3.0), quat, (0.8, -0.5, 1.5), (0.7, -1.1, 1.9))
  )
  for _ in range(5):
    pos0 = robot.data.root_link_pos_w.clone()
    quat0 = robot.data.root_link_quat_w.clone()
    scene.sim.step(1)
    pos1, quat1 = robot.data.root_link_pos_w, robot.data.root_link_quat_w
    lin_vel_w_fd = (pos1 - pos0) / dt
    # World-frame rotation over the step: q1 = dq_w * q0; body-frame: q1 = q0 * dq_b.
    ang_vel_w_fd = quat_log_angle_axis(quat_mul(quat1, quat_conjugate(quat0))) / dt
    ang_vel_b_fd = quat_log_angle_axis(quat_mul(quat_conjugate(quat0), quat1)) / dt
    lin_vel_b_fd = quat_apply(quat_conjugate(quat1), lin_vel_w_fd)
    torch.testing.assert_close(robot.data.root_link_lin_vel_w, lin_vel_w_fd, atol=2e-3, rtol=1e-3)
    torch.testing.assert_close(robot.data.root_link_lin_vel_b, lin_vel_b_fd, atol=2e-3, rtol=1e-3)
    torch.testing.assert_close(robot.data.root_link_ang_vel_w, ang_vel_w_fd, atol=2e-3, rtol=1e-3)
    torch.testing.assert_close(robot.data.root_link_ang_vel_b, ang_vel_b_fd, atol=2e-3, rtol=1e-3)
  # The twist is far from trivial: the body and world frame values differ.
  assert (robot.data.root_link_ang_vel_b - robot.data.root_link_ang_vel_w).abs().max() > 0.3


def test_root_state_write_uses_world_frame_angular_velocity():
  scene = make_scene(num_envs=1)
  robot = scene["robot"]
  robot.write_root_state_to_sim(
    root_state((0, 0, 3.0), euler_quat(roll=0.5, yaw=1.0), ang_vel_w=(0.0, 0.0, 2.0))
  )
  torch.testing.assert_close(
    robot.data.root_link_ang_vel_w, torch.tensor([[0.0, 0.0, 2.0]]), atol=1e-5, rtol=0
  )


def test_body_and_site_sensors_describe_the_start_of_the_last_substep():
  """Frame sensors follow MuJoCo's mj_step convention: after a step they hold the state at the
  start of the last physics substep; after a state write, the written state."""
  scene = make_scene(num_envs=1)
  robot = scene["robot"]
  robot.write_root_state_to_sim(root_state((0.0, 0.0, 3.0), euler_quat(yaw=0.3), (1.0, 0.0, 0.0)))
  trunk = robot.find_bodies("trunk")[0][0]
  torch.testing.assert_close(robot.data.body_link_pos_w[:, trunk], robot.data.root_link_pos_w)
  for _ in range(3):
    before = (
      robot.data.root_link_pos_w.clone(),
      robot.data.root_link_quat_w.clone(),
      robot.data.root_link_ang_vel_w.clone(),
    )
    scene.sim.step(1)
    torch.testing.assert_close(robot.data.body_link_pos_w[:, trunk], before[0], atol=1e-6, rtol=0)
    torch.testing.assert_close(robot.data.body_link_quat_w[:, trunk], before[1], atol=1e-6, rtol=0)
    torch.testing.assert_close(
      robot.data.body_link_ang_vel_w[:, trunk], before[2], atol=1e-5, rtol=0
    )
  # The foot sites sit 0.213 m below their knees.
  calf = robot.find_bodies("FR_calf")[0][0]
  site = robot.find_sites("FR")[0][0]
  dist = (robot.data.site_pos_w[:, site] - robot.data.body_link_pos_w[:, calf]).norm(dim=-1)
  torch.testing.assert_close(dist, torch.tensor([0.213]), atol=1e-5, rtol=0)


@pytest.mark.parametrize(
  ("euler", "gravity_b", "heading"),
  [
    ((0.0, 0.0, 0.0), (0.0, 0.0, -1.0), 0.0),
    ((0.0, 0.0, math.pi / 2), (0.0, 0.0, -1.0), math.pi / 2),
    ((0.0, 1.2, 0.0), (math.sin(1.2), 0.0, -math.cos(1.2)), 0.0),  # steep nose-down pitch
    ((math.pi / 2, 0.0, 0.0), (0.0, -1.0, 0.0), 0.0),  # rolled onto the right side
    ((math.pi, 0.0, 0.0), (0.0, 0.0, 1.0), 0.0),  # upside down
    ((0.0, 0.3, -2.5), (math.sin(0.3), 0.0, -math.cos(0.3)), -2.5),  # pitched and yawed
  ],
)
def test_projected_gravity_and_heading(euler, gravity_b, heading):
  scene = make_scene(num_envs=1)
  robot = scene["robot"]
  robot.write_root_state_to_sim(root_state((0, 0, 2.0), euler_quat(*euler)))
  torch.testing.assert_close(
    robot.data.projected_gravity_b, torch.tensor([gravity_b]), atol=1e-5, rtol=0
  )
  torch.testing.assert_close(robot.data.heading_w, torch.tensor([heading]), atol=1e-5, rtol=0)


def test_defaults_limits_and_env_origins():
  scene = make_scene(num_envs=4, env_spacing=3.0)
  data = scene["robot"].data
  assert data.joint_pos.shape == (4, 12) and data.joint_pos.dtype == torch.float32
  torch.testing.assert_close(data.joint_pos, data.default_joint_pos)
  hip = scene["robot"].find_joints(["FL_hip_joint", "FR_hip_joint"], preserve_order=True)[0]
  torch.testing.assert_close(data.default_joint_pos[0, hip], torch.tensor([0.1, -0.1]))
  lower, upper = data.soft_joint_pos_limits[0].unbind(-1)
  hard_lower, hard_upper = data.joint_pos_limits[0].unbind(-1)
  torch.testing.assert_close(upper - lower, 0.9 * (hard_upper - hard_lower))
  xy = data.root_link_pos_w[:, :2]
  assert torch.cdist(xy, xy).add(torch.eye(4) * 10).min() == pytest.approx(3.0)
  torch.testing.assert_close(xy, scene.env_origins[:, :2])
