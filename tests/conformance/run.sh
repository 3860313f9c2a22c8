#!/usr/bin/env bash
# Checks the RouterOS simulator against an independent client: PyPI `librouteros`, installed
# into a venv. Exits non-zero on any mismatch. Usage: tests/conformance/run.sh [--bench]
#
# The simulator is `mikrobill routeros-sim` when the built binary has that subcommand,
# otherwise the crate's `routeros_sim` example (same arguments, same code).
set -euo pipefail
cd "$(dirname "$0")/../.."

VENV="${CONFORMANCE_VENV:-target/conformance-venv}"
LIBROUTEROS_VERSION="${LIBROUTEROS_VERSION:-4.2.2}"
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
if ! "$VENV/bin/python" -c "import librouteros" 2>/dev/null; then
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "librouteros==$LIBROUTEROS_VERSION"
fi

if [ -n "${ROUTEROS_SIM_CMD:-}" ]; then
    read -r -a SIM <<<"$ROUTEROS_SIM_CMD"
elif [ -x target/debug/mikrobill ] && target/debug/mikrobill routeros-sim --help >/dev/null 2>&1; then
    SIM=(target/debug/mikrobill routeros-sim)
else
    cargo build --quiet -p mikrotik --example routeros_sim
    SIM=(target/debug/examples/routeros_sim)
fi

echo "conformance: librouteros $LIBROUTEROS_VERSION against ${SIM[*]}"
exec timeout 300 "$VENV/bin/python" tests/conformance/conformance.py "${SIM[@]}" "$@"
