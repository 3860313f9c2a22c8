# shellcheck shell=bash
# One entry point for the set-up shared by run.sh, test.sh and bench.sh: tools, Rust,
# PostgreSQL, RabbitMQ and the database. Sources its sibling helpers.

_mb_lib_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=common.sh
source "$_mb_lib_dir/common.sh"
# shellcheck source=postgres.sh
source "$_mb_lib_dir/postgres.sh"
# shellcheck source=rabbitmq.sh
source "$_mb_lib_dir/rabbitmq.sh"
# shellcheck source=toolchain.sh
source "$_mb_lib_dir/toolchain.sh"

# mb_setup [--tests] — everything up to (not including) the build.
mb_setup() {
    local tests=0
    [[ ${1:-} == --tests ]] && tests=1
    log "checking tools and services"
    ensure_base_tools
    ensure_rust
    if ((tests)); then
        ensure_rust_components
        ensure_nextest
        ensure_python_venv
    fi
    ensure_postgres
    ensure_rabbitmq
}
