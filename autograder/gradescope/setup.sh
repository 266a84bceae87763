#!/usr/bin/env bash
# Gradescope image set-up (runs once, as root, with internet): uv, Python 3.11 where the
# sandboxed student user can reach it, and the locked environment of the kit.
set -euo pipefail
cd /autograder/source

export UV_PYTHON_INSTALL_DIR=/opt/uv-python   # world-readable: student code runs as another user
export UV_INSTALL_DIR=/usr/local/bin
if ! command -v uv >/dev/null 2>&1; then
  curl -LsSf https://astral.sh/uv/install.sh | sh
fi
uv python install 3.11
uv sync --locked --no-dev --python 3.11  # keeps the notebook group: nbgrader grades the notebook
chmod -R go-rwx autograder/hidden
.venv/bin/python -c "import trotlab, mujoco, torch, rsl_rl; print('trotlab autograder ready')"
