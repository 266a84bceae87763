"""The rsl-rl choices beyond an MLP with PPO: a recurrent actor/critic (trained, resumed, played,
evaluated and exported with its hidden state), random network distillation, and the W&B /
Neptune log writers (a clear error without their optional packages). Each training is 2
iterations of 8 envs through the train CLI's main(), in this process."""

import importlib.util
import sys
from pathlib import Path

import onnx
import pytest
import torch
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from trotlab.envs import ManagerBasedRlEnv
from trotlab.evaluation import TrackingEvalCfg, eval_env_cfg, run_tracking_eval
from trotlab.evaluation.tracking import Phase
from trotlab.rl.policy import load_policy
from trotlab.rl.runner import Runner
from trotlab.rl.vecenv_wrapper import RslRlVecEnvWrapper
from trotlab.scripts import play, train
from trotlab.tasks import get_task
from trotlab.tasks.velocity.mdp import load_mdp

from conftest import TINY_TRAINING

TASK = "Mjlab-Velocity-Flat-Unitree-Go1"
REFERENCE = load_mdp("solutions")
"""The reference MDP: the env configs built here are the ones the CLI trains with --mdp solutions."""

RECURRENT = [
  "--agent.actor.class-name",
  "RNNModel",
  "--agent.actor.rnn-hidden-dim",
  "32",
  "--agent.critic.class-name",
  "RNNModel",
  "--agent.critic.rnn-type",
  "gru",
  "--agent.critic.rnn-hidden-dim",
  "32",
  "--agent.algorithm.symmetry-function",
  "None",
]


def run_main(module, monkeypatch, *args: str) -> None:
  """A CLI's main() with ``TASK *args`` as its command line."""
  monkeypatch.setattr(sys, "argv", [module.__name__, TASK, *args])
  module.main()


def runs(log_root):
  return sorted((log_root / "go1_velocity").iterdir())


def scalar_tags(run) -> set[str]:
  events = EventAccumulator(str(run))
  events.Reload()
  return set(events.Tags()["scalars"])


def test_config_dicts_for_rsl_rl():
  agent = get_task(TASK).agent_cfg(device="cpu")
  assert agent.to_rsl_rl()["actor"]["class_name"] == "MLPModel"
  assert "rnn_type" not in agent.to_rsl_rl()["actor"]
  agent.actor.class_name = "RNNModel"
  agent.actor.rnn_type = "gru"
  actor = agent.to_rsl_rl()["actor"]
  assert (actor["class_name"], actor["rnn_type"], actor["rnn_hidden_dim"]) == (
    "RNNModel",
    "gru",
    256,
  )
  assert actor["distribution_cfg"]["init_std"] == 0.7

  agent.algorithm.rnd.enabled = True
  agent.algorithm.rnd.obs_group = "actor"
  cfg = agent.to_rsl_rl()
  assert cfg["obs_groups"]["rnd_state"] == ["actor"]
  assert cfg["algorithm"]["rnd_cfg"]["weight"] == 1.0 and "rnd" not in cfg["algorithm"]
  agent.algorithm.rnd.enabled = False
  assert "rnd_cfg" not in agent.to_rsl_rl()["algorithm"]

  assert agent.to_rsl_rl()["logger"] == "tensorboard"
  agent.logger, agent.log_project = "wandb", "trot"
  assert agent.to_rsl_rl()["logger"] == {
    "class_name": "rsl_rl.utils.wandb_log_writer:WandbLogWriter",
    "project_name": "trot",
  }


def test_recurrent_model_with_the_mirror_is_a_clear_error(monkeypatch, capsys):
  """The CPU default mirrors samples; rsl-rl cannot mirror hidden states."""
  with pytest.raises(SystemExit) as exit_info:
    run_main(train, monkeypatch, *TINY_TRAINING, "--agent.actor.class-name", "RNNModel")
  assert "--agent.algorithm.symmetry-function None" in str(exit_info.value)


@pytest.mark.parametrize("logger", ["wandb", "neptune"])
def test_a_missing_logger_package_names_the_install_command(logger, monkeypatch, tmp_path):
  real_find_spec = importlib.util.find_spec
  monkeypatch.setattr(
    importlib.util, "find_spec", lambda name, *a: None if name == logger else real_find_spec(name)
  )
  with pytest.raises(SystemExit) as exit_info:
    run_main(
      train, monkeypatch, *TINY_TRAINING, "--agent.logger", logger, "--log-root", str(tmp_path)
    )
  message = str(exit_info.value)
  assert message.count("\n") == 0 and f"uv sync --group {logger}" in message
  assert not tmp_path.exists() or not any(tmp_path.iterdir()), "no run folder"


@pytest.mark.filterwarnings("ignore:`torch.jit.load` is deprecated:FutureWarning")
def play_briefly(monkeypatch, checkpoint: Path) -> None:
  """``uv run play`` on the checkpoint: 2 envs, 3 steps, the reference MDP."""
  run_main(
    play,
    monkeypatch,
    "--checkpoint-file",
    str(checkpoint),
    "--mdp",
    "solutions",
    "--num-envs",
    "2",
    "--steps",
    "3",
  )


def test_recurrent_train_resume_export_play_evaluate(monkeypatch, tmp_path):
  log_root = tmp_path / "logs"
  run_main(train, monkeypatch, *TINY_TRAINING, *RECURRENT, "--log-root", str(log_root))
  (run,) = runs(log_root)
  assert {"model_0.pt", "model_1.pt", "policy.onnx", "policy.pt"} <= {p.name for p in run.iterdir()}
  saved = torch.load(run / "model_1.pt", weights_only=False)
  assert any(key.startswith("rnn.rnn.weight_hh") for key in saved["actor_state_dict"])

  # Resumed without the model options: one line naming the option; with them, a strict load.
  with pytest.raises(SystemExit, match="--agent.actor.class-name RNNModel"):
    run_main(
      train, monkeypatch, *TINY_TRAINING, "--agent.resume", "True", "--log-root", str(log_root)
    )
  # Resumed with the same options: the recurrent weights load strictly.
  resume = ["--agent.resume", "True", "--agent.max-iterations", "1", "--export", "False"]
  run_main(train, monkeypatch, *TINY_TRAINING, *RECURRENT, *resume, "--log-root", str(log_root))
  resumed = runs(log_root)[-1]
  assert resumed != run and (resumed / "model_1.pt").is_file(), "iteration 1 again, from model_1"

  # Inference: the model classes come from params/agent.yaml (the default agent has an MLP and the
  # mirror on); the hidden state (L, N, H) is carried and zeroed where an episode ends.
  spec = get_task(TASK)
  env_cfg = spec.env_cfg(play=True, device="cpu", mdp=REFERENCE)
  env_cfg.scene.num_envs = 3
  env = ManagerBasedRlEnv(env_cfg, verbose=False)
  policy = load_policy(run / "model_1.pt", env, spec.agent_cfg(device="cpu"))
  assert policy.is_recurrent
  obs = env.reset()
  with torch.inference_mode():
    first = policy(obs)
    second = policy(obs)
  assert first.shape == (3, 12) and not torch.allclose(first, second), "state carried"
  hidden, cell = policy.model.get_hidden_state()
  assert hidden.shape == (1, 3, 32) and cell.shape == (1, 3, 32)
  policy.reset(torch.tensor([True, False, False]))
  assert (hidden[:, 0] == 0).all() and (cell[:, 0] == 0).all() and (hidden[:, 1] != 0).any()

  # The exported TorchScript policy keeps a batch-1 state: its two steps match the model's.
  jit = torch.jit.load(str(run / "policy.pt"))
  policy.reset()
  with torch.inference_mode():
    steps = [policy(obs)[:1] for _ in range(2)]
    jit.reset()
    exported = [jit(obs["actor"][:1]) for _ in range(2)]
  torch.testing.assert_close(exported, steps, rtol=1e-4, atol=1e-5)
  graph = onnx.load(str(run / "policy.onnx")).graph
  assert [i.name for i in graph.input] == ["obs", "h_in", "c_in"]
  assert [o.name for o in graph.output] == ["actions", "h_out", "c_out"]
  env.close()

  # play (its loop resets the state of the envs that end) and a short tracking evaluation.
  play_briefly(monkeypatch, run / "model_1.pt")
  eval_cfg = TrackingEvalCfg(
    num_envs=2,
    phases=(Phase("stand", 0.1, (0.0, 0.0, 0.0)), Phase("forward", 0.2, (0.5, 0.0, 0.0))),
    settle_s=0.1,
  )
  env = ManagerBasedRlEnv(
    eval_env_cfg(spec.env_cfg(play=True, device="cpu", mdp=REFERENCE), eval_cfg), verbose=False
  )
  metrics = run_tracking_eval(
    env, load_policy(run / "model_1.pt", env, spec.agent_cfg()), eval_cfg, progress=False
  )
  assert set(metrics["phases"]) == {"stand", "forward"} and metrics["passed"] is False
  env.close()


def test_rnd_trains_logs_and_reloads(monkeypatch, tmp_path):
  log_root = tmp_path / "logs"
  rnd = ["--agent.algorithm.rnd.enabled", "True", "--agent.algorithm.rnd.obs-group", "critic"]
  run_main(
    train, monkeypatch, *TINY_TRAINING, *rnd, "--export", "False", "--log-root", str(log_root)
  )
  (run,) = runs(log_root)
  assert "Loss/rnd" in scalar_tags(run)
  saved = torch.load(run / "model_1.pt", weights_only=False)
  assert "rnd_state_dict" in saved

  spec = get_task(TASK)
  agent = spec.agent_cfg(device="cpu")
  agent.algorithm.rnd.enabled = True
  env_cfg = spec.env_cfg(play=False, device="cpu", mdp=REFERENCE)
  env_cfg.scene.num_envs = 2
  env = ManagerBasedRlEnv(env_cfg, verbose=False)
  runner = Runner(RslRlVecEnvWrapper(env), agent.to_rsl_rl())
  runner.load(str(run / "model_1.pt"))  # strict: the RND predictor, target and optimizer too
  assert runner.current_learning_iteration == 1
  torch.testing.assert_close(
    runner.alg.rnd.predictor.state_dict(),
    {
      k[len("predictor.") :]: v
      for k, v in saved["rnd_state_dict"].items()
      if k.startswith("predictor.")
    },
  )
  env.close()


def test_wandb_offline(monkeypatch, tmp_path):
  """Runs only where the optional group is installed (uv sync --group wandb)."""
  pytest.importorskip("wandb")
  monkeypatch.setenv("WANDB_MODE", "offline")
  monkeypatch.setenv("WANDB_DIR", str(tmp_path))
  monkeypatch.setenv("WANDB_SILENT", "true")
  log_root = tmp_path / "logs"
  run_main(
    train,
    monkeypatch,
    *TINY_TRAINING,
    "--agent.logger",
    "wandb",
    "--export",
    "False",
    "--log-root",
    str(log_root),
  )
  (run,) = runs(log_root)
  assert "Loss/value" in scalar_tags(run), "rsl-rl's W&B writer also writes TensorBoard events"
  assert any((tmp_path / "wandb").glob("offline-run-*"))


def test_neptune_offline(monkeypatch, tmp_path):
  """Runs only where the optional group is installed (uv sync --group neptune); offline, the
  kit fills in the token and user name rsl-rl's writer asks for."""
  pytest.importorskip("neptune")
  monkeypatch.setenv("NEPTUNE_MODE", "offline")
  for name in ("NEPTUNE_API_TOKEN", "NEPTUNE_USERNAME"):
    monkeypatch.setenv(name, "")  # recorded, so the value run_train sets is undone
    monkeypatch.delenv(name)
  monkeypatch.chdir(tmp_path)  # neptune keeps an offline run in ./.neptune
  log_root = tmp_path / "logs"
  args = ["--agent.logger", "neptune", "--export", "False", "--log-root", str(log_root)]
  run_main(train, monkeypatch, *TINY_TRAINING, *args)
  (run,) = runs(log_root)
  assert "Loss/value" in scalar_tags(run)
  assert (tmp_path / ".neptune").is_dir()


def test_teacher_then_distilled_student(monkeypatch, tmp_path):
  """A privileged PPO teacher (its actor reads the critic group), then a student on the actor
  group distilled from it: the teacher stays frozen, the student learns, and play, evaluate and
  the export take the student."""
  log_root = tmp_path / "logs"
  run_main(
    train,
    monkeypatch,
    *TINY_TRAINING,
    "--agent.actor-obs-group",
    "critic",
    "--log-root",
    str(log_root),
  )
  (teacher_run,) = runs(log_root)
  teacher = torch.load(teacher_run / "model_1.pt", weights_only=False)["actor_state_dict"]

  spec = get_task(TASK)
  env_cfg = spec.env_cfg(play=True, device="cpu", mdp=REFERENCE)
  env_cfg.scene.num_envs = 3
  env = ManagerBasedRlEnv(env_cfg, verbose=False)
  obs = env.reset()
  actor_dim, critic_dim = obs["actor"].shape[1], obs["critic"].shape[1]
  assert actor_dim < critic_dim
  assert teacher["mlp.0.weight"].shape[1] == critic_dim, (
    "the teacher's actor reads the critic group"
  )

  distill = ["--agent.distillation.teacher-checkpoint", str(teacher_run / "model_1.pt")]
  run_main(train, monkeypatch, *TINY_TRAINING, *distill, "--log-root", str(log_root))
  student_run = runs(log_root)[-1]
  assert student_run != teacher_run
  saved = torch.load(student_run / "model_1.pt", weights_only=False)
  torch.testing.assert_close(saved["teacher_state_dict"], teacher, rtol=0, atol=0)
  first = torch.load(student_run / "model_0.pt", weights_only=False)["student_state_dict"]
  assert saved["student_state_dict"]["mlp.0.weight"].shape[1] == actor_dim
  assert not torch.equal(first["mlp.0.weight"], saved["student_state_dict"]["mlp.0.weight"])
  assert "Loss/behavior" in scalar_tags(student_run)
  graph = onnx.load(str(student_run / "policy.onnx")).graph
  assert graph.input[0].type.tensor_type.shape.dim[1].dim_value == actor_dim

  # Inference takes each run's networks and groups from its params/agent.yaml (the default agent
  # has neither the critic-group actor nor a teacher).
  for run in (teacher_run, student_run):
    policy = load_policy(run / "model_1.pt", env, spec.agent_cfg(device="cpu"))
    with torch.inference_mode():
      assert policy(obs).shape == (3, 12)
  env.close()
  play_briefly(monkeypatch, student_run / "model_1.pt")


def test_distillation_errors_name_the_fix(monkeypatch, tmp_path):
  missing = ["--agent.distillation.teacher-checkpoint", str(tmp_path / "model_9.pt")]
  with pytest.raises(SystemExit, match="no file .*model_9.pt"):
    run_main(train, monkeypatch, *TINY_TRAINING, *missing, "--log-root", str(tmp_path))
  with pytest.raises(SystemExit, match="drop --agent.algorithm.rnd.enabled"):
    rnd = ["--agent.algorithm.rnd.enabled", "True"]
    run_main(train, monkeypatch, *TINY_TRAINING, *missing, *rnd, "--log-root", str(tmp_path))
  with pytest.raises(SystemExit, match="drop --agent.actor-obs-group"):
    critic = ["--agent.actor-obs-group", "critic"]
    run_main(train, monkeypatch, *TINY_TRAINING, *missing, *critic, "--log-root", str(tmp_path))
  # A distilled student's checkpoint is no teacher (its params name a teacher of its own).
  student = tmp_path / "student_run"
  (student / "params").mkdir(parents=True)
  (student / "model_1.pt").write_bytes(b"")
  (student / "params" / "agent.yaml").write_text(
    "distillation:\n  teacher_checkpoint: teacher_run/model_9.pt\n"
  )
  distilled = ["--agent.distillation.teacher-checkpoint", str(student / "model_1.pt")]
  with pytest.raises(SystemExit, match="is a distilled student, not a PPO teacher"):
    run_main(train, monkeypatch, *TINY_TRAINING, *distilled, "--log-root", str(tmp_path / "logs"))
