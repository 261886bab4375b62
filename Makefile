# The two commands a newcomer needs (run, test); see README.md.
.PHONY: run test lint mutate

run:  ## set up and run Kontor on SQLite in ./var/ with demo data
	scripts/bootstrap.sh
	.venv/bin/kontor start

test:  ## set up and run the whole test suite on SQLite and PostgreSQL (DATABASE_URL)
	scripts/test.sh

lint:  ## ruff and the dependency check (deptry), as CI runs them
	scripts/bootstrap.sh
	scripts/lint.sh

# MUTANTS narrows the run, e.g. make mutate MUTANTS='kontor.access.grants.*'
mutate: export DATABASE_URL = sqlite:///$(CURDIR)/mutants/test-database.sqlite3
mutate:  ## mutation testing of kontor/access and kontor/contacts/normalization.py (mutmut; not in CI)
	scripts/bootstrap.sh
	rm -rf mutants
	mkdir mutants
	.venv/bin/kontor migrate --verbosity 0
	.venv/bin/mutmut run --max-children 2 $(MUTANTS)
	.venv/bin/mutmut results
