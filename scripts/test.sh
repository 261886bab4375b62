#!/usr/bin/env bash
# The whole test suite: lint, migrations check, then every test on SQLite and
# on PostgreSQL, with a line of passed / failed / skipped per database at the
# end. Installs and starts what the tests need first (Python packages,
# Chromium, PostgreSQL, Redis): no test skips for want of a service
# (tests/conftest.py fails a skip whose reason is not on its allow-list).
#
#   scripts/test.sh                 # everything
#   scripts/test.sh tests/contacts  # arguments go to pytest (both databases)
#   KONTOR_TEST_DATABASES=sqlite scripts/test.sh   # one database only
#   KONTOR_TEST_WORKERS=1 scripts/test.sh           # one pytest process per database
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/bootstrap.sh

# The tests start many Python processes (servers, workers, the command
# line); each would compile Kontor's modules anew if bytecode were not kept.
unset PYTHONDONTWRITEBYTECODE

SUDO=$([ "$(id -u)" -eq 0 ] && echo "" || echo "sudo")

# Browser tests drive Debian's Chromium (no tool may download a browser); the
# event and rate-limit tests need a Redis server. Install what is missing.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing ${missing[*]} for the tests …"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

PG_URL=${KONTOR_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}
DATABASES=${KONTOR_TEST_DATABASES:-sqlite postgres}
if [[ " $DATABASES " == *" postgres "* ]] && ! pg_isready -q -h 127.0.0.1 -p 5432; then
    echo "Starting PostgreSQL …"
    $SUDO pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
    for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi

# Redis on 127.0.0.1:6379, keeping nothing on disk. It runs as whoever starts
# it (root or not); its pid file goes where that user may write.
redis_answers() {
    (exec 3<>/dev/tcp/127.0.0.1/6379 && printf 'PING\r\n' >&3 && read -r -t 2 reply <&3 &&
        [[ $reply == +PONG* ]]) 2>/dev/null
}
if ! redis_answers; then
    echo "Starting Redis …"
    redis_dir=$(mktemp -d)
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
        --dir "$redis_dir" --pidfile "$redis_dir/redis.pid" --logfile "$redis_dir/redis.log"
    for _ in $(seq 30); do redis_answers && break; sleep 0.5; done
    redis_answers || { echo "Redis did not start:" >&2; cat "$redis_dir/redis.log" >&2; exit 1; }
fi

scripts/lint.sh

echo "== migrations"
export KONTOR_VAR_DIR=${KONTOR_VAR_DIR:-$(mktemp -d)}
DATABASE_URL="sqlite:///$KONTOR_VAR_DIR/check.sqlite3" .venv/bin/kontor makemigrations --check --dry-run

# The databases run side by side, each in KONTOR_TEST_WORKERS pytest-xdist
# workers (2): the tests that wait for servers, workers and restores overlap,
# and the database that finishes first leaves both cores to the other. A
# worker takes the next test when it is free (worksteal), so the slow tests
# do not queue behind one worker at the end. Each run's output is shown whole
# when it ends. pytest exits 5 when it collected no tests: that is a failure
# here too.
logs=$(mktemp -d)
pids=()
for db in $DATABASES; do
    case $db in
        sqlite) url="sqlite:///$KONTOR_VAR_DIR/test.sqlite3" ;;
        postgres) url=$PG_URL ;;
        *) echo "unknown database $db" >&2; exit 2 ;;
    esac
    echo "== pytest on $db (started)"
    DATABASE_URL=$url .venv/bin/pytest -n "${KONTOR_TEST_WORKERS:-2}" --dist worksteal \
        --durations=10 --junitxml="$logs/$db.xml" "$@" > "$logs/$db.log" 2>&1 &
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

# One line per database, counted from pytest's JUnit report (errors in set-up
# count as failures); a run that collected nothing counts as failed above.
echo "== summary"
for db in $DATABASES; do
    .venv/bin/python - "$db" "$logs/$db.xml" <<'PY'
import sys
import xml.etree.ElementTree as ET

db, path = sys.argv[1], sys.argv[2]
try:
    suites = ET.parse(path).getroot().iter("testsuite")
except (OSError, ET.ParseError):
    print(f"{db}: no report (pytest did not finish)")
    sys.exit()
total = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
for suite in suites:
    for key in total:
        total[key] += int(suite.get(key, 0))
failed = total["failures"] + total["errors"]
passed = total["tests"] - failed - total["skipped"]
print(f"{db}: {passed} passed, {failed} failed, {total['skipped']} skipped")
PY
done
exit $status
