#!/usr/bin/env bash
# Everything `make test` checks, in order, stopping at the first failure:
#
#   lint        ruff check and ruff format --check; the layering contracts (lint-imports) and the
#               type checker (mypy with django-stubs), both configured in pyproject.toml
#   migrations  makemigrations --check --dry-run (no model change without its migration)
#   deploy      check --deploy --fail-level WARNING with production settings
#   sqlite      the whole suite on SQLite (pytest -n 2, browser journeys excluded)
#   postgres    the whole suite again on a throwaway PostgreSQL cluster (scripts/with-postgres.sh)
#   e2e         the browser journeys (pytest -m e2e) on SQLite with Debian's Chromium
#
# Usage: scripts/test.sh [STEP...]   (no step: all of them). Installs what it lacks first.
# Extra pytest options can be given in PYTEST_ADDOPTS, e.g. PYTEST_ADDOPTS="-x".
set -euo pipefail

cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

all_steps=(lint migrations deploy sqlite postgres e2e)
if [ $# -gt 0 ]; then
    steps=("$@")
    for wanted in "${steps[@]}"; do
        [[ " ${all_steps[*]} " == *" $wanted "* ]] || die "unknown step '$wanted'; steps are: ${all_steps[*]}"
    done
else
    steps=("${all_steps[@]}")
fi

needs() { [[ " ${steps[*]} " == *" $1 "* ]]; }

results_dir="$(mktemp -d "${TMPDIR:-/tmp}/strides-test.XXXXXX")"
summary_lines=()
started_at=$SECONDS

print_summary() {
    local status=$?
    echo
    step "summary"
    local line
    for line in "${summary_lines[@]}"; do
        echo "    $line"
    done
    local totals=""
    if compgen -G "$results_dir/*.xml" >/dev/null; then
        totals="$(.venv/bin/python scripts/junit_totals.py "$results_dir"/*.xml)"
    fi
    rm -rf "$results_dir"
    echo "    total time $((SECONDS - started_at))s"
    if [ "$status" -eq 0 ]; then
        ok "make test: all steps passed"
    else
        warn "make test: FAILED"
    fi
    # Last line: the plain "N passed, N failed, N skipped" count over every pytest run.
    if [ -n "$totals" ]; then
        echo "$totals"
    fi
    exit "$status"
}
trap print_summary EXIT

# run_step NAME COMMAND...: run, time and record one step; stop everything if it fails.
run_step() {
    local name="$1"
    shift
    step "$name"
    local begin=$SECONDS status=0
    "$@" || status=$?
    local took=$((SECONDS - begin))
    if [ "$status" -eq 0 ]; then
        summary_lines+=("$(printf '%-11s passed  %4ss' "$name" "$took")")
        return 0
    fi
    summary_lines+=("$(printf '%-11s FAILED  %4ss (exit %s)' "$name" "$took" "$status")")
    local rest=0 remaining
    for remaining in "${steps[@]}"; do
        if [ "$rest" -eq 1 ]; then
            summary_lines+=("$(printf '%-11s not run' "$remaining")")
        fi
        [ "$remaining" = "$name" ] && rest=1
    done
    exit "$status"
}

# pytest exits 5 when it collected no test: that is fine for one step (say, no browser journey
# yet), but a run in which no test ran at all is a failure (checked at the end).
pytest_status_ok() {
    if [ "$1" -eq 5 ]; then
        note "no tests collected for this step"
        return 0
    fi
    return "$1"
}

random_secret() { .venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(50))'; }

# --- install what is missing ------------------------------------------------------------------
if needs postgres || needs e2e; then
    run_step install scripts/install.sh
else
    run_step install scripts/install.sh --python-only
fi

# --- the steps --------------------------------------------------------------------------------
# Uploads, static files and the like go to a throwaway folder, not the checkout's var/.
export STRIDES_VAR_DIR="$results_dir/var"
mkdir -p "$STRIDES_VAR_DIR/static"
parallel=(-n 2)
if ! .venv/bin/python -c 'import xdist' 2>/dev/null; then
    parallel=()
fi

lint() {
    .venv/bin/ruff check . && .venv/bin/ruff format --check . &&
        .venv/bin/lint-imports --no-cache && .venv/bin/mypy
}

migrations() {
    env -u DATABASE_URL STRIDES_MODE=development .venv/bin/python manage.py makemigrations --check --dry-run
}

deploy() {
    env -u DATABASE_URL STRIDES_MODE=production STRIDES_SECRET_KEY="$(random_secret)" \
        STRIDES_ALLOWED_HOSTS=example.org \
        .venv/bin/python manage.py check --deploy --fail-level WARNING
}

sqlite() {
    env -u DATABASE_URL .venv/bin/pytest --junitxml="$results_dir/sqlite.xml" -q "${parallel[@]}" ||
        pytest_status_ok $?
}

postgres() {
    scripts/with-postgres.sh .venv/bin/pytest --junitxml="$results_dir/postgres.xml" -q "${parallel[@]}" ||
        pytest_status_ok $?
}

e2e() {
    # a WAL file, not shared-cache memory: the live server's thread and the test's reads wait
    # for each other instead of failing with "database table is locked"
    local database_dir status=0
    database_dir=$(mktemp -d)
    env -u DATABASE_URL STRIDES_TEST_DATABASE_FILE="$database_dir/e2e.sqlite3" \
        .venv/bin/pytest --junitxml="$results_dir/e2e.xml" -q -m e2e || status=$?
    rm -rf "$database_dir"
    [ "$status" -eq 0 ] || pytest_status_ok "$status"
}

for name in "${steps[@]}"; do
    run_step "$name" "$name"
done

if { needs sqlite || needs postgres || needs e2e; } &&
    ! .venv/bin/python scripts/junit_totals.py --require-some "$results_dir"/*.xml >/dev/null; then
    warn "no test ran at all"
    exit 1
fi
