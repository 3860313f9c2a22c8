# shellcheck shell=bash
# Shared helpers for scripts/*.sh: logging, bounded waits, apt installs, secrets and
# background processes. Sourced, never executed; callers set `set -euo pipefail`.

MB_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
MB_RUN_DIR="${MB_RUN_DIR:-$MB_ROOT/.run}"
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/mikrobill}"
# AMQP_URL may be set to empty on purpose (embedded mode), so only default when unset.
export AMQP_URL="${AMQP_URL-amqp://guest:guest@127.0.0.1:5672/%2f}"
export DEBIAN_FRONTEND=noninteractive

if [[ -t 1 ]]; then
    _mb_bold=$'\e[1m' _mb_red=$'\e[31m' _mb_green=$'\e[32m' _mb_yellow=$'\e[33m' _mb_off=$'\e[0m'
else
    _mb_bold='' _mb_red='' _mb_green='' _mb_yellow='' _mb_off=''
fi

log() { printf '%s==>%s %s\n' "$_mb_bold" "$_mb_off" "$*" >&2; }
ok() { printf '%s  ok%s %s\n' "$_mb_green" "$_mb_off" "$*" >&2; }
warn() { printf '%swarn:%s %s\n' "$_mb_yellow" "$_mb_off" "$*" >&2; }
die() {
    printf '%serror:%s %s\n' "$_mb_red" "$_mb_off" "$*" >&2
    exit 1
}

have() { command -v "$1" >/dev/null 2>&1; }

# True when something accepts TCP connections on host:port (no client tools needed).
port_open() {
    timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null
}

# wait_until SECONDS DESCRIPTION COMMAND... — polls COMMAND every 0.5 s; fails with a message.
wait_until() {
    local limit=$1 what=$2
    shift 2
    local deadline=$((SECONDS + limit))
    until "$@"; do
        if ((SECONDS >= deadline)); then
            warn "timed out after ${limit}s waiting for $what"
            return 1
        fi
        sleep 0.5
    done
}

# A random hex string of N bytes, from the kernel's CSPRNG.
random_hex() {
    od -An -vtx1 -N"$1" /dev/urandom | tr -d ' \n'
}

# A random password of 24 unambiguous alphanumerics.
random_password() {
    local out=''
    while ((${#out} < 24)); do
        out+=$(head -c 64 /dev/urandom | tr -dc 'A-HJ-NP-Za-km-z2-9')
    done
    printf '%s' "${out:0:24}"
}

# Reads (or creates once, mode 600) a secret file under .run/ and prints its value.
persistent_secret() {
    local file="$MB_RUN_DIR/$1" bytes=$2
    mkdir -p "$MB_RUN_DIR"
    if [[ ! -s $file ]]; then
        (umask 077 && random_hex "$bytes" >"$file")
    fi
    tr -d ' \n' <"$file"
}

# Exports the two secrets serve/worker/demo need, generated once and reused, unless the
# caller already set them.
export_secrets() {
    if [[ -z ${MIKROBILL_MASTER_KEY:-} ]]; then
        MIKROBILL_MASTER_KEY=$(persistent_secret master.key 32)
        export MIKROBILL_MASTER_KEY
    fi
    if [[ -z ${MIKROBILL_JWT_SECRET:-} ]]; then
        MIKROBILL_JWT_SECRET=$(persistent_secret jwt.secret 32)
        export MIKROBILL_JWT_SECRET
    fi
}

# --- apt ------------------------------------------------------------------------------

_MB_APT_UPDATED=0

deb_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

# apt_install PKG... — installs those not yet installed; runs `apt-get update` at most once.
apt_install() {
    local missing=() p
    for p in "$@"; do
        deb_installed "$p" || missing+=("$p")
    done
    ((${#missing[@]} == 0)) && return 0
    have apt-get || die "missing packages ${missing[*]} and no apt-get to install them; install them by hand"
    [[ $(id -u) == 0 ]] || die "missing packages ${missing[*]}; run as root or install them: apt-get install ${missing[*]}"
    if ((_MB_APT_UPDATED == 0)); then
        log "apt-get update"
        apt-get update -qq || die "apt-get update failed"
        _MB_APT_UPDATED=1
    fi
    log "apt-get install ${missing[*]}"
    # policy-rc.d-less containers may try to start services from postinst; we start them
    # ourselves below, so a failed start there is not fatal as long as dpkg completes.
    apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null >/dev/null ||
        die "apt-get install ${missing[*]} failed"
}

# --- background processes --------------------------------------------------------------

# True when the pid in FILE is alive and still runs the program recorded beside it (so a
# recycled pid is never mistaken for ours). FILE holds the pid, then the program path.
pidfile_alive() {
    local file=$1 pid prog
    [[ -s $file ]] || return 1
    { read -r pid && read -r prog; } <"$file" || true
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    grep -qF -- "${prog:-mikrobill}" "/proc/$pid/cmdline" 2>/dev/null
}

# Stops the process recorded in FILE (TERM, then KILL after 10 s) and removes FILE.
stop_pidfile() {
    local file=$1 pid i
    if pidfile_alive "$file"; then
        pid=$(head -n1 "$file")
        kill -TERM "$pid" 2>/dev/null || true
        for ((i = 0; i < 40; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.25
        done
        if kill -0 "$pid" 2>/dev/null; then
            warn "pid $pid ($file) ignored SIGTERM; killing it"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    rm -f "$file"
}

# start_bg NAME COMMAND... — runs COMMAND detached, log in $MB_RUN_DIR/NAME.log,
# pid in $MB_RUN_DIR/NAME.pid. setsid keeps it alive after the script's terminal goes.
start_bg() {
    local name=$1
    shift
    mkdir -p "$MB_RUN_DIR"
    stop_pidfile "$MB_RUN_DIR/$name.pid"
    printf '\n--- %s: %s\n' "$(date -u +%FT%TZ)" "$*" >>"$MB_RUN_DIR/$name.log"
    setsid "$@" </dev/null >>"$MB_RUN_DIR/$name.log" 2>&1 &
    printf '%s\n%s\n' "$!" "$1" >"$MB_RUN_DIR/$name.pid"
}

# Prints the last lines of a log to stderr, to explain a failed start.
show_log_tail() {
    local file=$1
    [[ -f $file ]] || return 0
    printf '%s--- last lines of %s ---%s\n' "$_mb_bold" "$file" "$_mb_off" >&2
    tail -n "${2:-25}" "$file" >&2
}

# http_status URL [curl args...] — prints the HTTP status code, 000 when nothing answers.
http_status() {
    local url=$1
    shift
    curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@" "$url" 2>/dev/null || true
}

# True when BIN's --help lists SUBCOMMAND, so steps can say clearly what is missing while
# the CLI grows.
bin_has_subcommand() {
    [[ -x $1 ]] || return 1
    local help
    # Captured first: `grep -q` on a pipe would SIGPIPE the binary and trip pipefail.
    help=$("$1" --help 2>/dev/null) || return 1
    grep -qE "^[[:space:]]+$2([[:space:]]|\$)" <<<"$help"
}

# True when `BIN SUBCOMMAND --help` mentions FLAG (options that arrive later than their
# subcommand are passed only once they exist).
bin_has_flag() {
    local help
    help=$("$1" "$2" --help 2>/dev/null) || return 1
    grep -q -- "$3" <<<"$help"
}

# A URL with its password (if any) replaced, for printing.
mask_url() {
    sed -E 's#(://[^:/@]*):[^@/]*@#\1:***@#' <<<"$1"
}
