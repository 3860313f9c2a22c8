#!/usr/bin/env bash
# Job backbone figures (issue 8): jobs/s through outbox → relay (publisher confirms) →
# RabbitMQ → worker → completion mark, with one and with two workers, while 4 producers
# enqueue (the realistic case) and with the outbox filled first (the pipeline's own rate);
# then embedded mode (no broker). Each run uses a database of its own and its own queue
# namespace; a lost job fails the run. Knob: BENCH_JOBS (50000).
# ROW: scenario, workers, jobs/s, enqueue→processed p50/p99, lost jobs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

jobs=${BENCH_JOBS:-50000}
cargo build --quiet --release -p worker --example jobs_bench
bench=target/release/examples/jobs_bench
for workers in 1 2; do
    "$bench" --jobs "$jobs" --workers "$workers" --rows
done
for workers in 1 2; do
    "$bench" --jobs "$jobs" --workers "$workers" --prefill --rows
done
"$bench" --jobs "$((jobs / 2))" --workers 1 --embedded --rows
