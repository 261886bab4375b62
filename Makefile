# The two commands a newcomer needs; see README.md.
.PHONY: run test lint

run:  ## set up and run Kontor on SQLite in ./var/ with demo data
	scripts/bootstrap.sh
	.venv/bin/kontor start

test:  ## set up and run the whole test suite on SQLite and PostgreSQL (DATABASE_URL)
	scripts/test.sh

lint:  ## ruff and the dependency check (deptry), as CI runs them
	scripts/bootstrap.sh
	scripts/lint.sh
