# Helpers shared by the scripts in this folder. Source it; do not run it.

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
    _bold=$'\e[1m' _red=$'\e[31m' _green=$'\e[32m' _dim=$'\e[2m' _reset=$'\e[0m'
else
    _bold="" _red="" _green="" _dim="" _reset=""
fi

step() { printf '%s==> %s%s\n' "$_bold" "$*" "$_reset"; }
note() { printf '%s    %s%s\n' "$_dim" "$*" "$_reset"; }
ok() { printf '%s%s%s\n' "$_green" "$*" "$_reset"; }
warn() { printf '%s%s%s\n' "$_red" "$*" "$_reset" >&2; }
die() {
    warn "error: $*"
    exit 1
}

# The newest PostgreSQL server binaries Debian installed (/usr/lib/postgresql/<version>/bin).
postgres_bindir() {
    local dir
    dir="$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)"
    if [ -n "$dir" ] && [ -x "$dir/initdb" ]; then
        echo "$dir"
        return 0
    fi
    if command -v initdb >/dev/null 2>&1; then
        dirname "$(command -v initdb)"
        return 0
    fi
    return 1
}
