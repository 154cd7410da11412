#!/usr/bin/env bash
# Throw-away PostgreSQL cluster on loopback, run as the unprivileged `postgres` user.
#   source .ci/postgres.sh && pg_up   -> exports TEST_DATABASE_URL
#   pg_down                           -> stops the cluster and removes its files
set -euo pipefail

pg_bindir() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/postgres" ] && { echo "$d"; return 0; }
  done
  return 1
}

pg_install() {
  if ! pg_bindir >/dev/null 2>&1; then
    echo "ci: installing PostgreSQL from Debian's packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq postgresql >/dev/null
  fi
}

free_port() {
  node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

pg_up() {
  pg_install
  local bin; bin=$(pg_bindir)
  PG_RUN_USER=postgres
  if [ "$(id -u)" != 0 ]; then PG_RUN_USER=$(id -un); fi
  PG_TMP=$(mktemp -d /tmp/polymorph-ci-pg.XXXXXX)
  chmod 755 "$PG_TMP"
  [ "$(id -u)" = 0 ] && chown "$PG_RUN_USER" "$PG_TMP"
  PG_PORT=$(free_port)
  as_pg() { if [ "$(id -u)" = 0 ]; then su "$PG_RUN_USER" -s /bin/bash -c "$*"; else bash -c "$*"; fi; }
  as_pg "'$bin/initdb' -D '$PG_TMP/data' -U ci --auth=trust -E UTF8 >/dev/null"
  as_pg "'$bin/pg_ctl' -D '$PG_TMP/data' -l '$PG_TMP/log' -w -o \"-h 127.0.0.1 -p $PG_PORT -k '$PG_TMP' -c fsync=off -c max_connections=300\" start >/dev/null"
  export TEST_DATABASE_URL="postgres://ci@127.0.0.1:$PG_PORT/postgres"
  # The application role the suite connects as: least privilege (see docs/operations.md).
  "$bin/psql" -q -h 127.0.0.1 -p "$PG_PORT" -U ci -d postgres -c "CREATE ROLE polymorph_app LOGIN" >/dev/null
  export TEST_APP_ROLE=polymorph_app
  export PG_TMP PG_PORT PG_BIN="$bin"
  echo "ci: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT"
}

pg_down() {
  if [ -n "${PG_TMP:-}" ] && [ -d "$PG_TMP/data" ]; then
    if [ "$(id -u)" = 0 ]; then
      su "$PG_RUN_USER" -s /bin/bash -c "'$PG_BIN/pg_ctl' -D '$PG_TMP/data' -m immediate stop" >/dev/null 2>&1 || true
    else
      "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -m immediate stop >/dev/null 2>&1 || true
    fi
    rm -rf "$PG_TMP"
  fi
}
