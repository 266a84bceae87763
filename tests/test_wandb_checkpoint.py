"""play --wandb-run-path: the newest checkpoint of a run, or a message that names the fix. The
wandb package is an optional group, so its API is stood in for by a module of the same shape."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from trotlab.rl.wandb_checkpoint import fetch_wandb_checkpoint


class FakeFile:
  def __init__(self, name: str) -> None:
    self.name = name

  def download(self, root: str, replace: bool) -> None:
    path = Path(root) / self.name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(self.name)


def fake_wandb(monkeypatch, run=None, error: Exception | None = None) -> None:
  """A stand-in ``wandb`` module whose Api().run(path) returns ``run`` or raises ``error``."""

  class Api:
    def __init__(self, timeout: int) -> None:
      pass

    def run(self, path: str):
      if error is not None:
        raise error
      return run

  monkeypatch.setitem(sys.modules, "wandb", types.SimpleNamespace(Api=Api))


def test_the_newest_model_and_the_params_are_downloaded(tmp_path, monkeypatch):
  names = ["model_0.pt", "model_150.pt", "model_20.pt", "params/agent.yaml", "events.out"]
  run = types.SimpleNamespace(files=lambda: [FakeFile(n) for n in names])
  fake_wandb(monkeypatch, run=run)
  path = fetch_wandb_checkpoint("me/go1/abc123", tmp_path)
  assert path == tmp_path / "wandb" / "me_go1_abc123" / "model_150.pt" and path.is_file()
  assert (path.parent / "params" / "agent.yaml").is_file()
  assert not (path.parent / "model_20.pt").exists()


def test_no_network_or_credentials_stops_with_the_fix(tmp_path, monkeypatch):
  fake_wandb(monkeypatch, error=ConnectionError("Max retries exceeded"))
  with pytest.raises(
    SystemExit, match=r"could not read the wandb run me/go1/abc123 \(ConnectionError"
  ):
    fetch_wandb_checkpoint("me/go1/abc123", tmp_path)
  with pytest.raises(SystemExit, match="wandb login"):
    fetch_wandb_checkpoint("me/go1/abc123", tmp_path)


def test_a_malformed_path_or_a_missing_package_name_the_fix(tmp_path, monkeypatch):
  with pytest.raises(SystemExit, match="ENTITY/PROJECT/RUN_ID"):
    fetch_wandb_checkpoint("abc123", tmp_path)
  monkeypatch.setitem(sys.modules, "wandb", None)  # import wandb raises ImportError
  with pytest.raises(SystemExit, match="uv sync --group wandb"):
    fetch_wandb_checkpoint("me/go1/abc123", tmp_path)
