#!/usr/bin/env bash
# Run every mentropy benchmark behind benchmarks/RESULTS.md, one process at a time.
#
#   1. prepare the inputs (benchmarks/data.py -> benchmarks/out/{pd_raw,pd_gold,mixed}.txt)
#   2. set up the peers virtualenv if it is missing (benchmarks/setup_peers.sh)
#   3. bench_count.py    n-gram counting throughput (max_n 4 and 6, first call apart)
#   4. bench_lexicon.py  quality vs pd_gold.txt, in-process and whole-process speed and
#                        memory against nlp-zero, a cProfile of one build
#   5. bench_segment.py  segmentation speed against rjieba and jieba (jieba's dict.txt and a
#                        mentropy-built lexicon), 2-worker scaling, load time and memory,
#                        agreement with jieba
#   6. report.py         benchmarks/RESULTS.md from the JSON records (nothing typed by hand)
#
# Tables are printed and kept in benchmarks/out/*.txt, numbers in benchmarks/out/*.json
# (git-ignored); RESULTS.md is generated from the JSON by report.py.  About 15 minutes.
#
# Usage:  bash benchmarks/run_all.sh            (with the project's virtualenv active)
#         PY=/path/to/venv/bin/python bash benchmarks/run_all.sh
#         RUNS=5 bash benchmarks/run_all.sh     (timed runs per measurement, default 3)
# The machine is small and shared: nothing here runs in parallel, and the load average is
# recorded with every measurement.
set -euo pipefail

cd "$(dirname "$0")/.."
PY="${PY:-python}"
RUNS="${RUNS:-3}"
PEERS_PY="${PEERS_VENV:-$HOME/.cache/mentropy-peers}/bin/python"
O=benchmarks/out
mkdir -p "$O"

if ! "$PY" -c "import mentropy" 2>/dev/null; then
    echo "mentropy is not importable with $PY: activate the project's virtualenv or set PY" >&2
    exit 1
fi

{
    date -Iseconds
    lscpu | grep -E '^(Model name|CPU\(s\)|Thread|Core|Socket|Hypervisor)'
    grep MemTotal /proc/meminfo
    uptime
    git log -1 --format='commit %h %s'
    git status --short --untracked-files=no mentropy
} | tee "$O/machine.txt"

echo "== data"
"$PY" benchmarks/data.py

if [ ! -x "$PEERS_PY" ]; then
    echo "== peers virtualenv missing: setting it up"
    bash benchmarks/setup_peers.sh
fi

echo "== bench_count.py"
"$PY" benchmarks/bench_count.py --runs "$RUNS" | tee "$O/bench_count.txt"

echo "== bench_lexicon.py"
"$PY" benchmarks/bench_lexicon.py --runs "$RUNS" --profile | tee "$O/bench_lexicon.txt"

echo "== bench_segment.py"
"$PY" benchmarks/bench_segment.py --runs "$RUNS" | tee "$O/bench_segment.txt"

uptime | tee -a "$O/machine.txt"

echo "== report.py"
"$PY" benchmarks/report.py
