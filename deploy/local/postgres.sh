# Sourced by start.sh, test.sh and the benchmark: makes sure a PostgreSQL 15 server is running for the project
# and defines `pg_super`, which runs psql as a database superuser.
#   - as root (CI, these machines): the Debian cluster 15/main on port 5432, installed with apt if missing;
#   - as another user: a private cluster in .local/pg on port 5433, so no root access is needed.
# shellcheck shell=bash

PG_VERSION=15
PG_BIN=/usr/lib/postgresql/$PG_VERSION/bin
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

install_postgres() {
  [ -x "$PG_BIN/postgres" ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "PostgreSQL $PG_VERSION is not installed. Install it with: sudo apt-get install -y postgresql-$PG_VERSION" >&2
    return 1
  fi
  echo "Installing PostgreSQL $PG_VERSION with apt..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq "postgresql-$PG_VERSION" >/dev/null
}

wait_for_postgres() {
  for _ in $(seq 1 60); do
    pg_isready -q -h 127.0.0.1 -p "$PGPORT" && return 0
    sleep 0.5
  done
  echo "PostgreSQL did not become ready on port $PGPORT" >&2
  return 1
}

ensure_postgres() {
  install_postgres || return 1
  export PGHOST=127.0.0.1
  if [ "$(id -u)" -eq 0 ]; then
    export PGPORT=5432
    if ! pg_lsclusters -h 2>/dev/null | grep -q "^$PG_VERSION main"; then
      pg_createcluster "$PG_VERSION" main >/dev/null
    fi
    if ! pg_lsclusters -h | grep -q "^$PG_VERSION main .* online"; then
      pg_ctlcluster "$PG_VERSION" main start
    fi
    pg_super() { runuser -u postgres -- psql -h /var/run/postgresql -p "$PGPORT" -v ON_ERROR_STOP=1 -qAtX "$@"; }
  else
    export PGPORT=5433
    local data="$repo_root/.local/pg"
    if [ ! -f "$data/PG_VERSION" ]; then
      mkdir -p "$data"
      "$PG_BIN/initdb" -D "$data" -U postgres --auth=trust >/dev/null
    fi
    if ! "$PG_BIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then
      "$PG_BIN/pg_ctl" -D "$data" -l "$repo_root/.local/pg.log" -o "-p $PGPORT -k $data -c listen_addresses=127.0.0.1" start >/dev/null
    fi
    pg_super() { psql -h 127.0.0.1 -p "$PGPORT" -U postgres -v ON_ERROR_STOP=1 -qAtX "$@"; }
  fi
  wait_for_postgres
}

# ensure_login_role NAME PASSWORD [ATTRIBUTES]: creates the role, or resets its password and attributes.
ensure_login_role() {
  pg_super -d postgres -c "DO \$\$BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$1') THEN CREATE ROLE $1 LOGIN PASSWORD '$2' ${3:-}; 
    ELSE ALTER ROLE $1 LOGIN PASSWORD '$2' ${3:-}; END IF; END\$\$;"
}

# ensure_database NAME OWNER
ensure_database() {
  if [ -z "$(pg_super -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$1'")" ]; then
    pg_super -d postgres -c "CREATE DATABASE $1 OWNER $2"
  fi
}

# local_secret FILE [FOLDER]: a random secret kept in FOLDER (default .local/ of this checkout), made on first use.
local_secret() {
  local folder="${2:-$repo_root/.local}"
  local file="$folder/$1"
  if [ ! -s "$file" ]; then
    mkdir -p "$folder"
    (umask 077; head -c 32 /dev/urandom | base64 | tr -d '/+=\n' > "$file")
  fi
  cat "$file"
}
