#!/usr/bin/env bash
# Install what Strides needs, and nothing twice:
# - .venv with Strides installed editable, with the `dev` extra (tests, ruff, Playwright, and the
#   lint step's import-linter, mypy and the Django and DRF stubs, all pinned in pyproject.toml);
# - Debian packages the test suite needs: the PostgreSQL server and Chromium.
#
# Usage: scripts/install.sh [--python-only | --system-only]
# The Debian step uses apt-get as root, or through sudo when that works without a password.
# When neither is possible it prints what is missing and carries on: only `make test` needs them,
# and scripts/test.sh stops with a clear message when they are still missing.
set -euo pipefail

cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

want_python=1
want_system=1
case "${1:-}" in
    --python-only) want_system=0 ;;
    --system-only) want_python=0 ;;
    "") ;;
    *) die "unknown option ${1}; use --python-only or --system-only" ;;
esac

# --- Debian packages ----------------------------------------------------------------------------
# package -> why it is needed (printed when it cannot be installed)
declare -A DEBIAN_PACKAGES=(
    [postgresql]="the test suite's second run, on a throwaway PostgreSQL cluster"
    [chromium]="the browser journeys (Playwright drives Debian's Chromium)"
)

package_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

install_system_packages() {
    if ! command -v dpkg-query >/dev/null 2>&1; then
        note "not a Debian system: install a PostgreSQL server and Chromium yourself (see docs/testing.md)"
        return 0
    fi
    local missing=()
    for package in "${!DEBIAN_PACKAGES[@]}"; do
        package_installed "$package" || missing+=("$package")
    done
    if [ ${#missing[@]} -eq 0 ]; then
        return 0
    fi
    local apt=()
    if [ "$(id -u)" -eq 0 ]; then
        apt=(env DEBIAN_FRONTEND=noninteractive apt-get)
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        apt=(sudo -n env DEBIAN_FRONTEND=noninteractive apt-get)
    else
        note "missing Debian packages (not root, and sudo needs a password):"
        for package in "${missing[@]}"; do
            note "  ${package}: for ${DEBIAN_PACKAGES[$package]}"
        done
        note "install them with: sudo apt-get install ${missing[*]}"
        return 0
    fi
    step "installing Debian packages: ${missing[*]}"
    "${apt[@]}" update -qq
    "${apt[@]}" install -y -qq -o Dpkg::Use-Pty=0 "${missing[@]}" >/dev/null
}

# --- Python virtual environment ----------------------------------------------------------------
find_python() {
    local candidate
    for candidate in "${PYTHON:-}" python3.11 python3 python; do
        [ -n "$candidate" ] || continue
        command -v "$candidate" >/dev/null 2>&1 || continue
        if "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

install_python() {
    if [ ! -x .venv/bin/python ]; then
        local python
        python="$(find_python)" || die "Strides needs Python 3.11 or newer (set PYTHON=/path/to/python3.11)"
        step "creating .venv with $("$python" --version)"
        "$python" -m venv .venv
    fi
    # Reinstall only when pyproject.toml changed since the last install.
    local stamp=.venv/.strides-installed
    local digest
    digest="$(sha256sum pyproject.toml | cut -d' ' -f1)"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$digest" ] && [ -x .venv/bin/strides ]; then
        return 0
    fi
    step "installing Strides and its dependencies into .venv"
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
    echo "$digest" >"$stamp"
}

if [ "$want_system" -eq 1 ]; then
    install_system_packages
fi
if [ "$want_python" -eq 1 ]; then
    install_python
fi
