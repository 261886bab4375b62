# The two commands a newcomer needs; see README.md.
.PHONY: run test lint

run:  ## set up and run Kontor on SQLite in ./var/ with demo data
	scripts/bootstrap.sh
	.venv/bin/kontor start

test:  ## set up and run the whole test suite on SQLite and PostgreSQL (DATABASE_URL)
	scripts/test.sh

lint:
	scripts/bootstrap.sh
	.venv/bin/ruff check . && .venv/bin/ruff format --check .
