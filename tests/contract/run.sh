#!/usr/bin/env bash
# Contract tests of the HTTP API against its own OpenAPI document:
#  1. starts the built `mikrobill serve` on a free port against a fresh database (created
#     with psql, migrated by serve), creates a super_admin with `admin create --password-stdin`
#     and logs in;
#  2. runs schemathesis (PyPI, venv under .venv/contract) over every operation with that
#     token, bounded by CONTRACT_MAX_EXAMPLES per operation and CONTRACT_MAX_TIME seconds,
#     failing on any 5xx or any response that does not match its documented schema;
#  3. generates TypeScript types with openapi-typescript (npm, local node_modules) and
#     type-checks client.ts with `tsc --noEmit`.
# Needs PostgreSQL at $PGHOST:$PGPORT (default 127.0.0.1:5432, user postgres), python3, node.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
HERE=$ROOT/tests/contract

SCHEMATHESIS="schemathesis==${SCHEMATHESIS_VERSION:-4.32.5}"
VENV="${CONTRACT_VENV:-$ROOT/.venv/contract}"
MAX_EXAMPLES=${CONTRACT_MAX_EXAMPLES:-15}
MAX_TIME=${CONTRACT_MAX_TIME:-90}
PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}
PGUSER=${PGUSER:-postgres}
export PGHOST PGPORT PGUSER

say() { printf 'contract: %s\n' "$*"; }
rand_hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }

if [[ -f scripts/lib/common.sh && -f scripts/lib/toolchain.sh ]]; then
    # shellcheck source=/dev/null
    source scripts/lib/common.sh
    # shellcheck source=/dev/null
    source scripts/lib/toolchain.sh
    ensure_venv "$VENV" "$SCHEMATHESIS"
else
    [[ -x $VENV/bin/python ]] || python3 -m venv "$VENV"
    "$VENV/bin/schemathesis" --version >/dev/null 2>&1 ||
        "$VENV/bin/pip" install --quiet --disable-pip-version-check "$SCHEMATHESIS"
fi

BIN="${MIKROBILL_BIN:-$ROOT/target/debug/mikrobill}"
if [[ ! -x $BIN ]]; then
    cargo build --quiet --bin mikrobill
    BIN=$ROOT/target/debug/mikrobill
fi

DB="mikrobill_contract_$$_$(rand_hex 3)"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
WORK=$(mktemp -d)
SERVER_PID=

cleanup() {
    if [[ -n $SERVER_PID ]]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    psql -q -d postgres -c "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT

psql -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE \"$DB\"" >/dev/null
export DATABASE_URL="postgres://$PGUSER@$PGHOST:$PGPORT/$DB"
export MIKROBILL_BIND="127.0.0.1:$PORT"
export MIKROBILL_JWT_SECRET=${MIKROBILL_JWT_SECRET:-$(rand_hex 32)}
export MIKROBILL_MASTER_KEY=${MIKROBILL_MASTER_KEY:-$(rand_hex 32)}
export MIKROBILL_BCRYPT_COST=4
export AMQP_URL=
export RUST_LOG=${RUST_LOG:-warn}

say "serve on $BASE, database $DB"
"$BIN" serve >"$WORK/serve.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
    curl -fsS "$BASE/healthz" >/dev/null 2>&1 && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/serve.log"; exit 1; }
    sleep 0.2
done
curl -fsS "$BASE/healthz" >/dev/null

PASSWORD="contract-$(rand_hex 12)"
printf '%s\n' "$PASSWORD" | "$BIN" admin create --username contract --role super_admin --password-stdin >/dev/null
TOKEN=$(curl -fsS -X POST -H 'content-type: application/json' \
    -d "{\"username\":\"contract\",\"password\":\"$PASSWORD\"}" "$BASE/api/v1/auth/login" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
curl -fsS "$BASE/api/v1/openapi.json" -o "$WORK/openapi.json"

# Operations that would end the run's own session are left out: logout, revoking sessions,
# password changes and resets (they revoke sessions by design).
EXCLUDE='^/api/v1/auth/(logout|password|sessions/\{id\})$|^/api/v1/admin-users/\{id\}/password$'
say "schemathesis: ${MAX_EXAMPLES} examples per operation, at most ${MAX_TIME}s"
status=0
"$VENV/bin/schemathesis" run "$WORK/openapi.json" \
    --url "$BASE" \
    --header "Authorization: Bearer $TOKEN" \
    --checks not_a_server_error,response_schema_conformance,content_type_conformance \
    --max-examples "$MAX_EXAMPLES" \
    --max-time "$MAX_TIME" \
    --phases examples,coverage,fuzzing \
    --exclude-path-regex "$EXCLUDE" \
    --request-timeout 10 \
    --workers 2 \
    --seed "${CONTRACT_SEED:-20261125}" \
    --generation-database none \
    --suppress-health-check all \
    --no-color || status=$?
if ((status != 0)); then
    say "schemathesis failed (exit $status); last server log lines:"
    tail -n 30 "$WORK/serve.log" || true
    exit "$status"
fi
# 5xx answers are logged as "request failed"; actix's own parse errors of fuzzed bytes are not ours
if grep -q 'request failed' "$WORK/serve.log"; then
    say "the server logged failed requests during the run:"
    grep 'request failed' "$WORK/serve.log" | head -20
    exit 1
fi

say "TypeScript client: openapi-typescript + tsc --noEmit"
cd "$HERE"
if [[ ! -x node_modules/.bin/openapi-typescript || ! -x node_modules/.bin/tsc ]]; then
    npm install --no-audit --no-fund --loglevel=error >/dev/null
fi
mkdir -p generated
node_modules/.bin/openapi-typescript "$WORK/openapi.json" -o generated/api.d.ts >/dev/null
node_modules/.bin/tsc -p tsconfig.json
say "ok"
