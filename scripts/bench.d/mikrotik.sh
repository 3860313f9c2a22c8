#!/usr/bin/env bash
# RouterOS driver figures (issue 7): push 1,000 hotspot users sequential vs pipelined, print
# 100k users, poll 200 simulated routers. The driver benchmark starts its own simulators, so
# this scenario needs neither the API nor scripts/bench.sh's simulator.
set -euo pipefail
exec bash "$(dirname "${BASH_SOURCE[0]}")/../bench_mikrotik.sh" --rows
