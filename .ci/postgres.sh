#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server for Herald's tests, listening on
# 127.0.0.1 only, and prints its URL (and nothing else) on stdout:
#
#   HERALD_TEST_POSTGRES=$(.ci/postgres.sh); export HERALD_TEST_POSTGRES
#
# Running it again reuses the server it started before. It installs Debian's
# postgresql package when it is missing. As root the server runs as the
# postgres user, since PostgreSQL refuses to run as root.
#
# The server does not flush to disk, which makes the tests' throwaway
# databases three times faster to create and fill; a crash loses nothing
# of value. HERALD_PG_DURABLE=1 starts it with PostgreSQL's defaults, for
# benchmarks. HERALD_PG_DIR and HERALD_PG_PORT move it.
set -euo pipefail

base=${HERALD_PG_DIR:-/var/tmp/herald-postgres}
data=$base/data
run=$base/run

say() { echo "postgres.sh: $*" >&2; }

bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

bin=$(bindir)
if [ -z "$bin" ] || [ ! -x "$bin/postgres" ]; then
  say "installing postgresql"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2
  apt-get install -y -q --no-install-recommends postgresql >&2
  bin=$(bindir)
fi

if [ "$(id -u)" = 0 ]; then
  owner=postgres
  as_owner() { runuser -u postgres -- "$@"; }
else
  owner=$(id -un)
  as_owner() { "$@"; }
fi

mkdir -p "$base" "$run"
chown "$owner" "$base" "$run"
chmod 700 "$base"

if [ ! -s "$data/PG_VERSION" ]; then
  say "creating a cluster in $data"
  # The C locale sorts text byte by byte, as SQLite does.
  as_owner "$bin/initdb" -D "$data" -U postgres --no-locale -E UTF8 \
    --auth-local=trust --auth-host=scram-sha-256 >&2
fi

busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
  port=$(sed -n 4p "$data/postmaster.pid")
  say "reusing the server on 127.0.0.1:$port"
else
  port=${HERALD_PG_PORT:-5432}
  while busy "$port"; do
    port=$((port + 1))
    if [ "$port" -gt 5532 ]; then
      say "no free port from ${HERALD_PG_PORT:-5432} to 5532"
      exit 1
    fi
  done
  opts="-h 127.0.0.1 -p $port -k $run -c max_connections=300"
  if [ "${HERALD_PG_DURABLE:-}" != 1 ]; then
    opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  fi
  say "starting a server on 127.0.0.1:$port"
  as_owner "$bin/pg_ctl" -D "$data" -l "$base/server.log" -w -t 60 -o "$opts" start >&2
fi

psql_admin() {
  as_owner "$bin/psql" -h "$run" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt "$@"
}

# The role may create databases: the store tests make one per test. It may
# also end other sessions, since DROP DATABASE … WITH (FORCE) must end an
# autovacuum worker that happens to be in a test's database.
psql_admin -c "DO \$\$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'herald') THEN
    CREATE ROLE herald LOGIN CREATEDB PASSWORD 'herald';
  END IF;
END \$\$;" >&2
psql_admin -c "GRANT pg_signal_backend TO herald" >&2
for db in herald herald_test; do
  if [ -z "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$db'")" ]; then
    psql_admin -c "CREATE DATABASE $db OWNER herald" >&2
  fi
done

echo "postgres://herald:herald@127.0.0.1:$port/herald_test?sslmode=disable"
