#!/usr/bin/env bash
# Local services and the project's entry points on a fresh Debian machine.
#
#   ./infra/dev.sh up       install missing Debian packages, start RabbitMQ and PostgreSQL (idempotent)
#   ./infra/dev.sh down     stop both
#   ./infra/dev.sh status   say what runs, where
#   ./infra/dev.sh env      print `export AMQP_URL=… DATABASE_URL=…` for `eval "$(./infra/dev.sh env)"`
#   ./infra/dev.sh setup    apply migrations and declare the RabbitMQ topology (idempotent)
#   ./infra/dev.sh lint     swift-format lint gate and a warnings-as-errors build
#   ./infra/dev.sh test     up, lint, build, setup, swift test
#   ./infra/dev.sh demo     up, build, setup, then run the fleet end to end against the portal simulator
#   ./infra/dev.sh bench    up, release build, setup, then the write path's benchmark (JSON on stdout)
#
# Ports and folders are configurable through the environment (defaults below); SYNC_PG_DATABASE and
# SYNC_AMQP_VHOST pick the database and virtual host (demo: syncdemo and demo, bench: syncbench and bench, each
# emptied when its run starts, so `SYNC_PG_DATABASE=syncdemo SYNC_AMQP_VHOST=demo ./infra/dev.sh env` reaches what
# the last demo left behind). Service data lives in .local/ inside the checkout (git-ignored), or, when the checkout
# is not reachable by the `postgres` user, in /var/tmp/syncfleet-<hash>.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
AMQP_PORT="${SYNC_AMQP_PORT:-5682}"
AMQP_DIST_PORT="${SYNC_AMQP_DIST_PORT:-25682}"
AMQP_MANAGEMENT_PORT="${SYNC_AMQP_MANAGEMENT_PORT:-15682}"
EPMD_PORT="${SYNC_EPMD_PORT:-4379}"
PG_PORT="${SYNC_PG_PORT:-5442}"
PG_DATABASE="${SYNC_PG_DATABASE:-syncfleet}"
AMQP_VHOST="${SYNC_AMQP_VHOST:-/}"
PG_BIN="${SYNC_PG_BIN:-/usr/lib/postgresql/15/bin}"
RABBIT_BIN="${SYNC_RABBIT_BIN:-/usr/lib/rabbitmq/bin}"
DEBIAN_PACKAGES=(rabbitmq-server postgresql libpq-dev librabbitmq-dev libcurl4-openssl-dev pkg-config ca-certificates openssl curl python3)

log() { printf '[dev.sh] %s\n' "$*" >&2; }
die() { printf '[dev.sh] error: %s\n' "$*" >&2; exit 1; }

is_root() { [ "$(id -u)" = 0 ]; }

# The state folder: inside the checkout when the postgres user can reach it, else a private one under /var/tmp.
state_dir() {
    if [ -n "${SYNC_STATE_DIR:-}" ]; then echo "$SYNC_STATE_DIR"; return; fi
    if ! is_root || runuser -u postgres -- test -x "$ROOT" 2>/dev/null; then
        echo "$ROOT/.local"
    else
        echo "/var/tmp/syncfleet-$(printf '%s' "$ROOT" | sha1sum | cut -c1-12)"
    fi
}
STATE="$(state_dir)"
PG_DATA="$STATE/postgres"
RABBIT_HOME="$STATE/rabbitmq"

amqp_url() {
    local vhost="$AMQP_VHOST"
    [ "$vhost" = / ] && vhost=%2F
    echo "amqp://guest:guest@127.0.0.1:${AMQP_PORT}/${vhost}"
}
database_url() { echo "postgres://postgres@127.0.0.1:${PG_PORT}/${PG_DATABASE}"; }

# Installs whatever Debian package is missing; a no-op on a prepared machine.
install_packages() {
    local missing=()
    for package in "${DEBIAN_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    is_root || die "missing Debian packages: ${missing[*]}; run this script as root or install them with apt-get"
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # policy-rc.d keeps the packages' own system services from starting: the project runs its own.
    local policy=/usr/sbin/policy-rc.d created_policy=0
    if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod +x "$policy"; created_policy=1; fi
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    [ $created_policy = 1 ] && rm -f "$policy"
    return 0
}

as_postgres() {
    if is_root; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_running() { as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; }

start_postgres() {
    mkdir -p "$STATE"
    if [ ! -s "$PG_DATA/PG_VERSION" ]; then
        log "creating a PostgreSQL cluster in $PG_DATA"
        mkdir -p "$PG_DATA"
        is_root && chown postgres:postgres "$PG_DATA"
        chmod 700 "$PG_DATA"
        as_postgres "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
        cat >> "$PG_DATA/postgresql.conf" <<CONF
# syncfleet local development settings
listen_addresses = '127.0.0.1'
unix_socket_directories = '$PG_DATA'
max_connections = 300
shared_buffers = 256MB
CONF
    fi
    if ! grep -q "^port = $PG_PORT\$" "$PG_DATA/postgresql.conf"; then
        echo "port = $PG_PORT" >> "$PG_DATA/postgresql.conf"
    fi
    if ! pg_running; then
        log "starting PostgreSQL on 127.0.0.1:$PG_PORT"
        as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_DATA/server.log" -w -t 60 start >/dev/null \
            || { tail -20 "$PG_DATA/server.log" >&2; die "PostgreSQL did not start; see $PG_DATA/server.log"; }
    fi
    local tries=0
    until "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; do
        tries=$((tries + 1)); [ $tries -gt 60 ] && die "PostgreSQL does not answer on port $PG_PORT"
        sleep 0.5
    done
    if ! "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = '$PG_DATABASE'" | grep -q 1; then
        "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres "$PG_DATABASE"
    fi
}

stop_postgres() {
    if [ -d "$PG_DATA" ] && pg_running; then
        log "stopping PostgreSQL"
        as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null
    fi
}

rabbit_env() {
    export HOME="$RABBIT_HOME"
    export RABBITMQ_NODENAME="syncfleet@localhost"
    export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
    export RABBITMQ_NODE_PORT="$AMQP_PORT"
    export RABBITMQ_DIST_PORT="$AMQP_DIST_PORT"
    export ERL_EPMD_PORT="$EPMD_PORT"
    export ERL_EPMD_ADDRESS=127.0.0.1
    export RABBITMQ_MNESIA_BASE="$RABBIT_HOME/mnesia"
    export RABBITMQ_LOG_BASE="$RABBIT_HOME/log"
    export RABBITMQ_CONFIG_FILE="$RABBIT_HOME/rabbitmq.conf"
    export RABBITMQ_ENABLED_PLUGINS_FILE="$RABBIT_HOME/enabled_plugins"
    export RABBITMQ_PID_FILE="$RABBIT_HOME/rabbitmq.pid"
}

rabbit_ctl() { (rabbit_env; "$RABBIT_BIN/rabbitmqctl" "$@"); }

rabbit_running() { [ -d "$RABBIT_HOME" ] && rabbit_ctl -q status >/dev/null 2>&1; }

start_rabbitmq() {
    mkdir -p "$RABBIT_HOME/log" "$RABBIT_HOME/mnesia"
    chmod 700 "$RABBIT_HOME"
    cat > "$RABBIT_HOME/rabbitmq.conf" <<CONF
listeners.tcp.1 = 127.0.0.1:$AMQP_PORT
management.tcp.ip = 127.0.0.1
management.tcp.port = $AMQP_MANAGEMENT_PORT
loopback_users.guest = true
heartbeat = 30
vm_memory_high_watermark.relative = 0.3
disk_free_limit.absolute = 256MB
CONF
    echo '[rabbitmq_management].' > "$RABBIT_HOME/enabled_plugins"
    if ! rabbit_running; then
        log "starting RabbitMQ on 127.0.0.1:$AMQP_PORT (management on $AMQP_MANAGEMENT_PORT)"
        (rabbit_env; cd "$RABBIT_HOME"; nohup setsid "$RABBIT_BIN/rabbitmq-server" \
            >"$RABBIT_HOME/log/startup.log" 2>&1 </dev/null &)
        local tries=0
        until rabbit_ctl -q await_startup --timeout 5 >/dev/null 2>&1; do
            tries=$((tries + 1))
            if [ $tries -gt 24 ]; then
                tail -30 "$RABBIT_HOME/log/startup.log" >&2
                die "RabbitMQ did not start; see $RABBIT_HOME/log"
            fi
            sleep 1
        done
    fi
}

stop_rabbitmq() {
    if rabbit_running; then
        log "stopping RabbitMQ"
        rabbit_ctl -q stop >/dev/null 2>&1 || true
    fi
}

# The virtual host of SYNC_AMQP_VHOST, created with the guest user's permissions when it is not the default one.
ensure_vhost() {
    [ "$AMQP_VHOST" = / ] && return 0
    rabbit_ctl -q add_vhost "$AMQP_VHOST" >/dev/null 2>&1 || true
    rabbit_ctl -q set_permissions -p "$AMQP_VHOST" guest '.*' '.*' '.*' >/dev/null
}

# Empties the database and virtual host of a demo or benchmark run, so that its summary counts this run only (what a
# run leaves behind stays for inspection until the next one). Refuses the shared defaults.
reset_own_state() {
    [ "$AMQP_VHOST" != / ] && [ "$PG_DATABASE" != syncfleet ] || die "refusing to reset the default database or vhost"
    "$PG_BIN/dropdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres --if-exists --force "$PG_DATABASE"
    "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres "$PG_DATABASE"
    rabbit_ctl -q delete_vhost "$AMQP_VHOST" >/dev/null 2>&1 || true
    ensure_vhost
}

cmd_up() {
    install_packages
    start_postgres
    start_rabbitmq
    ensure_vhost
    log "services are up: $(amqp_url) $(database_url)"
}

cmd_down() {
    stop_rabbitmq
    stop_postgres
}

cmd_status() {
    local code=0
    if [ -d "$PG_DATA" ] && pg_running; then echo "postgresql: running  $(database_url)  data $PG_DATA"
    else echo "postgresql: stopped"; code=1; fi
    if rabbit_running; then echo "rabbitmq:   running  $(amqp_url)  data $RABBIT_HOME"
    else echo "rabbitmq:   stopped"; code=1; fi
    return $code
}

cmd_env() {
    echo "export AMQP_URL='$(amqp_url)'"
    echo "export DATABASE_URL='$(database_url)'"
    echo "export RABBITMQ_MANAGEMENT_URL='http://guest:guest@127.0.0.1:$AMQP_MANAGEMENT_PORT'"
}

export_env() { eval "$(cmd_env)"; }

# Every build of this script treats the project's warnings as errors (Package.swift reads this variable;
# dependencies keep their own warnings).
swift_build() {
    (cd "$ROOT" && SYNC_WARNINGS_AS_ERRORS=1 swift build "$@")
}

cmd_setup() {
    export_env
    swift_build --product syncctl
    (cd "$ROOT" && "$(SYNC_WARNINGS_AS_ERRORS=1 swift build --show-bin-path)/syncctl" setup)
}

cmd_lint() {
    log "lint: swift format --strict"
    (cd "$ROOT" && swift format lint --strict --recursive --parallel Package.swift Sources Tests workers)
    log "build: warnings are errors"
    swift_build --build-tests
}

cmd_test() {
    cmd_up
    export_env
    cmd_lint
    cmd_setup
    # The test process runs in-process workers beside each other; give its blocking pool (libpq, libcurl) the
    # thread count the worker executables use (WorkerProcess), not NIO's default of one per core.
    (cd "$ROOT" && NIO_SINGLETON_BLOCKING_POOL_THREAD_COUNT="${NIO_SINGLETON_BLOCKING_POOL_THREAD_COUNT:-32}" \
        SYNC_WARNINGS_AS_ERRORS=1 swift test --skip-build)
}

cmd_demo() {
    cmd_up
    reset_own_state
    export_env
    swift_build
    cmd_setup
    SYNC_BIN="$(cd "$ROOT" && SYNC_WARNINGS_AS_ERRORS=1 swift build --show-bin-path)" "$ROOT/infra/demo.sh"
}

cmd_bench() {
    cmd_up
    reset_own_state
    export_env
    (cd "$ROOT" && swift build -c release) >&2
    SYNC_BIN="$(cd "$ROOT" && swift build -c release --show-bin-path)"
    (cd "$ROOT" && "$SYNC_BIN/syncctl" setup >/dev/null)
    SYNC_BIN="$SYNC_BIN" "$ROOT/infra/bench.sh"
}

case "${1:-}" in
up) cmd_up ;;
down) cmd_down ;;
status) cmd_status ;;
env) cmd_env ;;
setup) cmd_setup ;;
lint) cmd_lint ;;
test) cmd_test ;;
# The demo and the benchmark keep to a database and a virtual host of their own, so the tests' rows and queues (and
# the rollback window they fill) never mix with theirs.
demo)
    PG_DATABASE="${SYNC_PG_DATABASE:-syncdemo}" AMQP_VHOST="${SYNC_AMQP_VHOST:-demo}"
    cmd_demo
    ;;
bench)
    PG_DATABASE="${SYNC_PG_DATABASE:-syncbench}" AMQP_VHOST="${SYNC_AMQP_VHOST:-bench}"
    cmd_bench
    ;;
*)
    sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
