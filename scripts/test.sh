#!/usr/bin/env bash
# scripts/test.sh — everything CI checks, on a fresh Debian 12 machine or a developer's:
# installs what is missing, makes sure PostgreSQL and RabbitMQ answer, then runs format,
# clippy, one shared build, the nextest suite, doc tests, the dependency-direction check, a
# lint of these scripts, a docker-compose.yml check and the optional end-to-end suites
# (tests/conformance, tests/contract). Exits non-zero on any failure and ends with a
# one-line summary.
set -euo pipefail

# shellcheck source=lib/setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/setup.sh"
cd "$MB_ROOT"

SUITE_TIMEOUT=${SUITE_TIMEOUT:-900}
started=$SECONDS
declare -a step_names=() step_results=() step_secs=()

record() {
    step_names+=("$1")
    step_results+=("$2")
    step_secs+=("$3")
}

# run_step NAME COMMAND... — runs one check, keeps going on failure.
run_step() {
    local name=$1 t0=$SECONDS rc=0
    shift
    log "[$name] $*"
    "$@" || rc=$?
    if ((rc == 0)); then
        ok "[$name] passed in $((SECONDS - t0))s"
        record "$name" ok $((SECONDS - t0))
    else
        warn "[$name] FAILED (exit $rc) after $((SECONDS - t0))s"
        record "$name" FAILED $((SECONDS - t0))
    fi
    return 0
}

skip_step() {
    log "[$1] skipped: $2"
    record "$1" "skipped ($2)" 0
}

step_ok() {
    local i
    for i in "${!step_names[@]}"; do
        [[ ${step_names[$i]} == "$1" ]] && [[ ${step_results[$i]} == ok ]] && return 0
    done
    return 1
}

# Passes when DEP is not among PKG's normal (non-dev) dependencies, fails when it is or
# when cargo cannot answer. `cargo tree -i` errors with "did not match" when DEP is absent.
dep_absent() {
    local pkg=$1 dep=$2 out rc=0
    out=$(cargo tree -q -p "$pkg" -e normal -i "$dep" 2>&1) || rc=$?
    if ((rc != 0)); then
        if grep -q "specification \`$dep\` did not match" <<<"$out"; then
            return 0
        fi
        printf '%s\n' "$out" >&2
        return 1
    fi
    if grep -q "^$dep v" <<<"$out"; then
        warn "crate '$pkg' must not depend on '$dep' (design: domain has no I/O, no framework types):"
        printf '%s\n' "$out" | sed 's/^/    /' >&2
        warn "when it arrives through a feature of a workspace dependency (e.g. rust_decimal's db-diesel2-postgres), enable that feature only in the crate that needs it"
        return 1
    fi
    return 0
}

check_dependency_direction() {
    local failed=0 dep
    for dep in diesel actix-web lapin; do
        if dep_absent domain "$dep"; then
            ok "domain does not depend on $dep"
        else
            failed=1
        fi
    done
    return "$failed"
}

# The shell scripts themselves: syntax always, shellcheck when it is installed.
check_scripts() {
    local files=(scripts/*.sh scripts/lib/*.sh .ci/run) f failed=0
    for f in scripts/bench.d/*.sh tests/*/run.sh; do
        [[ -f $f ]] && files+=("$f")
    done
    for f in "${files[@]}"; do
        bash -n "$f" || failed=1
    done
    if have shellcheck; then
        shellcheck -x -S warning "${files[@]}" || failed=1
    else
        log "shellcheck not installed; checked syntax only"
    fi
    return "$failed"
}

# docker-compose.yml must parse and interpolate (no Docker engine needed); skipped when no
# compose client is installed. Throwaway values stand in for the required secrets.
check_compose() {
    local compose=()
    if docker compose version >/dev/null 2>&1; then
        compose=(docker compose)
    elif have docker-compose; then
        compose=(docker-compose)
    fi
    ((${#compose[@]})) || return 0
    MIKROBILL_MASTER_KEY=$(random_hex 32) MIKROBILL_JWT_SECRET=$(random_hex 32) \
        POSTGRES_PASSWORD=check RABBITMQ_PASSWORD=check \
        "${compose[@]}" -f docker-compose.yml --profile sim config -q
}

run_nextest() {
    local log_file="$MB_RUN_DIR/nextest.out"
    mkdir -p "$MB_RUN_DIR"
    cargo nextest run --workspace --no-fail-fast --profile ci --no-tests=warn 2>&1 | tee "$log_file"
}

# run_suite NAME SCRIPT — an optional end-to-end suite that grows with the project.
run_suite() {
    local name=$1 script=$2
    if [[ ! -f $script ]]; then
        skip_step "$name" "$script not present yet"
    elif ! step_ok build; then
        skip_step "$name" "build failed"
    else
        run_step "$name" timeout "$SUITE_TIMEOUT" bash "$script"
    fi
}

mb_setup --tests
# The contract suite generates a TypeScript client with an npm package.
[[ -f tests/contract/run.sh ]] && ensure_node
export_secrets
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}
# CI builds from a fresh clone: incremental state would only cost time and disk there.
if [[ ${CI:-} == true ]]; then
    export CARGO_INCREMENTAL=${CARGO_INCREMENTAL:-0}
fi
export RUST_BACKTRACE=${RUST_BACKTRACE:-1}
# The suites and end-to-end tests start the binary this build produces.
export MIKROBILL_BIN="$MB_ROOT/target/debug/mikrobill"

run_step fmt cargo fmt --all --check -- --color=never
run_step clippy cargo clippy --workspace --all-targets -- -D warnings
run_step build cargo build --workspace --all-targets
if step_ok build; then
    run_step nextest run_nextest
else
    skip_step nextest "build failed"
fi
if step_ok build; then
    run_step doctest cargo test --workspace --doc
else
    skip_step doctest "build failed"
fi
run_step dependency-direction check_dependency_direction
run_step scripts check_scripts
if docker compose version >/dev/null 2>&1 || have docker-compose; then
    run_step compose check_compose
else
    skip_step compose "no docker compose client"
fi
run_suite conformance tests/conformance/run.sh
run_suite contract tests/contract/run.sh

echo
printf '%-22s %-40s %6s\n' step result seconds
failed=()
for i in "${!step_names[@]}"; do
    printf '%-22s %-40s %6s\n' "${step_names[$i]}" "${step_results[$i]}" "${step_secs[$i]}"
    [[ ${step_results[$i]} == FAILED ]] && failed+=("${step_names[$i]}")
done
if [[ -f $MB_RUN_DIR/nextest.out ]] && step_ok build; then
    grep -E '^ *Summary \[' "$MB_RUN_DIR/nextest.out" | tail -n1 || true
fi
total=$((SECONDS - started))
if ((${#failed[@]} == 0)); then
    echo "test.sh: all checks passed in ${total}s"
    exit 0
fi
echo "test.sh: FAILED (${failed[*]}) after ${total}s"
exit 1
