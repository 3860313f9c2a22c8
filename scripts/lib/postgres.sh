# shellcheck shell=bash
# ensure_postgres: reuse a PostgreSQL that answers at DATABASE_URL, otherwise install and
# start the local Debian cluster; make sure `postgres` connects over TCP without a password
# and that the target database exists. Needs common.sh.

# Splits a postgres:// URL. Sets PG_HOST PG_PORT PG_DB PG_PREFIX (URL up to the last '/')
# and PG_QUERY ('' or '?…').
pg_parse_url() {
    local url=$1 rest authority
    PG_QUERY=''
    [[ $url == *\?* ]] && PG_QUERY="?${url#*\?}"
    url=${url%%\?*}
    PG_PREFIX=${url%/*}
    PG_DB=${url##*/}
    rest=${url#*://}
    authority=${rest%%/*}
    authority=${authority##*@}
    PG_HOST=${authority%%:*}
    PG_PORT=5432
    [[ $authority == *:* ]] && PG_PORT=${authority##*:}
    [[ -n $PG_HOST ]] || PG_HOST=127.0.0.1
}

# The same server, another database.
pg_url_for() {
    pg_parse_url "$DATABASE_URL"
    printf '%s/%s%s' "$PG_PREFIX" "$1" "$PG_QUERY"
}

_pg_is_local() {
    [[ $PG_HOST == 127.0.0.1 || $PG_HOST == localhost || $PG_HOST == ::1 || $PG_HOST == '[::1]' ]]
}

# Newest installed server major version, '' when none.
_pg_newest_version() {
    find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null | sort -V | tail -n1
}

# "<version> <cluster>" of the local cluster configured for PG_PORT, '' when none.
_pg_cluster_for_port() {
    pg_lsclusters -h 2>/dev/null | awk -v p="$PG_PORT" '$3 == p { print $1, $2; exit }'
}

_pg_start_local_cluster() {
    local line ver name
    line=$(_pg_cluster_for_port)
    if [[ -z $line ]]; then
        [[ -z $(pg_lsclusters -h 2>/dev/null) ]] ||
            die "no local PostgreSQL cluster listens on port $PG_PORT (see pg_lsclusters); fix DATABASE_URL"
        ver=$(_pg_newest_version)
        [[ -n $ver ]] || die "PostgreSQL was installed but no server version is found under /usr/lib/postgresql"
        log "creating PostgreSQL $ver cluster 'main' on port $PG_PORT"
        pg_createcluster -p "$PG_PORT" "$ver" main >/dev/null || die "pg_createcluster $ver main failed"
        line="$ver main"
    fi
    read -r ver name <<<"$line"
    log "starting PostgreSQL $ver/$name (pg_ctlcluster --skip-systemctl-redirect)"
    # Exit status 2 means "already running"; anything else is reported by the wait below.
    pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" start 2>&1 | sed 's/^/    /' >&2 || true
}

_pg_admin_url() { pg_url_for postgres; }

_pg_can_login() {
    psql -w -X -q -At "$(_pg_admin_url)" -c 'select 1' >/dev/null 2>&1
}

# Adds trust for loopback TCP to the local cluster's pg_hba.conf (development machines only)
# when `postgres` cannot log in over TCP without a password. Talks to the cluster over its
# Unix socket as the postgres OS user (peer authentication, Debian's default).
_pg_trust_loopback() {
    local line ver name hba
    line=$(_pg_cluster_for_port)
    [[ -n $line ]] || return 1
    read -r ver name <<<"$line"
    hba=$(runuser -u postgres -- psql -p "$PG_PORT" -X -At -c 'show hba_file' 2>/dev/null || true)
    [[ -n $hba ]] || hba=/etc/postgresql/$ver/$name/pg_hba.conf
    [[ -w $hba ]] || return 1
    if ! grep -q 'mikrobill: trust loopback' "$hba"; then
        log "allowing password-less TCP logins from 127.0.0.1 in $hba (development set-up)"
        local tmp
        tmp=$(mktemp)
        {
            echo '# mikrobill: trust loopback TCP for local development (scripts/lib/postgres.sh)'
            echo 'host    all    all    127.0.0.1/32    trust'
            echo 'host    all    all    ::1/128         trust'
            cat "$hba"
        } >"$tmp"
        cat "$tmp" >"$hba"
        rm -f "$tmp"
    fi
    runuser -u postgres -- psql -p "$PG_PORT" -X -q -c 'select pg_reload_conf()' >/dev/null 2>&1 ||
        pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" reload >/dev/null 2>&1 || true
}

# Creates DB (a plain identifier) when it does not exist yet.
pg_create_db() {
    local db=$1
    [[ $db =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || die "unsupported database name '$db' (letters, digits, _)"
    if [[ -z $(psql -w -X -At "$(_pg_admin_url)" -c "select 1 from pg_database where datname = '$db'") ]]; then
        log "creating database $db"
        psql -w -X -q "$(_pg_admin_url)" -c "create database \"$db\"" || die "could not create database $db"
    fi
}

ensure_postgres() {
    pg_parse_url "$DATABASE_URL"
    if port_open "$PG_HOST" "$PG_PORT"; then
        ok "PostgreSQL answers on $PG_HOST:$PG_PORT (reusing it)"
    else
        _pg_is_local || die "PostgreSQL at $PG_HOST:$PG_PORT (DATABASE_URL) does not answer, and it is not local so it cannot be started here"
        apt_install postgresql postgresql-contrib
        _pg_start_local_cluster
        wait_until 60 "PostgreSQL on $PG_HOST:$PG_PORT" port_open "$PG_HOST" "$PG_PORT" ||
            die "PostgreSQL did not start; see /var/log/postgresql/ and pg_lsclusters"
        ok "PostgreSQL started on $PG_HOST:$PG_PORT"
    fi
    have psql || apt_install postgresql-client
    # The port can open a moment before the server accepts connections.
    wait_until 30 "PostgreSQL to accept connections" pg_isready -q -h "$PG_HOST" -p "$PG_PORT" ||
        die "PostgreSQL on $PG_HOST:$PG_PORT does not accept connections"
    if ! _pg_can_login; then
        if _pg_is_local && _pg_trust_loopback && wait_until 10 "PostgreSQL after pg_hba reload" _pg_can_login; then
            :
        else
            die "cannot log in to PostgreSQL as $(mask_url "$(_pg_admin_url)"); it must accept this user over TCP without a password prompt (trust, or a password in DATABASE_URL / ~/.pgpass)"
        fi
    fi
    pg_parse_url "$DATABASE_URL"
    pg_create_db "$PG_DB"
}
