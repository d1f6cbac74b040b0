.PHONY: run test test-dates bench lint format deps

## make run: install what is missing, start PostgreSQL/Redis/SMTP sink, migrate, demo data, serve
run:
	@bash scripts/run.sh

## make test: throwaway PostgreSQL/Redis, ruff, makemigrations --check, pytest
test:
	@bash scripts/test.sh

## make bench: benchmarks on a large generated data set; results in bench/results/
bench:
	@bash scripts/bench.sh

## make format: apply ruff's fixes and formatting
format:
	@.venv/bin/ruff check --fix . && .venv/bin/ruff format .

## make test-dates: the suite at awkward moments (month/quarter/year ends, 29 Feb, DST days, 23:30)
test-dates:
	@bash scripts/test_dates.sh
