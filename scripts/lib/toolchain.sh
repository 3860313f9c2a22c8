# shellcheck shell=bash
# Build and test tools: system packages for building (libpq, pkg-config, a C linker), the
# Rust toolchain check, cargo-nextest, python3-venv and wrk. Needs common.sh.

ensure_base_tools() {
    local pkgs=()
    have curl || pkgs+=(curl ca-certificates)
    have cc || pkgs+=(gcc libc6-dev)
    have pkg-config || pkgs+=(pkg-config)
    deb_installed libpq-dev || [[ -f /usr/include/postgresql/libpq-fe.h ]] || pkgs+=(libpq-dev)
    ((${#pkgs[@]} == 0)) || apt_install "${pkgs[@]}"
}

_rust_required_version() {
    sed -n 's/^rust-version *= *"\([0-9.]*\)".*/\1/p' "$MB_ROOT/Cargo.toml" | head -n1
}

ensure_rust() {
    if ! have cargo && [[ -f $HOME/.cargo/env ]]; then
        # shellcheck disable=SC1091
        source "$HOME/.cargo/env"
    fi
    local need have_v
    need=$(_rust_required_version)
    { have cargo && have rustc; } ||
        die "Rust toolchain not found: install Rust ${need:-stable} or newer with rustup (Debian's own cargo package is too old for edition 2024)"
    have_v=$(rustc --version | awk '{print $2}')
    if [[ -n $need && $(printf '%s\n%s\n' "$need" "${have_v%%-*}" | sort -V | head -n1) != "$need" ]]; then
        die "rustc $have_v is older than the workspace's rust-version $need; update it (rustup update)"
    fi
    ok "Rust $have_v"
}

# rustfmt and clippy, needed by test.sh.
ensure_rust_components() {
    local missing=()
    cargo fmt --version >/dev/null 2>&1 || missing+=(rustfmt)
    cargo clippy --version >/dev/null 2>&1 || missing+=(clippy)
    ((${#missing[@]} == 0)) && return 0
    have rustup || die "cargo ${missing[*]} missing and no rustup to add them"
    log "rustup component add ${missing[*]}"
    rustup component add "${missing[@]}" || die "could not add Rust components ${missing[*]}"
}

ensure_nextest() {
    if cargo nextest --version >/dev/null 2>&1; then
        ok "$(cargo nextest --version 2>/dev/null | head -n1)"
        return 0
    fi
    log "installing cargo-nextest (cargo install cargo-nextest --locked; a few minutes)"
    cargo install cargo-nextest --locked || die "cargo install cargo-nextest failed"
}

# python3 with a working venv module, for the suites that install PyPI tools into a venv.
ensure_python_venv() {
    if have python3 && python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
        return 0
    fi
    apt_install python3 python3-venv
}

ensure_wrk() {
    have wrk || apt_install wrk
}

# node and npm, for suites that use npm packages (e.g. openapi-typescript).
ensure_node() {
    if have node && have npm; then
        return 0
    fi
    apt_install nodejs npm
}

# ensure_venv DIR PACKAGE… — a Python virtualenv at DIR with those PyPI packages (pinned
# specs like 'librouteros==3.4.1' are best), created once and refreshed only when the list
# changes. Prints nothing on reuse; the venv's python is DIR/bin/python.
ensure_venv() {
    local dir=$1 stamp
    shift
    ensure_python_venv
    stamp=$(printf '%s\n' "$@" | sort | sha256sum | cut -c1-16)
    if [[ -x $dir/bin/python && -f $dir/.mikrobill-stamp && $(<"$dir/.mikrobill-stamp") == "$stamp" ]]; then
        return 0
    fi
    log "preparing Python venv $dir ($*)"
    [[ -x $dir/bin/python ]] || python3 -m venv "$dir" || die "python3 -m venv $dir failed"
    "$dir/bin/python" -m pip install -q --disable-pip-version-check "$@" ||
        die "pip install $* failed"
    echo "$stamp" >"$dir/.mikrobill-stamp"
}
