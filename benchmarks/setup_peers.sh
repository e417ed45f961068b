#!/usr/bin/env bash
# Create (if missing) the virtualenv that holds the benchmark peers and install them.
#
# The peers are NOT project dependencies: they live in their own virtualenv so that the
# project's environment stays clean.  The location is ${PEERS_VENV:-$HOME/.cache/mentropy-peers}.
#
# Usage:  bash benchmarks/setup_peers.sh
#         PEERS_VENV=/some/dir PYTHON=python3.11 bash benchmarks/setup_peers.sh
set -euo pipefail

PEERS_VENV="${PEERS_VENV:-$HOME/.cache/mentropy-peers}"
PYTHON="${PYTHON:-python3}"

if [ ! -x "$PEERS_VENV/bin/python" ]; then
    echo "creating virtualenv at $PEERS_VENV"
    mkdir -p "$(dirname "$PEERS_VENV")"
    "$PYTHON" -m venv "$PEERS_VENV"
fi

"$PEERS_VENV/bin/python" -m pip install --quiet --upgrade pip
# numpy: benchmarks/data.py and benchmarks/score.py may use it; nlp-zero itself is pure Python.
"$PEERS_VENV/bin/python" -m pip install --quiet \
    "jieba" \
    "rjieba" \
    "nlp-zero==0.1.6" \
    "python-crfsuite" \
    "psutil" \
    "numpy"

"$PEERS_VENV/bin/python" - <<'EOF'
import importlib.metadata as md
import os
import jieba
for name in ("jieba", "rjieba", "nlp-zero", "python-crfsuite", "psutil", "numpy"):
    print(f"{name}=={md.version(name)}")
print("jieba dict.txt:", os.path.join(os.path.dirname(jieba.__file__), "dict.txt"))
EOF
echo "peers venv ready: $PEERS_VENV/bin/python"
