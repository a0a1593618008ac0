#!/usr/bin/env bash
# Install whatever pgchurn needs and is missing, then stop. Safe to run again: each step
# checks first. Used by `make demo`, `make test` and `.ci/run`.
#
#   system: PostgreSQL 15 server, PL/Python 3 and pg_cron for it, a Java runtime (sklearn2pmml),
#           python3-venv, and headless Chromium (the HTML report's test)
#   python: .venv with pgchurn installed in editable mode plus its test extras
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
venv=${PGCHURN_VENV:-.venv}
extras=${PGCHURN_EXTRAS:-test}
pg_bin=/usr/lib/postgresql/15/bin

say() { printf 'bootstrap: %s\n' "$*"; }

missing_debs() {
    local missing=()
    [ -x "$pg_bin/postgres" ] || missing+=(postgresql-15)
    [ -x "$pg_bin/pgbench" ] || missing+=(postgresql-client-15 postgresql-contrib)
    [ -f /usr/lib/postgresql/15/lib/plpython3.so ] || missing+=(postgresql-plpython3-15)
    [ -f /usr/lib/postgresql/15/lib/pg_cron.so ] || missing+=(postgresql-15-cron)
    [ -x /usr/bin/chromium ] || missing+=(chromium chromium-driver)
    command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
    python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)
    echo "${missing[@]+"${missing[@]}"}"
}

install_debs() {
    local debs=$1 sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1; then
            sudo=(sudo)
        else
            say "missing Debian packages: $debs"
            say "fix: as root run: apt-get update && apt-get install -y $debs"
            exit 1
        fi
    fi
    say "installing Debian packages: $debs"
    "${sudo[@]+"${sudo[@]}"}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    # shellcheck disable=SC2086
    "${sudo[@]+"${sudo[@]}"}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends $debs >/dev/null
}

debs=$(missing_debs)
if [ -n "$debs" ]; then
    install_debs "$debs"
    still=$(missing_debs)
    if [ -n "$still" ]; then
        say "still missing after apt-get: $still"
        exit 1
    fi
else
    say "system packages present (PostgreSQL 15, PL/Python 3, pg_cron, Java, venv, Chromium)"
fi

# The Python environment: rebuilt only when pyproject.toml changes.
stamp="$venv/.pgchurn-installed"
want="$(sha256sum pyproject.toml | cut -c1-16)-$extras"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$venv/bin/pgchurn" ]; then
    say "virtualenv $venv is up to date"
else
    [ -x "$venv/bin/python" ] || { say "creating virtualenv $venv"; python3 -m venv "$venv"; }
    say "installing pgchurn and its $extras extras into $venv (first time takes a few minutes)"
    pip_quiet() { "$venv/bin/python" -m pip install -q --disable-pip-version-check "$@" \
        2> >(grep -v "^WARNING: Location 'file:" >&2); }
    pip_quiet --upgrade pip
    pip_quiet -e ".[$extras]"
    echo "$want" > "$stamp"
fi
