#!/usr/bin/env bash
# `make demo`: the small demo trust at http://127.0.0.1:8000 on SQLite, with the background worker.
#
# Installs the virtual environment if needed, migrates var/strides.sqlite3, loads the demo trust
# once (--if-empty: a second `make demo` keeps what you changed), starts `strides db_worker` in
# the background and the web server in the foreground. Ctrl-C stops both.
# HOST and PORT choose where to listen (default 127.0.0.1:8000).
set -euo pipefail

cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

host="${HOST:-127.0.0.1}"
port="${PORT:-8000}"

port_free() {
    python3 -c 'import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds: a just-stopped demo leaves TIME_WAIT
try:
    s.bind((sys.argv[1], int(sys.argv[2])))
except OSError:
    sys.exit(1)' "$host" "$port"
}
port_free || die "${host}:${port} is in use (another \`make demo\` still running?): stop it, or run \`make demo PORT=8001\`"

scripts/install.sh --python-only

export STRIDES_MODE=demo
# The demo always runs on the checkout's SQLite file, whatever the shell has in DATABASE_URL.
unset DATABASE_URL
strides=.venv/bin/strides

step "migrating the demo database (var/strides.sqlite3)"
"$strides" migrate --noinput -v 0

step "loading the small demo trust (skipped when the database already has one)"
"$strides" demo-data --seed 1 --scale small --if-empty

step "collecting static files"
"$strides" collectstatic --noinput -v 0

worker_pid=""
stop_worker() {
    if [ -n "$worker_pid" ] && kill -0 "$worker_pid" 2>/dev/null; then
        kill "$worker_pid" 2>/dev/null || true
        wait "$worker_pid" 2>/dev/null || true
    fi
}
trap stop_worker EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

step "starting the background worker"
"$strides" db_worker &
worker_pid=$!

cat scripts/demo-note.txt
echo "    Open http://${host}:${port}/ and sign in."
echo

# gunicorn, as in production (docs/deployment.md); whitenoise serves the static files.
.venv/bin/gunicorn strides.wsgi:application --bind "${host}:${port}" --workers 2 --threads 4 \
    --graceful-timeout 5 --access-logfile - --error-logfile - --log-level warning
