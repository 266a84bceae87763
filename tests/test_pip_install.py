"""The student release installs cleanly with pip over Colab's stack: no dependency conflict with
the packages Colab already has (protobuf 5, which TensorFlow and grpcio-status pin below 6), and
the kit imports there.

The Colab-like environment is a fresh venv holding Colab's versions of the packages that
conflicted (protobuf 5.29, grpcio-status 1.71, TensorFlow 2.20's tensorboard) and torch (which
Colab preinstalls; here the locked version, from uv's cache, so that no GPU wheel is fetched).
The release is then installed as the notebook installs it (``pip install -e KIT``, through uv's
pip interface against PyPI) and ``pip check`` must find no broken requirement."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import release

from conftest import ROOT

COLAB_STACK = ("protobuf==5.29.5", "grpcio-status==1.71.0", "tensorboard==2.20.0")
"""Colab's versions of the packages whose requirements conflicted with the kit's (onnx >= 1.20
wants protobuf >= 6.31, grpcio-status 1.71 wants protobuf < 6)."""


def locked_version(name: str) -> str:
  """The version of ``name`` in the repository's uv.lock."""
  lock = (ROOT / "uv.lock").read_text()
  found = re.search(rf'\[\[package\]\]\nname = "{name}"\nversion = "([^"]+)"', lock)
  assert found, name
  return found[1]


def run(*command: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
  result = subprocess.run(command, capture_output=True, text=True, cwd=cwd, timeout=900)
  assert result.returncode == 0, (
    f"{' '.join(command)}\n{result.stdout[-3000:]}{result.stderr[-3000:]}"
  )
  return result


@pytest.mark.skipif(shutil.which("uv") is None, reason="needs uv (the CI script installs it)")
def test_pip_install_over_colabs_packages_leaves_no_conflict(tmp_path):
  kit = release.build_release(tmp_path / "kit", kit_url="https://git.example.edu/trotlab.git")
  venv = tmp_path / "colab"
  run(
    "uv",
    "venv",
    "--seed",
    "--python",
    f"{sys.version_info.major}.{sys.version_info.minor}",
    str(venv),
  )
  python = str(venv / "bin" / "python")
  run("uv", "pip", "install", "--python", python, *COLAB_STACK, f"torch=={locked_version('torch')}")
  installed = run("uv", "pip", "install", "--python", python, "-e", str(kit))
  assert "protobuf" not in installed.stderr, installed.stderr  # nothing to up- or downgrade
  check = run(python, "-m", "pip", "check")
  assert "No broken requirements found" in check.stdout, check.stdout
  version = run(python, "-c", "import google.protobuf; print(google.protobuf.__version__)")
  assert version.stdout.strip() == "5.29.5"

  # The kit imports there with the ONNX exporter's packages.
  env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
  script = "import onnx, onnxscript, trotlab.rl.policy; print(onnx.__version__)"
  out = subprocess.run([python, "-c", script], capture_output=True, text=True, env=env, cwd=kit)
  assert out.returncode == 0, out.stderr[-3000:]
