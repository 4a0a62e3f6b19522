#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL cluster of its own, then stop and delete it.
#
#   scripts/with-postgres.sh .venv/bin/pytest -q strides/pupils
#
# The cluster lives in a temporary folder, listens on 127.0.0.1 on a free port (and on a unix
# socket inside that folder), and is stopped and removed when the command ends, however it ends.
# The command sees DATABASE_URL=postgres://strides:<random password>@127.0.0.1:<port>/strides; the
# role `strides` may create databases, as pytest-django needs for its test_<name> databases.
#
# PostgreSQL refuses to run as root: as root the cluster runs as the `postgres` system user (which
# Debian's postgresql package creates), or a system user `strides-pg` made for the purpose.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=scripts/lib.sh
source "$repo/scripts/lib.sh"

[ $# -gt 0 ] || die "usage: scripts/with-postgres.sh COMMAND [ARGS...]"

bindir="$(postgres_bindir)" ||
    die "no PostgreSQL server found under /usr/lib/postgresql/*/bin: run \`make install\` (Debian package postgresql)"

cluster_dir="$(mktemp -d "${TMPDIR:-/tmp}/strides-pg.XXXXXX")"
run_as_owner=()
if [ "$(id -u)" -eq 0 ]; then
    owner=postgres
    if ! id "$owner" >/dev/null 2>&1; then
        owner=strides-pg
        id "$owner" >/dev/null 2>&1 ||
            useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$owner"
    fi
    chown "$owner" "$cluster_dir"
    run_as_owner=(runuser -u "$owner" --)
fi
chmod 700 "$cluster_dir"

as_owner() {
    # The owner may not be allowed into the caller's working directory: work from the cluster's.
    (cd "$cluster_dir" && "${run_as_owner[@]}" "$@")
}

stop_cluster() {
    local status=$?
    if [ -f "$cluster_dir/data/postmaster.pid" ]; then
        as_owner "$bindir/pg_ctl" -D "$cluster_dir/data" -m fast -w stop >/dev/null 2>&1 ||
            as_owner "$bindir/pg_ctl" -D "$cluster_dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$cluster_dir"
    exit "$status"
}
trap stop_cluster EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

password="$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
as_owner sh -c "umask 077 && printf '%s\n' '$password' > '$cluster_dir/pwfile'"
as_owner "$bindir/initdb" --pgdata="$cluster_dir/data" --username=postgres --pwfile="$cluster_dir/pwfile" \
    --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 --no-sync \
    >"$cluster_dir/initdb.log" 2>&1 || {
    cat "$cluster_dir/initdb.log" >&2
    die "initdb failed"
}

started=0
for _attempt in 1 2 3; do
    port="$(free_port)"
    # fsync off: a throwaway cluster gains speed and loses nothing it would keep.
    if as_owner "$bindir/pg_ctl" -D "$cluster_dir/data" -l "$cluster_dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories='$cluster_dir' -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        start >/dev/null; then
        started=1
        break
    fi
done
if [ "$started" -ne 1 ]; then
    tail -n 30 "$cluster_dir/server.log" >&2 || true
    die "the throwaway PostgreSQL cluster did not start"
fi

"$bindir/psql" --quiet --no-psqlrc --set=ON_ERROR_STOP=1 --host="$cluster_dir" --port="$port" \
    --username=postgres --dbname=postgres >/dev/null <<SQL
CREATE ROLE strides LOGIN CREATEDB PASSWORD '$password';
CREATE DATABASE strides OWNER strides;
SQL

export DATABASE_URL="postgres://strides:${password}@127.0.0.1:${port}/strides"
note "throwaway PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:${port} (${cluster_dir})"

set +e
"$@"
status=$?
set -e
exit "$status"
