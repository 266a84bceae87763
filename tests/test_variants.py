"""The calibration's broken variants are wired: each one's edits apply to the reference, and the
task env built with it makes exactly its mistake (4 envs after a few random steps: yawed robots
that move, with commands)."""

from __future__ import annotations

import math

import pytest
import torch

from autograder.variants import VARIANTS, write_variant
from trotlab.envs import ManagerBasedRlEnv
from trotlab.tasks import get_task
from trotlab.tasks.velocity.mdp import load_mdp, resolve_mdp_dir

TASK = "Mjlab-Velocity-Flat-Unitree-Go1"
NUM_ENVS = 4


@pytest.fixture(scope="module")
def envs(tmp_path_factory):
  """variant name -> the training env built with that variant's MDP, stepped 3 times with the
  same random actions from the same seed."""
  built = {}
  for name in VARIANTS:
    mdp = load_mdp(str(write_variant(name, tmp_path_factory.mktemp(name))))
    cfg = get_task(TASK).env_cfg(play=False, device="cpu", mdp=mdp)
    cfg.scene.num_envs = NUM_ENVS
    cfg.seed = 3
    torch.manual_seed(3)
    env = ManagerBasedRlEnv(cfg, verbose=False)
    for _ in range(3):
      env.step(0.3 * torch.randn(NUM_ENVS, 12))
    built[name] = env
  return built


def term(env, kind: str, name: str):
  """Call the env's own term ``name`` (its config holds the variant's function)."""
  cfg = getattr(env.cfg, kind)
  if kind == "observations":
    cfg = cfg["actor"].terms
  return cfg[name].func(env, **cfg[name].params)


def tracking_rewards(env, sign: float, frame: str = "b") -> tuple[torch.Tensor, torch.Tensor]:
  """R1 and R2 as the reference computes them, with ``command - sign * measured``, the linear
  velocity in ``frame`` and the task's std of each term."""
  data, command = env.scene["robot"].data, env.command_manager.get_command("twist")
  v, w = getattr(data, f"root_link_lin_vel_{frame}"), data.root_link_ang_vel_b
  std_lin = env.cfg.rewards["track_linear_velocity"].params["std"]
  std_yaw = env.cfg.rewards["track_angular_velocity"].params["std"]
  lin = torch.sum(torch.square(command[:, :2] - sign * v[:, :2]), dim=1) + v[:, 2] ** 2
  yaw = torch.square(command[:, 2] - sign * w[:, 2])
  return torch.exp(-lin / std_lin**2), torch.exp(-yaw / std_yaw**2)


def test_every_variant_applies_and_unknown_names_are_refused(tmp_path):
  for name, variant in VARIANTS.items():
    folder = write_variant(name, tmp_path / name)
    changed = {
      path.name
      for path in folder.glob("*.py")
      if path.read_text() != (resolve_mdp_dir("solutions") / path.name).read_text()
    }
    assert changed == {edit.file for edit in variant.edits}, name
  with pytest.raises(KeyError):
    write_variant("no_such_variant", tmp_path / "x")


def test_the_reference_is_what_the_variants_break(envs):
  env = envs["reference"]
  data = env.scene["robot"].data
  assert env.command_manager.get_command("twist").abs().sum() > 0
  r1, r2 = tracking_rewards(env, 1.0)
  torch.testing.assert_close(term(env, "rewards", "track_linear_velocity"), r1)
  torch.testing.assert_close(term(env, "rewards", "track_angular_velocity"), r2)
  torch.testing.assert_close(term(env, "observations", "base_lin_vel"), data.root_link_lin_vel_b)
  # The robots are yawed and moving: body and world frame differ, so the frame variants do too.
  assert not torch.allclose(data.root_link_lin_vel_w[:, :2], data.root_link_lin_vel_b[:, :2])


def test_no_tracking_and_sign_variants(envs):
  zeros = torch.zeros(NUM_ENVS)
  env = envs["no_tracking"]
  assert torch.equal(term(env, "rewards", "track_linear_velocity"), zeros)
  assert torch.equal(term(env, "rewards", "track_angular_velocity"), zeros)
  env = envs["tracking_sign"]
  r1, r2 = tracking_rewards(env, -1.0)
  torch.testing.assert_close(term(env, "rewards", "track_linear_velocity"), r1)
  torch.testing.assert_close(term(env, "rewards", "track_angular_velocity"), r2)


def test_world_frame_variants(envs):
  env = envs["reward_world_frame"]
  r1, r2 = tracking_rewards(env, 1.0, frame="w")
  torch.testing.assert_close(term(env, "rewards", "track_linear_velocity"), r1)
  torch.testing.assert_close(term(env, "rewards", "track_angular_velocity"), r2)
  env = envs["obs_world_frame"]
  data = env.scene["robot"].data
  torch.testing.assert_close(term(env, "observations", "base_lin_vel"), data.root_link_lin_vel_w)
  torch.testing.assert_close(term(env, "observations", "base_ang_vel"), data.root_link_ang_vel_w)


def test_contact_always_fires(envs):
  """Robots that stand on their feet: the reference's T3 does not fire, the variant's does.
  (Before test_tilt_never_fires, which rolls the robots over.)"""
  for name, fires in (("reference", False), ("contact_always_fires", True)):
    env = envs[name]
    assert term(env, "terminations", "illegal_contact").tolist() == [fires] * NUM_ENVS, name


def test_tilt_never_fires(envs):
  for name, fires in (("reference", True), ("tilt_never_fires", False)):
    env = envs[name]
    robot = env.scene["robot"]
    pose = (robot.data.root_link_pos_w, robot.data.root_link_quat_w, torch.zeros(NUM_ENVS, 6))
    state = torch.cat(pose, dim=1)
    state[:, 3:7] = torch.tensor([math.cos(math.pi / 4), math.sin(math.pi / 4), 0.0, 0.0])
    robot.write_root_state_to_sim(state)  # rolled 90 degrees
    env.scene.update(dt=0.0)
    assert term(env, "terminations", "fell_over").tolist() == [fires] * NUM_ENVS, name


def test_commands_never_resampled(envs):
  """The drawn twists never land; only heading envs get a yaw rate (from their heading)."""
  term = envs["commands_never_resampled"].command_manager.get_term("twist")
  command = term.command
  assert torch.equal(command[:, :2], torch.zeros(NUM_ENVS, 2))
  assert torch.equal(
    command[~term.is_heading_env, 2], torch.zeros(int((~term.is_heading_env).sum()))
  )
