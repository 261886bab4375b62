#!/usr/bin/env bash
# The whole test suite: lint, migrations check, then every test on SQLite and
# on PostgreSQL. Installs what it needs (Python packages, Chromium) first.
#
#   scripts/test.sh                 # everything
#   scripts/test.sh tests/contacts  # arguments go to pytest (both databases)
#   KONTOR_TEST_DATABASES=sqlite scripts/test.sh   # one database only
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/bootstrap.sh

# Browser tests drive Debian's Chromium; no tool may download a browser.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
if ! command -v chromium >/dev/null 2>&1; then
    echo "Installing Chromium for the browser tests …"
    SUDO=$([ "$(id -u)" -eq 0 ] && echo "" || echo "sudo")
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

PG_URL=${KONTOR_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}
DATABASES=${KONTOR_TEST_DATABASES:-sqlite postgres}
if [[ " $DATABASES " == *" postgres "* ]] && ! pg_isready -q -h 127.0.0.1 -p 5432; then
    echo "Starting PostgreSQL …"
    SUDO=$([ "$(id -u)" -eq 0 ] && echo "" || echo "sudo")
    $SUDO pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
    for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi

echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .

echo "== migrations"
export KONTOR_VAR_DIR=${KONTOR_VAR_DIR:-$(mktemp -d)}
DATABASE_URL="sqlite:///$KONTOR_VAR_DIR/check.sqlite3" .venv/bin/kontor makemigrations --check --dry-run

# The databases run side by side (the machine has two cores); each run's
# output is shown whole when it ends. pytest exits 5 when it collected no
# tests: that is a failure here too.
logs=$(mktemp -d)
pids=()
for db in $DATABASES; do
    case $db in
        sqlite) url="sqlite:///$KONTOR_VAR_DIR/test.sqlite3" ;;
        postgres) url=$PG_URL ;;
        *) echo "unknown database $db" >&2; exit 2 ;;
    esac
    echo "== pytest on $db (started)"
    DATABASE_URL=$url .venv/bin/pytest --durations=10 "$@" > "$logs/$db.log" 2>&1 &
    pids+=("$!")
done
status=0
i=0
for db in $DATABASES; do
    rc=0
    wait "${pids[$i]}" || rc=$?
    i=$((i + 1))
    echo "== pytest on $db (exit $rc)"
    cat "$logs/$db.log"
    if [ "$rc" -ne 0 ]; then
        echo "pytest on $db failed (exit $rc)" >&2
        status=$rc
    fi
done
exit $status
