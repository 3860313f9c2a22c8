#!/usr/bin/env bash
# Checks the RouterOS simulator against an independent client: PyPI `librouteros`, installed
# into a venv. Exits non-zero on any mismatch. Usage: tests/conformance/run.sh [--bench]
#
# The simulator is $ROUTEROS_SIM_CMD if set, else `$MIKROBILL_BIN routeros-sim` (default
# target/debug/mikrobill) when that binary has the subcommand, else the mikrotik crate's
# `routeros_sim` example (same arguments, same code).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD

VENV="${CONFORMANCE_VENV:-$ROOT/target/conformance-venv}"
LIBROUTEROS="librouteros==${LIBROUTEROS_VERSION:-4.2.2}"
if [[ -f scripts/lib/common.sh && -f scripts/lib/toolchain.sh ]]; then
    # The project's helpers install python3-venv when missing and cache the venv.
    # shellcheck source=/dev/null
    source scripts/lib/common.sh
    # shellcheck source=/dev/null
    source scripts/lib/toolchain.sh
    ensure_venv "$VENV" "$LIBROUTEROS"
else
    [[ -x $VENV/bin/python ]] || python3 -m venv "$VENV"
    "$VENV/bin/python" -c "import librouteros" 2>/dev/null ||
        "$VENV/bin/pip" install --quiet --disable-pip-version-check "$LIBROUTEROS"
fi

BIN="${MIKROBILL_BIN:-$ROOT/target/debug/mikrobill}"
if [[ -n ${ROUTEROS_SIM_CMD:-} ]]; then
    read -r -a SIM <<<"$ROUTEROS_SIM_CMD"
elif [[ -x $BIN ]] && "$BIN" routeros-sim --help >/dev/null 2>&1; then
    SIM=("$BIN" routeros-sim)
else
    cargo build --quiet -p mikrotik --example routeros_sim
    SIM=("$ROOT/target/debug/examples/routeros_sim")
fi

echo "conformance: $LIBROUTEROS against ${SIM[*]}"
exec timeout 300 "$VENV/bin/python" tests/conformance/conformance.py "${SIM[@]}" "$@"
