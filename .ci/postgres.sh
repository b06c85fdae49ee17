#!/usr/bin/env bash
# Start a throw-away PostgreSQL on 127.0.0.1 for the test suite; print the DATABASE_URL.
# Usage: source .ci/postgres.sh && pg_start; ...; pg_stop
set -euo pipefail

PG_PORT="${PG_PORT:-54329}"

pg_bin_dir() {
    ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

pg_install_if_missing() {
    if [ -z "$(pg_bin_dir)" ]; then
        echo "PostgreSQL absent : installation avec apt-get…"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq postgresql-15 >/dev/null 2>&1 || apt-get install -y -qq postgresql >/dev/null
    fi
}

pg_start() {
    pg_install_if_missing
    PG_BIN="$(pg_bin_dir)"
    PG_DIR="$(mktemp -d /tmp/cnum-pg.XXXXXX)"
    export PG_BIN PG_DIR
    local run_as=()
    if [ "$(id -u)" = "0" ]; then
        id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
        chown -R postgres "$PG_DIR"
        run_as=(runuser -u postgres --)
    fi
    "${run_as[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -U cnum --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    "${run_as[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        start >/dev/null
    export DATABASE_URL="postgres://cnum@127.0.0.1:$PG_PORT/cnum"
    "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U cnum cnum
    echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') prêt sur 127.0.0.1:$PG_PORT"
}

pg_stop() {
    if [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR/data" ]; then
        local run_as=()
        [ "$(id -u)" = "0" ] && run_as=(runuser -u postgres --)
        "${run_as[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null || true
        rm -rf "$PG_DIR"
    fi
}
