#!/usr/bin/env bash
# Lint: ruff (rules and formatting) and deptry (dependencies). `make lint`
# and scripts/test.sh run it; it expects the .venv of scripts/bootstrap.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .

echo "== deptry"
# The code: every import declared, every declared dependency used, nothing
# of the `test` extra imported ([tool.deptry] in pyproject.toml).
.venv/bin/deptry kontor
# The tests: every import declared somewhere (the `test` extra is theirs;
# that the code uses what is declared was checked above).
.venv/bin/deptry tests --exclude '\.venv' --ignore DEP002,DEP004
