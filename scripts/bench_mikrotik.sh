#!/usr/bin/env bash
# RouterOS driver benchmarks (issue 7): push 1,000 hotspot users sequential vs pipelined,
# print 100k users streamed vs collected (client peak RSS), 200 simulated routers polled
# concurrently, and the Python librouteros one-round-trip-per-add baseline.
# Prints figures; `--rows` adds ROW lines in scripts/bench.sh's table format.
# Knobs: BENCH_PRINT_USERS (100000), BENCH_ROUTERS (200), BENCH_SKIP_PYTHON (0).
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --quiet --release -p mikrotik --example bench --example routeros_sim
target/release/examples/bench \
    --print-users "${BENCH_PRINT_USERS:-100000}" --routers "${BENCH_ROUTERS:-200}" "$@"

if [ "${BENCH_SKIP_PYTHON:-0}" != 1 ]; then
    ROUTEROS_SIM_CMD=target/release/examples/routeros_sim \
        tests/conformance/run.sh --bench | grep -E '^(bench|conformance):'
fi
