# shellcheck shell=bash
# ensure_rabbitmq: reuse a broker that answers at AMQP_URL, otherwise install and start the
# local Debian rabbitmq-server without systemd. AMQP_URL='' means embedded mode: no broker.
# Needs common.sh.

rabbit_parse_url() {
    local rest authority
    rest=${1#*://}
    authority=${rest%%/*}
    authority=${authority##*@}
    RMQ_HOST=${authority%%:*}
    RMQ_PORT=5672
    [[ $authority == *:* ]] && RMQ_PORT=${authority##*:}
    [[ -n $RMQ_HOST ]] || RMQ_HOST=127.0.0.1
}

_rabbit_node_up() {
    timeout 30 rabbitmqctl -q status >/dev/null 2>&1
}

_rabbit_await_startup() {
    timeout 60 rabbitmqctl await_startup >/dev/null 2>&1
}

ensure_rabbitmq() {
    if [[ -z $AMQP_URL ]]; then
        ok "AMQP_URL is empty: embedded mode, RabbitMQ not needed"
        return 0
    fi
    rabbit_parse_url "$AMQP_URL"
    if port_open "$RMQ_HOST" "$RMQ_PORT"; then
        ok "RabbitMQ answers on $RMQ_HOST:$RMQ_PORT (reusing it)"
        return 0
    fi
    [[ $RMQ_HOST == 127.0.0.1 || $RMQ_HOST == localhost ]] ||
        die "RabbitMQ at $RMQ_HOST:$RMQ_PORT (AMQP_URL) does not answer, and it is not local so it cannot be started here"
    apt_install rabbitmq-server
    if _rabbit_node_up; then
        log "RabbitMQ node is up but port $RMQ_PORT is not open yet; waiting for it"
    else
        log "starting RabbitMQ (rabbitmq-server -detached)"
        rabbitmq-server -detached >/dev/null 2>&1 || warn "rabbitmq-server -detached returned non-zero"
    fi
    # await_startup fails at once while the Erlang node is not up yet, so retry it.
    wait_until 120 "RabbitMQ to boot" _rabbit_await_startup ||
        die "RabbitMQ did not finish starting within 120 s; see /var/log/rabbitmq/"
    wait_until 30 "RabbitMQ on $RMQ_HOST:$RMQ_PORT" port_open "$RMQ_HOST" "$RMQ_PORT" ||
        die "RabbitMQ started but does not listen on $RMQ_HOST:$RMQ_PORT; see /var/log/rabbitmq/"
    ok "RabbitMQ started on $RMQ_HOST:$RMQ_PORT"
}
