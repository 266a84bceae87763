"""The manager-based env with the reference MDP: build, step, rewards, terminations, noise,
term validation."""

import dataclasses
import math

import pytest
import torch

from trotlab.envs import ManagerBasedRlEnv
from trotlab.managers import ObservationTermCfg, RewardTermCfg, SceneEntityCfg, TermConfigError
from trotlab.tasks import get_task
from trotlab.tasks.velocity.mdp import MDP_FILES, Mdp, load_mdp, resolve_mdp_dir
from trotlab.utils.math import quat_from_euler_xyz

TASK = "Mjlab-Velocity-Flat-Unitree-Go1"
mdp = load_mdp("solutions")


def make_env(num_envs: int = 8, play: bool = False, **overrides) -> ManagerBasedRlEnv:
  cfg = get_task(TASK).env_cfg(play=play, device="cpu", mdp=mdp)
  cfg.scene.num_envs = num_envs
  cfg.seed = 0
  for key, value in overrides.items():
    setattr(cfg, key, value)
  return ManagerBasedRlEnv(cfg, verbose=False)


def test_env_builds_and_steps_with_the_reference_mdp():
  env = make_env()
  assert mdp.source == "solutions"
  assert mdp.track_linear_velocity.__module__ == "solutions.velocity.mdp.rewards"
  assert env.cfg.rewards["track_linear_velocity"].func is mdp.track_linear_velocity
  obs = env.reset()
  assert obs["actor"].shape == (8, 48) and obs["critic"].shape == (8, 72)
  for _ in range(20):
    obs, reward, terminated, truncated, extras = env.step(torch.zeros(8, 12))
  assert reward.shape == (8,) and reward.dtype == torch.float32
  assert terminated.dtype == torch.bool and truncated.shape == (8,)
  assert torch.isfinite(obs["actor"]).all() and torch.isfinite(obs["critic"]).all()
  assert env.common_step_counter == 20 and (env.episode_length_buf == 20).all()


def test_reward_is_the_weighted_sum_of_terms_times_dt():
  env = make_env(num_envs=4)
  env.step(0.3 * torch.randn(4, 12))
  manager = env.reward_manager
  # Recompute after the next step from the terms themselves.
  _, reward, *_ = env.step(0.3 * torch.randn(4, 12))
  expected = manager._step_reward.sum(dim=1)
  torch.testing.assert_close(reward, expected)
  # And one term by hand: the weighted, dt-scaled linear tracking term.
  i = manager.active_terms.index("track_linear_velocity")
  term = manager._terms["track_linear_velocity"]
  by_hand = term.fn(env, **term.params) * term.cfg.weight * env.step_dt
  torch.testing.assert_close(manager._step_reward[:, i], by_hand)
  assert len(manager.active_terms) == 10


def test_terminated_and_time_out_envs_are_reset_and_reported():
  env = make_env(num_envs=4)
  env.reset()
  robot = env.scene["robot"]
  # env 0 reaches its time limit on the next step; env 1 is upside down.
  env.episode_length_buf[0] = env.max_episode_length - 1
  state = robot.data.root_link_pose_w[1:2].clone()
  state[:, 2] = 0.4
  state[:, 3:7] = quat_from_euler_xyz(
    torch.tensor([math.pi]), torch.tensor([0.0]), torch.tensor([0.0])
  )
  robot.write_root_state_to_sim(torch.cat((state, torch.zeros(1, 6)), dim=1), env_ids=[1])
  _, _, terminated, truncated, extras = env.step(torch.zeros(4, 12))
  assert truncated.tolist() == [True, False, False, False]
  assert terminated.tolist() == [False, True, False, False]
  assert env.episode_length_buf[:2].tolist() == [0, 0]
  assert env.episode_length_buf[2:].tolist() == [1, 1], "the other envs keep running"
  log = extras["log"]
  assert log["Episode_Termination/time_out"] == 1 and log["Episode_Termination/fell_over"] == 1
  assert robot.data.projected_gravity_b[1, 2] < -0.9, "env 1 was reset upright"
  assert any(key.startswith("Episode_Reward/") for key in log)


def test_observation_noise_only_with_corruption():
  env = make_env(num_envs=4)
  first = env.observation_manager.compute()
  second = env.observation_manager.compute()
  assert not torch.equal(first["actor"], second["actor"]), "actor obs are noisy in training"
  torch.testing.assert_close(first["critic"], second["critic"])
  play = make_env(num_envs=4, play=True)
  a, b = play.observation_manager.compute(), play.observation_manager.compute()
  torch.testing.assert_close(a["actor"], b["actor"])
  assert "push" not in play.cfg.events and "time_out" not in play.cfg.terminations


def test_a_param_typo_fails_at_build_naming_term_and_param():
  cfg = get_task(TASK).env_cfg(play=False, device="cpu", mdp=mdp)
  cfg.scene.num_envs = 2
  cfg.rewards["track_linear_velocity"] = dataclasses.replace(
    cfg.rewards["track_linear_velocity"], params={"stdd": 0.5, "command_name": "twist"}
  )
  with pytest.raises(
    TermConfigError, match=r"Reward term 'track_linear_velocity'.*unknown parameter\(s\) \['stdd'\]"
  ):
    ManagerBasedRlEnv(cfg, verbose=False)


def test_build_errors_for_missing_params_bad_entities_and_non_callables():
  cfg = get_task(TASK).env_cfg(play=False, device="cpu", mdp=mdp)
  cfg.scene.num_envs = 2
  cfg.rewards = {
    "x": RewardTermCfg(func=mdp.track_linear_velocity, weight=1.0, params={"std": 0.5})
  }
  with pytest.raises(TermConfigError, match=r"'x'.*missing parameter\(s\) \['command_name'\]"):
    ManagerBasedRlEnv(cfg, verbose=False)
  cfg.rewards = {
    "x": RewardTermCfg(
      func=mdp.joint_pos_limits, weight=1.0, params={"asset_cfg": SceneEntityCfg("robott")}
    )
  }
  with pytest.raises(TermConfigError, match=r"'x', param 'asset_cfg'.*'robott'"):
    ManagerBasedRlEnv(cfg, verbose=False)
  cfg.rewards = {"x": RewardTermCfg(func="track_linear_velocity", weight=1.0)}
  with pytest.raises(TermConfigError, match=r"'x': func must be a function or a class"):
    ManagerBasedRlEnv(cfg, verbose=False)


def test_a_term_with_the_wrong_shape_is_caught_at_its_first_call():
  cfg = get_task(TASK).env_cfg(play=False, device="cpu", mdp=mdp)
  cfg.scene.num_envs = 2
  cfg.observations["actor"].terms["bad"] = ObservationTermCfg(
    func=lambda env: torch.zeros(env.num_envs)
  )
  with pytest.raises(
    ValueError, match=r"Observation term 'bad'.*shape \(2,\); expected \(num_envs, d\)"
  ):
    ManagerBasedRlEnv(cfg, verbose=False)
  cfg.observations["actor"].terms["bad"] = ObservationTermCfg(
    func=lambda env: torch.full((env.num_envs, 1), float("nan"))
  )
  with pytest.raises(ValueError, match=r"'bad'.*NaN or inf"):
    ManagerBasedRlEnv(cfg, verbose=False)


def test_action_scale_offset_and_shape_check():
  env = make_env(num_envs=2)
  term = env.action_manager.get_term("joint_pos")
  action = torch.ones(2, 12)
  env.step(action)
  expected = env.scene["robot"].data.default_joint_pos + term.scale * action
  torch.testing.assert_close(term.processed_action, expected)
  torch.testing.assert_close(env.sim.ctrl, expected)
  calf = env.scene["robot"].find_joints(".*_calf_joint")[0]
  assert term.scale[calf[0]].item() == pytest.approx(0.25 * 35.55 / 35.764, rel=1e-3)
  env.step(2 * action)
  torch.testing.assert_close(env.action_manager.prev_action, action)
  with pytest.raises(ValueError, match=r"Action must have shape \(2, 12\)"):
    env.step(torch.zeros(2, 11))


def copy_reference(folder):
  folder.mkdir(parents=True, exist_ok=True)
  for name in MDP_FILES:
    (folder / f"{name}.py").write_text((resolve_mdp_dir("solutions") / f"{name}.py").read_text())
  return folder


def test_load_mdp_returns_the_terms_of_each_source(tmp_path):
  student, folder = load_mdp("student"), load_mdp(str(copy_reference(tmp_path / "sub")))
  assert isinstance(mdp, Mdp) and mdp.folder == resolve_mdp_dir("solutions")
  assert student.source == "student" and student.folder == resolve_mdp_dir("student")
  assert student.track_linear_velocity.__module__ == "trotlab.tasks.velocity.mdp.rewards"
  assert folder.folder == tmp_path / "sub" and folder.source == str(tmp_path / "sub")
  assert folder.track_linear_velocity.__module__.startswith("trotlab_mdp_")
  assert folder.track_linear_velocity.__code__.co_filename == str(tmp_path / "sub" / "rewards.py")
  # Generic terms are shared; the five files' terms are each source's own.
  assert student.time_out is mdp.time_out is folder.time_out
  assert len({id(m.track_linear_velocity) for m in (student, mdp, folder)}) == 3
  # the folder holds the five files only: the second assignment's terms are missing, and say so
  later = set(mdp.modules["terrain"].__all__)
  assert set(student.terms) == set(mdp.terms) == set(folder.terms) | later
  with pytest.raises(AttributeError, match="no terrain.py, the second assignment's file"):
    _ = folder.height_scan
  assert load_mdp("solutions").track_linear_velocity is mdp.track_linear_velocity
  with pytest.raises(AttributeError, match="'track_velocity' is not a term of the MDP from 'st"):
    _ = student.track_velocity
  with pytest.raises(dataclasses.FrozenInstanceError):
    student.source = "solutions"


def test_configs_keep_the_terms_they_were_built_with(tmp_path):
  """Building a config with one MDP changes nothing in a config built with another."""
  task = get_task(TASK)
  reference_cfg = task.env_cfg(play=False, device="cpu", mdp=mdp)
  edited = copy_reference(tmp_path / "edited")
  rewards = edited / "rewards.py"
  rewards.write_text(rewards.read_text() + "\n\nMARK = 1\n")
  other = load_mdp(str(edited))
  other_cfg = task.env_cfg(play=True, device="cpu", mdp=other)
  student_cfg = task.env_cfg(play=False, device="cpu")  # the default: the student's files
  for cfg, source in ((reference_cfg, mdp), (other_cfg, other), (student_cfg, load_mdp("student"))):
    assert cfg.rewards["track_linear_velocity"].func is source.track_linear_velocity
    assert cfg.terminations["fell_over"].func is source.bad_orientation
    assert isinstance(cfg.commands["twist"], source.UniformVelocityCommandCfg)
    assert cfg.curriculum.get("command_ranges") is None or (
      cfg.curriculum["command_ranges"].func is source.commands_vel
    )
  assert other.modules["rewards"].MARK == 1 and not hasattr(mdp.modules["rewards"], "MARK")
  assert reference_cfg.rewards["track_linear_velocity"].func.__module__ == (
    "solutions.velocity.mdp.rewards"
  )
  env = ManagerBasedRlEnv(dataclasses.replace(reference_cfg, seed=0), verbose=False)
  assert env.reward_manager._terms["track_linear_velocity"].fn is mdp.track_linear_velocity


def test_a_missing_folder_or_file_is_a_clear_error(tmp_path, monkeypatch):
  with pytest.raises(FileNotFoundError, match="--mdp .*missing: no such folder"):
    load_mdp(str(tmp_path / "missing"))
  copy_reference(tmp_path)
  (tmp_path / "curriculums.py").unlink()
  with pytest.raises(FileNotFoundError, match=r"curriculums.py is missing \(every MDP folder"):
    load_mdp(str(tmp_path))
  # A student's kit: no package solutions.velocity.mdp to find.
  import importlib.util

  find_spec = importlib.util.find_spec

  def no_solutions(name, *args):
    if name.startswith("solutions"):
      raise ModuleNotFoundError(f"No module named {name!r}")
    return find_spec(name, *args)

  monkeypatch.setattr(importlib.util, "find_spec", no_solutions)
  with pytest.raises(FileNotFoundError) as absent:
    load_mdp("solutions")
  message = str(absent.value)
  assert message.startswith("--mdp solutions: ") and "\n" not in message
  assert "ship only with the instructor repository; students use --mdp student" in message


def test_gaussian_and_uniform_noise_models():
  from trotlab.utils.noise import GaussianNoiseCfg, UniformNoiseCfg

  torch.manual_seed(0)
  x = torch.zeros(20000, 3)
  gaussian = GaussianNoiseCfg(mean=0.1, std=0.5).apply(x)
  assert abs(gaussian.mean().item() - 0.1) < 0.01 and abs(gaussian.std().item() - 0.5) < 0.01
  uniform = UniformNoiseCfg(n_min=-0.2, n_max=0.4).apply(x)
  assert uniform.min() >= -0.2 and uniform.max() <= 0.4 and abs(uniform.mean().item() - 0.1) < 0.01
