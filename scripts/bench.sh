#!/usr/bin/env bash
# scripts/bench.sh [scenario…] — HTTP benchmarks of the release binary on its own database:
# builds, loads demo data (100k customers, 1M vouchers, timed), starts the API, drives each
# scenario with wrk at two concurrency levels, runs pgbench on the same SQL where that gives
# the database's own limit, measures the API's idle RSS, prints one table and stops
# everything it started.
#
# Scenarios: healthz auth_me auth_me_login_burst (auth_me while 8 connections keep logging
# in) customers_phone customers_search customer_summary topup login,
# plus one per scripts/bench.d/NAME.sh (all when none is named). A scenario whose route
# answers 404 is shown as n/a.
#
# Knobs (environment): BENCH_DURATION (15s), BENCH_CONNS ("4 64"), BENCH_THREADS (2),
# BENCH_CUSTOMERS (100000), BENCH_VOUCHERS (1000000), BENCH_KEEP_DB (0; 1 reuses loaded
# data), BENCH_BIND (127.0.0.1:18090), BENCH_PGBENCH (1), MIKROBILL_LOG (warn),
# MIKROBILL_BIN (use this binary, skip the build).
set -euo pipefail

# shellcheck source=lib/setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/setup.sh"
cd "$MB_ROOT"

HTTP_SCENARIOS=(healthz auth_me auth_me_login_burst customers_phone customers_search customer_summary topup login)
# Scenarios that need a worker / the RouterOS simulator running.
WORKER_SCENARIOS=()
SIM_SCENARIOS=()
# Other scenarios are scripts in scripts/bench.d/NAME.sh (driver, job or router benchmarks).
# One runs with MIKROBILL_BIN, API, TOKEN, DATABASE_URL, BENCH_DURATION, BENCH_CONNS,
# BENCH_THREADS, BENCH_WORK, SIM_BASE_PORT and SIM_CONTROL_PORT in its environment, declares what it needs in
# a '# needs: worker sim' line, and prints its table rows as
# 'ROW<TAB>scenario<TAB>conns<TAB>ops/s<TAB>p50<TAB>p99<TAB>errors' (other output is shown
# as progress); a non-zero exit marks its row as error.
PLUGIN_DIR="$MB_ROOT/scripts/bench.d"
PLUGIN_SCENARIOS=()
for f in "$PLUGIN_DIR"/*.sh; do
    [[ -f $f ]] || continue
    f=${f##*/}
    PLUGIN_SCENARIOS+=("${f%.sh}")
    if grep -qE '^# needs:.*\bworker\b' "$PLUGIN_DIR/$f"; then WORKER_SCENARIOS+=("${f%.sh}"); fi
    if grep -qE '^# needs:.*\bsim\b' "$PLUGIN_DIR/$f"; then SIM_SCENARIOS+=("${f%.sh}"); fi
done
ALL_SCENARIOS=("${HTTP_SCENARIOS[@]}" "${PLUGIN_SCENARIOS[@]}")

BENCH_DURATION=${BENCH_DURATION:-15s}
BENCH_CONNS=${BENCH_CONNS:-4 64}
BENCH_THREADS=${BENCH_THREADS:-2}
BENCH_CUSTOMERS=${BENCH_CUSTOMERS:-100000}
BENCH_VOUCHERS=${BENCH_VOUCHERS:-1000000}
BENCH_KEEP_DB=${BENCH_KEEP_DB:-0}
BENCH_BIND=${BENCH_BIND:-127.0.0.1:18090}
BENCH_PGBENCH=${BENCH_PGBENCH:-1}
BENCH_SIM_BASE_PORT=${BENCH_SIM_BASE_PORT:-28728}
BENCH_SIM_CONTROL_PORT=${BENCH_SIM_CONTROL_PORT:-28780}
export MIKROBILL_LOG=${MIKROBILL_LOG:-warn}

case ${1:-} in
-h | --help)
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
    exit 0
    ;;
esac

# --- which scenarios ---------------------------------------------------------------------
scenarios=()
if (($# == 0)); then
    scenarios=("${ALL_SCENARIOS[@]}")
else
    for s in "$@"; do
        [[ " ${ALL_SCENARIOS[*]} " == *" $s "* ]] || die "unknown scenario '$s'; known: ${ALL_SCENARIOS[*]}"
        scenarios+=("$s")
    done
fi
wants() {
    local s
    for s in "${scenarios[@]}"; do
        [[ " $* " == *" $s "* ]] && return 0
    done
    return 1
}

# --- set-up ------------------------------------------------------------------------------
MB_RUN_DIR="$MB_ROOT/.run/bench"
WORK="$MB_RUN_DIR/work"
rm -rf "$WORK"
mkdir -p "$WORK"

mb_setup
ensure_wrk
have pgbench || {
    warn "pgbench not found (it comes with the PostgreSQL server package); the SQL reference rows are skipped"
    BENCH_PGBENCH=0
}
export_secrets
# Never touch the developer's database: the bench has its own.
pg_parse_url "$DATABASE_URL"
export DATABASE_URL
DATABASE_URL=$(pg_url_for mikrobill_bench)
API="http://$BENCH_BIND"

if [[ -n ${MIKROBILL_BIN:-} ]]; then
    BIN=$MIKROBILL_BIN
    [[ -x $BIN ]] || die "MIKROBILL_BIN=$BIN is not an executable"
else
    log "building the release binary"
    cargo build --release --bin mikrobill || die "cargo build --release failed (output above)"
    BIN="$MB_ROOT/target/release/mikrobill"
fi
bin_has_subcommand "$BIN" serve || die "this build of mikrobill has no 'serve' subcommand yet; the bench needs it"
# While the CLI grows: without `migrate`, serve migrates at start; without `admin`, the
# authenticated scenarios are n/a.
serve_args=(serve --no-migrate)
migrate() {
    if bin_has_subcommand "$BIN" migrate; then
        "$BIN" migrate
    else
        warn "this build has no 'migrate' subcommand yet: 'serve' will migrate at start"
        serve_args=(serve)
    fi
}

STARTED=(api worker routeros-sim)
cleanup() {
    local s
    for s in "${STARTED[@]}"; do
        stop_pidfile "$MB_RUN_DIR/$s.pid"
    done
}
trap cleanup EXIT
trap 'exit 130' INT TERM
cleanup

# Seconds with milliseconds since the epoch, for timing steps.
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

sql() { psql -w -X -q -At "$DATABASE_URL" -c "$1"; }

# --- database and demo data --------------------------------------------------------------
demo_note='reused (BENCH_KEEP_DB=1)'
have_rows=0
if [[ $BENCH_KEEP_DB == 1 ]]; then
    have_rows=$(sql 'select count(*) from customers' 2>/dev/null || echo 0)
fi
if [[ $BENCH_KEEP_DB != 1 || $have_rows -lt $BENCH_CUSTOMERS ]]; then
    log "recreating database mikrobill_bench"
    psql -w -X -q "$(pg_url_for postgres)" -c 'drop database if exists mikrobill_bench with (force)' ||
        die "could not drop mikrobill_bench"
    pg_create_db mikrobill_bench
    t0=$(now)
    migrate || die "mikrobill migrate failed (output above)"
    migrate_secs=$(elapsed "$t0")
    if bin_has_subcommand "$BIN" demo; then
        log "loading demo data: $BENCH_CUSTOMERS customers, $BENCH_VOUCHERS vouchers"
        t0=$(now)
        demo_args=(demo --customers "$BENCH_CUSTOMERS" --vouchers "$BENCH_VOUCHERS")
        bin_has_flag "$BIN" demo --routers-sim-base-port && demo_args+=(--routers-sim-base-port "$BENCH_SIM_BASE_PORT")
        "$BIN" "${demo_args[@]}" || die "mikrobill demo failed (output above)"
        demo_secs=$(elapsed "$t0")
        demo_note="${demo_secs} s for $BENCH_CUSTOMERS customers + $BENCH_VOUCHERS vouchers (migrate ${migrate_secs} s)"
    else
        demo_note="not loaded: this build has no 'demo' subcommand yet"
        warn "$demo_note"
    fi
else
    migrate >/dev/null || die "mikrobill migrate failed"
fi

# --- processes ---------------------------------------------------------------------------
if wants "${SIM_SCENARIOS[@]}"; then
    bin_has_subcommand "$BIN" routeros-sim || die "a chosen scenario needs the RouterOS simulator; this build has none"
    start_bg routeros-sim "$BIN" routeros-sim --listen "127.0.0.1:$BENCH_SIM_BASE_PORT" --user admin --password mikrobill-demo \
        --control-listen "127.0.0.1:$BENCH_SIM_CONTROL_PORT"
    wait_until 15 "the simulator" port_open 127.0.0.1 "$BENCH_SIM_BASE_PORT" || die "the simulator did not start"
fi
if wants "${WORKER_SCENARIOS[@]}"; then
    bin_has_subcommand "$BIN" worker || die "a chosen scenario needs a worker; this build has none"
    start_bg worker "$BIN" worker
fi
port_open "${BENCH_BIND%:*}" "${BENCH_BIND##*:}" && die "$BENCH_BIND is in use; set BENCH_BIND"
log "starting the API on $API (MIKROBILL_LOG=$MIKROBILL_LOG)"
MIKROBILL_BIND=$BENCH_BIND start_bg api "$BIN" "${serve_args[@]}"
deadline=$((SECONDS + 60))
until [[ $(http_status "$API/readyz") == 200 ]]; do
    pidfile_alive "$MB_RUN_DIR/api.pid" || {
        show_log_tail "$MB_RUN_DIR/api.log"
        die "the API exited during start-up"
    }
    ((SECONDS < deadline)) || {
        show_log_tail "$MB_RUN_DIR/api.log"
        die "$API/readyz not 200 after 60 s"
    }
    sleep 0.5
done
api_pid=$(head -n1 "$MB_RUN_DIR/api.pid")
rss_kb() { awk -v k="$2" '$1 == k":" {print $2}' "/proc/$1/status"; }
sleep 2
idle_rss_kb=$(rss_kb "$api_pid" VmRSS)

# --- credentials and fixtures ------------------------------------------------------------
bench_pass=$(random_password)
bench_user="bench_$(random_hex 3)"
login_body=$(printf '{"username":"%s","password":"%s"}' "$bench_user" "$bench_pass")
token=''
login_status=404
if bin_has_subcommand "$BIN" admin; then
    printf '%s\n' "$bench_pass" | "$BIN" admin create --username "$bench_user" --role super_admin --password-stdin >/dev/null ||
        die "mikrobill admin create failed (output above)"
    login_status=$(http_status "$API/api/v1/auth/login" -X POST -H 'content-type: application/json' -d "$login_body")
else
    warn "this build has no 'admin' subcommand yet: no bench admin, authenticated scenarios are n/a"
fi
if [[ $login_status == 200 ]]; then
    token=$(curl -s --max-time 10 -X POST -H 'content-type: application/json' -d "$login_body" \
        "$API/api/v1/auth/login" | jq -r '.access_token // empty')
fi
[[ -n $token ]] || warn "no access token (POST /api/v1/auth/login answered $login_status): authenticated scenarios are n/a"

have_customers=$(sql "select count(*) > 0 from customers where deleted_at is null" 2>/dev/null || echo f)
min_id=0 max_id=0
if [[ $have_customers == t ]]; then
    read -r min_id max_id < <(sql "select min(id), max(id) from customers" | tr '|' ' ')
    # Phones in the forms people type: 62…, 08… and +62… (URL-encoded).
    sql "select phone from customers where deleted_at is null order by random() limit 1000" |
        awk 'NR % 3 == 0 { print "\"0" substr($0, 3) "\"," ; next }
             NR % 3 == 1 { print "\"%2B" $0 "\","; next }
             { print "\"" $0 "\"," }' >"$WORK/phones.lua"
    sql "select id from customers where deleted_at is null order by random() limit 1000" |
        sed 's/$/,/' >"$WORK/ids.lua"
    {
        sql "select distinct lower(substr(name, 1, 3)) from customers where lower(substr(name, 1, 3)) ~ '^[a-z]{3}\$' limit 150"
        sql "select distinct substr(phone, 1, 7) from customers limit 50"
    } | sed 's/.*/"&",/' >"$WORK/terms.lua"
fi

# --- scenarios ---------------------------------------------------------------------------
# Each scenario is a wrk Lua script: a request part, plus the shared setup/init/done below,
# which prints one machine-readable result line with exact percentiles.
lua_common() {
    cat <<LUA
token = "$token"
run = "$(random_hex 4)"
counter = 0
local threads = {}
function setup(thread)
    thread:set("tid", #threads + 1)
    table.insert(threads, thread)
end
function init(args)
    math.randomseed(os.time() * 1000 + (tid or 0))
end
function done(summary, latency, requests)
    local e = summary.errors
    io.write(string.format("MB_RESULT %d %d %d %d %d %d\n", summary.requests, summary.duration,
        math.floor(latency:percentile(50)), math.floor(latency:percentile(99)),
        e.status, e.connect + e.read + e.write + e.timeout))
end
LUA
}

# scenario_lua NAME — prints the request part; scenario_probe NAME — curl arguments for one
# representative request (to tell a missing route from a slow one).
scenario_lua() {
    case $1 in
    healthz) echo 'wrk.method = "GET"; wrk.path = "/healthz"' ;;
    auth_me | auth_me_login_burst) echo 'wrk.path = "/api/v1/auth/me"; wrk.headers["Authorization"] = "Bearer " .. token' ;;
    customers_phone)
        echo "phones = {"
        cat "$WORK/phones.lua"
        echo '}
wrk.headers["Authorization"] = "Bearer " .. token
function request()
    return wrk.format("GET", "/api/v1/customers?phone=" .. phones[math.random(#phones)])
end'
        ;;
    customers_search)
        echo "terms = {"
        cat "$WORK/terms.lua"
        echo '}
wrk.headers["Authorization"] = "Bearer " .. token
function request()
    return wrk.format("GET", "/api/v1/customers?q=" .. terms[math.random(#terms)] .. "&limit=20")
end'
        ;;
    customer_summary)
        echo "ids = {"
        cat "$WORK/ids.lua"
        echo '}
wrk.headers["Authorization"] = "Bearer " .. token
function request()
    return wrk.format("GET", "/api/v1/customers/" .. ids[math.random(#ids)] .. "/summary")
end'
        ;;
    topup)
        echo "ids = {"
        cat "$WORK/ids.lua"
        echo '}
local body = "{\"type\":\"top_up\",\"amount\":\"1000.00\"}"
function request()
    counter = counter + 1
    local headers = {
        ["Authorization"] = "Bearer " .. token,
        ["Content-Type"] = "application/json",
        ["Idempotency-Key"] = string.format("bench-%s-%d-%d", run, tid or 0, counter),
    }
    return wrk.format("POST", "/api/v1/customers/" .. ids[math.random(#ids)] .. "/transactions", headers, body)
end'
        ;;
    login)
        printf 'wrk.method = "POST"; wrk.path = "/api/v1/auth/login"\n'
        printf 'wrk.headers["Content-Type"] = "application/json"\n'
        printf 'wrk.body = [[%s]]\n' "$login_body"
        ;;
    esac
}

first_id() { head -n1 "$WORK/ids.lua" | tr -d ','; }
first_phone() { head -n1 "$WORK/phones.lua" | tr -d '",'; }

scenario_probe() {
    local auth=(-H "Authorization: Bearer $token")
    case $1 in
    healthz) echo "$API/healthz" ;;
    auth_me) printf '%s\n' "$API/api/v1/auth/me" "${auth[@]}" ;;
    auth_me_login_burst) scenario_probe login ;;
    customers_phone) printf '%s\n' "$API/api/v1/customers?phone=$(first_phone)" "${auth[@]}" ;;
    customers_search) printf '%s\n' "$API/api/v1/customers?q=$(head -n1 "$WORK/terms.lua" | tr -d '",')&limit=20" "${auth[@]}" ;;
    customer_summary) printf '%s\n' "$API/api/v1/customers/$(first_id)/summary" "${auth[@]}" ;;
    topup)
        printf '%s\n' "$API/api/v1/customers/$(first_id)/transactions" "${auth[@]}" -X POST \
            -H 'Content-Type: application/json' -H "Idempotency-Key: bench-probe-$(random_hex 6)" \
            -d '{"type":"top_up","amount":"1000.00"}'
        ;;
    login) printf '%s\n' "$API/api/v1/auth/login" -X POST -H 'Content-Type: application/json' -d "$login_body" ;;
    esac
}

# Why a scenario cannot run, or '' when it can.
scenario_blocker() {
    case $1 in
    healthz) ;;
    login)
        if [[ $login_status == 404 ]]; then
            echo "404"
            return
        fi
        ;;
    *)
        [[ -n $token ]] || {
            echo "no token"
            return
        }
        case $1 in customers_* | customer_summary | topup)
            [[ $have_customers == t ]] || {
                echo "no demo data"
                return
            }
            ;;
        esac
        ;;
    esac
    local args=()
    mapfile -t args < <(scenario_probe "$1")
    local code
    code=$(http_status "${args[@]}")
    case $code in
    404 | 405) echo "$code" ;;
    000) echo "no answer" ;;
    esac
}

ROWS=()
NOTES=()
fmt_ms() { awk -v u="$1" 'BEGIN { printf "%.2f ms", u / 1000 }'; }
row() { ROWS+=("$(printf '| %-38s | %5s | %9s | %9s | %9s | %8s |' "$@")"); }

ledger_rows() { sql 'select count(*) from ledger_entries' 2>/dev/null || echo ''; }

run_wrk() {
    local name=$1 conns=$2 script="$WORK/$1.lua" out="$WORK/$1-$2.out"
    {
        lua_common
        scenario_lua "$name"
    } >"$script"
    local burst_pid=''
    if [[ $name == auth_me_login_burst ]]; then
        # Logins (bcrypt) hammer the server alongside; the row shows what auth_me keeps.
        {
            lua_common
            scenario_lua login
        } >"$WORK/burst.lua"
        wrk -t1 -c8 -d"$BENCH_DURATION" --timeout 10s -s "$WORK/burst.lua" "$API" >"$WORK/burst-$conns.out" 2>&1 &
        burst_pid=$!
    fi
    log "wrk $name -t$BENCH_THREADS -c$conns -d$BENCH_DURATION"
    local wrk_rc=0
    wrk -t"$BENCH_THREADS" -c"$conns" -d"$BENCH_DURATION" --timeout 5s -s "$script" "$API" >"$out" 2>&1 || wrk_rc=$?
    if [[ -n $burst_pid ]]; then
        wait "$burst_pid" || true
        local b
        read -r _ b _ < <(grep '^MB_RESULT' "$WORK/burst-$conns.out" || echo "x 0 x")
        NOTES+=("auth_me_login_burst -c$conns: $b logins completed alongside (8 connections)")
    fi
    if ((wrk_rc != 0)); then
        warn "wrk failed for $name:"
        cat "$out" >&2
        row "$name" "$conns" error error error error
        return
    fi
    local requests duration p50 p99 status sock
    read -r _ requests duration p50 p99 status sock < <(grep '^MB_RESULT' "$out")
    if ((requests == 0)); then
        row "$name" "$conns" 0 - - "timeout"
        NOTES+=("$name -c$conns: no request completed within $BENCH_DURATION")
        LAST_OK=0
        return
    fi
    local rps
    rps=$(awk -v r="$requests" -v d="$duration" 'BEGIN { printf "%d", r / (d / 1e6) }')
    row "$name" "$conns" "$rps" "$(fmt_ms "$p50")" "$(fmt_ms "$p99")" "$((status + sock))"
    if ((sock > 0)); then
        NOTES+=("$name -c$conns: $sock socket errors/timeouts included in errors")
    fi
    LAST_OK=$((requests - status - sock))
}

# pgbench_ref LABEL SQL_FILE — the database alone on the same SQL, at each concurrency.
pgbench_ref() {
    local label=$1 file=$2 conns
    ((BENCH_PGBENCH == 1)) || return 0
    local free
    # PostgreSQL refuses clients beyond max_connections; leave room for the API's pool and
    # anything else running.
    free=$(sql "select current_setting('max_connections')::int - count(*) - 5 from pg_stat_activity" 2>/dev/null || echo 20)
    for conns in $BENCH_CONNS; do
        if ((conns > free)); then
            NOTES+=("$label: $free clients instead of $conns (max_connections leaves no more)")
            conns=$free
        fi
        local dir="$WORK/pgb-${label//[^a-z0-9]/_}-$conns"
        mkdir -p "$dir"
        log "pgbench $label -c$conns -T${BENCH_DURATION%s}"
        if ! (cd "$dir" && pgbench -n -M prepared -c "$conns" -j "$BENCH_THREADS" -T "${BENCH_DURATION%s}" \
            -D "minid=$min_id" -D "maxid=$max_id" -l -f "$file" "$DATABASE_URL" >"$dir/out" 2>&1); then
            warn "pgbench failed for $label:"
            tail -n 5 "$dir/out" >&2
            row "$label" "$conns" error error error error
            continue
        fi
        local tps p50 p99 failed
        tps=$(awk '/^tps = / { printf "%d", $3 }' "$dir/out")
        failed=$(awk '/number of failed transactions:/ { print $5 }' "$dir/out")
        read -r p50 p99 < <(cat "$dir"/pgbench_log.* | awk '{ print $3 }' | sort -n |
            awk '{ a[NR] = $1 } END { i50 = int(NR * 0.50); i99 = int(NR * 0.99); if (i50 < 1) i50 = 1; if (i99 < 1) i99 = 1; print a[i50], a[i99] }')
        row "$label" "$conns" "$tps" "$(fmt_ms "$p50")" "$(fmt_ms "$p99")" "${failed:-0}"
        rm -f "$dir"/pgbench_log.*
    done
}

# run_plugin NAME — a scripts/bench.d scenario; its ROW lines join the table.
run_plugin() {
    local name=$1 out="$WORK/$1.plugin.out" rc=0
    log "bench.d/$name.sh"
    MIKROBILL_BIN=$BIN API=$API TOKEN=$token BENCH_WORK=$WORK SIM_BASE_PORT=$BENCH_SIM_BASE_PORT \
        SIM_CONTROL_PORT=$BENCH_SIM_CONTROL_PORT \
        BENCH_DURATION=$BENCH_DURATION BENCH_CONNS=$BENCH_CONNS BENCH_THREADS=$BENCH_THREADS \
        timeout 900 bash "$PLUGIN_DIR/$name.sh" >"$out" || rc=$?
    local tag scen conns rate p50 p99 errors
    while IFS=$'\t' read -r tag scen conns rate p50 p99 errors; do
        [[ $tag == ROW ]] && row "$scen" "$conns" "$rate" "$p50" "$p99" "$errors"
    done <"$out"
    grep -v '^ROW' "$out" | sed 's/^/    /' >&2 || true
    if ((rc != 0)); then
        row "$name" - error error error error
        NOTES+=("$name: bench.d/$name.sh exited with $rc")
    fi
}

for name in "${scenarios[@]}"; do
    if [[ " ${PLUGIN_SCENARIOS[*]} " == *" $name "* ]]; then
        run_plugin "$name"
        continue
    fi
    blocker=$(scenario_blocker "$name")
    if [[ -n $blocker ]]; then
        log "$name: n/a ($blocker)"
        for conns in $BENCH_CONNS; do
            row "$name" "$conns" n/a n/a n/a "n/a"
        done
        NOTES+=("$name: n/a ($blocker)")
        continue
    fi
    before=''
    [[ $name == topup ]] && before=$(ledger_rows)
    ok_requests=0
    for conns in $BENCH_CONNS; do
        LAST_OK=0
        run_wrk "$name" "$conns"
        ok_requests=$((ok_requests + LAST_OK))
    done
    if [[ $name == topup && -n $before ]]; then
        after=$(ledger_rows)
        NOTES+=("topup: wrk counted $ok_requests successful requests; $((after - before)) ledger rows were written (the difference is the probe plus requests still in flight when wrk stopped, which it does not count)")
    fi
    # The database's own limit on the same query, for comparison.
    if [[ $have_customers == t ]]; then
        case $name in
        customers_phone)
            printf '%s\n' '\set id random(:minid, :maxid)' \
                'SELECT id, phone, name, status, balance, debt FROM customers
 WHERE phone = (SELECT phone FROM customers WHERE id = :id) AND deleted_at IS NULL;' >"$WORK/phone.sql"
            pgbench_ref "pgbench: phone lookup" "$WORK/phone.sql"
            ;;
        customer_summary)
            printf '%s\n' '\set id random(:minid, :maxid)' \
                'SELECT id, balance, debt, status FROM customers WHERE id = :id;' >"$WORK/summary.sql"
            pgbench_ref "pgbench: customer by id" "$WORK/summary.sql"
            ;;
        topup)
            printf '%s\n' '\set id random(:minid, :maxid)' \
                "WITH c AS (UPDATE customers SET balance = balance + 1000 WHERE id = :id
   RETURNING id, balance - 1000 AS before, balance AS after, debt)
 INSERT INTO ledger_entries (customer_id, entry_type, amount, balance_before, balance_after,
   debt_before, debt_after, actor_kind, note)
 SELECT id, 'top_up', 1000, before, after, debt, debt, 'system', 'pgbench' FROM c;" >"$WORK/topup.sql"
            pgbench_ref "pgbench: top-up + ledger" "$WORK/topup.sql"
            ;;
        esac
    fi
done

peak_rss_kb=$(rss_kb "$api_pid" VmHWM)
load_rss_kb=$(rss_kb "$api_pid" VmRSS)

# --- report ------------------------------------------------------------------------------
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
{
    echo
    echo "mikrobill benchmarks — $(date -u +'%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
    echo "machine: $(nproc) cores ($cpu), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM; wrk -t$BENCH_THREADS -d$BENCH_DURATION; MIKROBILL_LOG=$MIKROBILL_LOG"
    echo "demo data: $demo_note"
    echo "serve RSS: idle $((idle_rss_kb / 1024)) MB, after load $((load_rss_kb / 1024)) MB (peak $((peak_rss_kb / 1024)) MB)"
    echo
    printf '| %-38s | %5s | %9s | %9s | %9s | %8s |\n' scenario conns 'req/s' p50 p99 errors
    printf '|%s|%s|%s|%s|%s|%s|\n' "----------------------------------------" "------:" "----------:" "----------:" "----------:" "---------:"
    printf '%s\n' "${ROWS[@]}"
    echo
    echo "errors = non-2xx responses + socket errors/timeouts; pgbench rows: the same SQL without HTTP (failed transactions)."
    ((${#NOTES[@]} == 0)) || printf -- '- %s\n' "${NOTES[@]}"
} | tee "$MB_RUN_DIR/results.md"
