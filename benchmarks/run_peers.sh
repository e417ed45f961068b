#!/usr/bin/env bash
# Run every peer measurement recorded in benchmarks/PEERS.md, one after the other.
#
# Prepares the inputs (benchmarks/data.py), then times nlp-zero (lexicon + segmentation of the
# People's Daily raw text, scored against the gold), jieba and rjieba (mixed.txt, and pd_raw.txt
# scored against the gold).  JSON records and outputs go to benchmarks/out/ (git-ignored).
# Runs one process at a time: the machine is small and shared.
#
# Usage:  bash benchmarks/run_peers.sh          (after bash benchmarks/setup_peers.sh)
set -euo pipefail

cd "$(dirname "$0")/.."
PY="${PEERS_VENV:-$HOME/.cache/mentropy-peers}/bin/python"
O=benchmarks/out
if [ ! -x "$PY" ]; then
    echo "peers venv missing: run bash benchmarks/setup_peers.sh" >&2
    exit 1
fi

"$PY" benchmarks/data.py
DICT="$("$PY" benchmarks/peers.py jieba-dict)"
echo "jieba dict.txt: $DICT"

echo "== nlp-zero"
"$PY" benchmarks/peers.py nlpzero-lexicon --input $O/pd_raw.txt \
    --output $O/nlpzero.dict --json $O/nlpzero_lexicon.json
"$PY" benchmarks/peers.py nlpzero-segment --lexicon $O/nlpzero.dict --input $O/pd_raw.txt \
    --output $O/nlpzero_seg.txt --json $O/nlpzero_segment.json
"$PY" benchmarks/score.py --gold $O/pd_gold.txt --pred $O/nlpzero_seg.txt \
    --json $O/nlpzero_score.json

echo "== jieba / rjieba on mixed.txt"
"$PY" benchmarks/peers.py jieba-cut --dict "$DICT" --input $O/mixed.txt --cold \
    --json $O/jieba_mixed_cold.json
"$PY" benchmarks/peers.py jieba-cut --dict "$DICT" --input $O/mixed.txt \
    --output $O/jieba_mixed_seg.txt --json $O/jieba_mixed.json
"$PY" benchmarks/peers.py rjieba-cut --input $O/mixed.txt \
    --output $O/rjieba_mixed_seg.txt --json $O/rjieba_mixed.json
"$PY" benchmarks/peers.py rjieba-cut --dict "$DICT" --input $O/mixed.txt \
    --json $O/rjieba_mixed_dict.json

echo "== jieba / rjieba on pd_raw.txt (scored)"
"$PY" benchmarks/peers.py jieba-cut --dict "$DICT" --input $O/pd_raw.txt \
    --output $O/jieba_pd_seg.txt --json $O/jieba_pd.json
"$PY" benchmarks/peers.py rjieba-cut --input $O/pd_raw.txt \
    --output $O/rjieba_pd_seg.txt --json $O/rjieba_pd.json
"$PY" benchmarks/score.py --gold $O/pd_gold.txt --pred $O/jieba_pd_seg.txt \
    --json $O/jieba_pd_score.json
