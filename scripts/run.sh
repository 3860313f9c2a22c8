#!/usr/bin/env bash
# scripts/run.sh — start mikrobill locally with demo data: installs what is missing, makes
# sure PostgreSQL and RabbitMQ answer, builds the release binary, migrates, starts the
# RouterOS simulator, loads demo data, creates a demo admin (once), starts the API and a
# worker in the background and prints where everything is.
#
#   scripts/run.sh          start (a second run restarts what the first one started)
#   scripts/run.sh --stop   stop what run.sh started
#
# Knobs (environment): DEMO_CUSTOMERS (200), DEMO_VOUCHERS (2000), SIM_ROUTERS (10),
# SIM_BASE_PORT (18728), SIM_CONTROL_PORT (18780), MIKROBILL_BIND (127.0.0.1:8080),
# DATABASE_URL, AMQP_URL ('' = embedded mode, no RabbitMQ), MIKROBILL_PROFILE (release; 'dev'
# for a quicker debug build while developing), MIKROBILL_BIN (use this binary, skip the build).
set -euo pipefail

# shellcheck source=lib/setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/setup.sh"
cd "$MB_ROOT"

DEMO_CUSTOMERS=${DEMO_CUSTOMERS:-200}
DEMO_VOUCHERS=${DEMO_VOUCHERS:-2000}
# `mikrobill demo` creates 10 routers at SIM_BASE_PORT+i by default; one simulator serves them.
SIM_ROUTERS=${SIM_ROUTERS:-10}
SIM_BASE_PORT=${SIM_BASE_PORT:-18728}
SIM_CONTROL_PORT=${SIM_CONTROL_PORT:-18780}
# The demo routers point at the simulator with these credentials (a local test double,
# not a real router; the same defaults as `mikrobill demo`).
SIM_USER=${SIM_USER:-admin}
SIM_PASSWORD=${SIM_PASSWORD:-mikrobill-demo}
export MIKROBILL_BIND=${MIKROBILL_BIND:-127.0.0.1:8080}
API="http://$MIKROBILL_BIND"
PROFILE=${MIKROBILL_PROFILE:-release}
case $PROFILE in
release) BIN="$MB_ROOT/target/release/mikrobill" ;;
dev | debug) PROFILE=dev BIN="$MB_ROOT/target/debug/mikrobill" ;;
*) die "MIKROBILL_PROFILE must be release or dev" ;;
esac
SERVICES=(api worker routeros-sim)

stop_all() {
    local s
    for s in "${SERVICES[@]}"; do
        if pidfile_alive "$MB_RUN_DIR/$s.pid"; then
            log "stopping $s (pid $(head -n1 "$MB_RUN_DIR/$s.pid"))"
        fi
        stop_pidfile "$MB_RUN_DIR/$s.pid"
    done
}

case ${1:-} in
--stop)
    stop_all
    ok "stopped"
    exit 0
    ;;
-h | --help)
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
    exit 0
    ;;
'') ;;
*) die "unknown argument '$1' (try --help)" ;;
esac

# require_subcommand NAME — dies with a clear message when this build lacks NAME.
require_subcommand() {
    bin_has_subcommand "$BIN" "$1" ||
        die "this build of mikrobill has no '$1' subcommand yet (${BIN#"$MB_ROOT/"} --help does not list it)"
}

# The port must be free before we start something on it, or the new process would fail
# with an address-in-use error hidden in its log.
require_free_port() {
    local hostport=$1 what=$2
    if port_open "${hostport%:*}" "${hostport##*:}"; then
        die "$hostport is already in use by another program; $what cannot start there (change it with the knob in scripts/run.sh --help)"
    fi
}

mb_setup
export_secrets

if [[ -n ${MIKROBILL_BIN:-} ]]; then
    BIN=$MIKROBILL_BIN
    [[ -x $BIN ]] || die "MIKROBILL_BIN=$BIN is not an executable"
    log "using $BIN (MIKROBILL_BIN; no build)"
else
    log "building mikrobill (cargo build --profile $PROFILE --bin mikrobill)"
    cargo build --profile "$PROFILE" --bin mikrobill || die "cargo build failed (output above)"
fi

stop_all
require_free_port "$MIKROBILL_BIND" "the API (MIKROBILL_BIND)"

# --- database -----------------------------------------------------------------------------
serve_args=(serve --no-migrate)
if bin_has_subcommand "$BIN" migrate; then
    log "migrating $(pg_parse_url "$DATABASE_URL" && echo "$PG_DB")"
    "$BIN" migrate || die "mikrobill migrate failed (output above)"
else
    warn "this build has no 'migrate' subcommand yet: 'serve' will migrate at start instead"
    serve_args=(serve)
fi

# --- RouterOS simulator ----------------------------------------------------------------------
sim_started=0
if bin_has_subcommand "$BIN" routeros-sim; then
    # Every router as --router (the single-router --listen form is ignored next to them).
    sim_args=(routeros-sim --control-listen "127.0.0.1:$SIM_CONTROL_PORT")
    require_free_port "127.0.0.1:$SIM_CONTROL_PORT" "the simulator control API"
    for ((i = 0; i < SIM_ROUTERS; i++)); do
        port=$((SIM_BASE_PORT + i))
        require_free_port "127.0.0.1:$port" "simulated router $((i + 1))"
        sim_args+=(--router "$(printf 'sim-%02d' $((i + 1)))=127.0.0.1:$port,$SIM_USER,$SIM_PASSWORD")
    done
    log "starting the RouterOS simulator: $SIM_ROUTERS routers on 127.0.0.1:$SIM_BASE_PORT-$((SIM_BASE_PORT + SIM_ROUTERS - 1))"
    start_bg routeros-sim "$BIN" "${sim_args[@]}"
    if wait_until 15 "the simulator on port $SIM_BASE_PORT" port_open 127.0.0.1 "$SIM_BASE_PORT"; then
        sim_started=1
    else
        show_log_tail "$MB_RUN_DIR/routeros-sim.log"
        die "the RouterOS simulator did not start (log: .run/routeros-sim.log)"
    fi
else
    warn "skipped the RouterOS simulator: this build has no 'routeros-sim' subcommand yet"
fi

# --- demo data --------------------------------------------------------------------------------
if bin_has_subcommand "$BIN" demo; then
    log "loading demo data ($DEMO_CUSTOMERS customers, $DEMO_VOUCHERS vouchers)"
    demo_args=(demo --customers "$DEMO_CUSTOMERS" --vouchers "$DEMO_VOUCHERS")
    # Options the demo command may not have yet are passed only when it lists them.
    bin_has_flag "$BIN" demo --routers-sim-base-port && demo_args+=(--routers-sim-base-port "$SIM_BASE_PORT")
    bin_has_flag "$BIN" demo '--routers ' && demo_args+=(--routers "$SIM_ROUTERS")
    bin_has_flag "$BIN" demo --router-username && demo_args+=(--router-username "$SIM_USER")
    bin_has_flag "$BIN" demo --router-password && demo_args+=(--router-password "$SIM_PASSWORD")
    "$BIN" "${demo_args[@]}" || die "mikrobill demo failed (output above)"
else
    warn "skipped demo data: this build has no 'demo' subcommand yet"
fi

# --- demo admin -------------------------------------------------------------------------------
ADMIN_FILE="$MB_RUN_DIR/admin.txt"

# Number of admin accounts, or '' when the table is not there to ask.
admin_count() {
    psql -w -X -At "$DATABASE_URL" -c 'select count(*) from admin_users' 2>/dev/null || true
}

admin_note=''
count=$(admin_count)
saved_pass=''
[[ -s $ADMIN_FILE ]] && saved_pass=$(sed -n 's/^password=//p' "$ADMIN_FILE")
if [[ -n $count && $count != 0 ]]; then
    if [[ -n $saved_pass ]]; then
        admin_note="reused from .run/admin.txt"
    else
        admin_note="the database already has $count admin account(s) whose password run.sh does not know; add one with: target/release/mikrobill admin create --username NAME --role super_admin"
    fi
elif [[ -z $count && -n $saved_pass ]]; then
    # No admin table to ask (older schema): trust the file.
    admin_note="reused from .run/admin.txt"
elif bin_has_subcommand "$BIN" admin; then
    log "creating the demo admin (super_admin)"
    # A fresh database but a saved password: recreate the same login.
    password=${saved_pass:-$(random_password)}
    printf '%s\n' "$password" | "$BIN" admin create --username admin --role super_admin --password-stdin >/dev/null ||
        die "mikrobill admin create failed (output above)"
    (umask 077 && printf 'username=admin\npassword=%s\n' "$password" >"$ADMIN_FILE")
    admin_note="created now, saved in .run/admin.txt"
else
    admin_note="not created: this build has no 'admin' subcommand yet"
    warn "$admin_note"
fi

# --- API and worker ------------------------------------------------------------------------
require_subcommand serve
log "starting the API on $API"
start_bg api "$BIN" "${serve_args[@]}"

worker_note="not started: this build has no 'worker' subcommand yet"
if bin_has_subcommand "$BIN" worker; then
    log "starting a worker"
    start_bg worker "$BIN" worker
    worker_note="running (pid $(head -n1 "$MB_RUN_DIR/worker.pid"), log .run/worker.log)"
else
    warn "$worker_note"
fi

log "waiting for $API/readyz"
deadline=$((SECONDS + 60))
until [[ $(http_status "$API/readyz") == 200 ]]; do
    if ! pidfile_alive "$MB_RUN_DIR/api.pid"; then
        show_log_tail "$MB_RUN_DIR/api.log"
        die "the API exited during start-up; log: .run/api.log"
    fi
    if ((SECONDS >= deadline)); then
        show_log_tail "$MB_RUN_DIR/api.log"
        die "the API runs but $API/readyz is not 200 after 60 s (it says $(http_status "$API/readyz")); log: .run/api.log"
    fi
    sleep 0.5
done
if [[ -f $MB_RUN_DIR/worker.pid ]] && ! pidfile_alive "$MB_RUN_DIR/worker.pid"; then
    show_log_tail "$MB_RUN_DIR/worker.log"
    die "the worker exited during start-up; log: .run/worker.log"
fi

# --- where things are ---------------------------------------------------------------------
admin_user='' admin_pass=''
if [[ -s $ADMIN_FILE ]]; then
    admin_user=$(sed -n 's/^username=//p' "$ADMIN_FILE")
    admin_pass=$(sed -n 's/^password=//p' "$ADMIN_FILE")
fi

cat <<INFO

mikrobill is running.

  API            $API/api/v1
  Docs           $API/docs
  OpenAPI        $API/api/v1/openapi.json
  Metrics        $API/metrics
  Health         $API/healthz   $API/readyz
INFO
if ((sim_started)); then
    cat <<INFO
  Simulator      RouterOS API on 127.0.0.1:$SIM_BASE_PORT-$((SIM_BASE_PORT + SIM_ROUTERS - 1)) (user $SIM_USER / $SIM_PASSWORD)
                 control API http://127.0.0.1:$SIM_CONTROL_PORT/routers
INFO
fi
cat <<INFO
  Worker         $worker_note
  Database       $(mask_url "$DATABASE_URL")
  Broker         $(if [[ -n $AMQP_URL ]]; then mask_url "$AMQP_URL"; else echo 'embedded mode (AMQP_URL is empty)'; fi)

  Admin login    ${admin_user:-—} ${admin_pass:+/ $admin_pass}   ($admin_note)
INFO
if [[ -n $admin_user ]]; then
    cat <<INFO
                 curl -s $API/api/v1/auth/login -H 'content-type: application/json' \\
                   -d '{"username":"$admin_user","password":"<password above>"}'
INFO
fi
cat <<INFO

  Logs           .run/api.log  .run/worker.log  .run/routeros-sim.log
  Stop           scripts/run.sh --stop
INFO
