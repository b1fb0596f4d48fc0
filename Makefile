# The few commands a newcomer needs. `make run` and `make test` do all the set-up.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# What running needs (requirements/run.txt), and the test and development tools besides (requirements/dev.txt):
# both locked from pyproject.toml by `make lock`, each installed once for its contents.
RUN_STAMP := $(VENV)/.run-$(shell cat pyproject.toml requirements/run.txt | cksum | cut -d' ' -f1)
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml requirements/dev.txt | cksum | cut -d' ' -f1)
# The settings default to production (DEBUG off, refusing a weak SECRET_KEY): these commands are development.
export DEBUG ?= 1

# The compose stack's certificate folder (docker-compose.yml's TLS_DIR).
TLS_DIR ?= docker/tls

.PHONY: backup certificate restore lock run test test-reference-executor fuzz lint format check schema migrations scale bench bench-smoke clean

# `make run` installs with uv (the version `make lock` uses): the lock in a few seconds where pip took 30, so a
# fresh clone serves within a minute.
UV_VERSION := $(shell sed -n 's/^uv==//p' requirements/dev.txt)
$(RUN_STAMP): pyproject.toml requirements/run.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "uv==$(UV_VERSION)"
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements/run.txt
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	rm -f $(VENV)/.run-*
	touch $(RUN_STAMP)

$(STAMP): pyproject.toml requirements/dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements/dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

## backup: the database and the attachments into a new folder of BACKUP_DIR (.backups); restore: one back
## into an empty database (make restore FROM=.backups/tetedepont-…)
backup: $(RUN_STAMP)
	$(BIN)/python -m backend.localdb exec -- $(BIN)/python manage.py backup
restore: $(RUN_STAMP)
	$(BIN)/python -m backend.localdb exec -- $(BIN)/python manage.py restore $(FROM)

## certificate: a self-signed certificate for localhost in TLS_DIR (docker/tls), to try the compose stack on
## one's own machine; a public name needs a real one there (fullchain.pem, privkey.pem; e.g. certbot's)
certificate:
	mkdir -p $(TLS_DIR)
	openssl req -x509 -newkey rsa:2048 -nodes -days 90 -subj "/CN=localhost" \
	  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
	  -keyout $(TLS_DIR)/privkey.pem -out $(TLS_DIR)/fullchain.pem 2>/dev/null

## lock: requirements/{base,run,dev}.txt from pyproject.toml (the image's, `make run`'s, `make test`'s)
lock: $(STAMP)
	for spec in "base:" "run:--extra local" "dev:--extra dev"; do \
	  $(BIN)/uv pip compile pyproject.toml --python-version 3.11 $${spec#*:} -o requirements/$${spec%%:*}.txt \
	    --quiet --custom-compile-command "make lock" || exit 1; \
	done

## run: install, start PostgreSQL (embedded unless DATABASE_URL is set), migrate, load the demo, serve on
## HOST:PORT (127.0.0.1:8000; e.g. make run PORT=8001) with a job worker beside
HOST ?= 127.0.0.1
PORT ?= 8000
run: $(RUN_STAMP)
	$(BIN)/python -m backend.localdb serve --host $(HOST) --port $(PORT)

## test: the whole test suite (against DATABASE_URL, else the embedded PostgreSQL)
test: $(STAMP)
	$(BIN)/python -m backend.localdb exec -- $(BIN)/python -m pytest $(PYTEST_ARGS)

## test-reference-executor: the API's tests on graphql-core's own executor instead of the fast one, and without
## the compiled reads (CI runs both ways)
API_TESTS ?= tests/network tests/mentoring tests/accelerator tests/observatory tests/accounts tests/core/test_schema_walk.py tests/core/test_permissions.py
test-reference-executor: $(STAMP)
	GRAPHQL_EXECUTOR=graphql-core GRAPHQL_COMPILED_READS=0 $(BIN)/python -m backend.localdb exec -- $(BIN)/python -m pytest -q $(API_TESTS) $(PYTEST_ARGS)

## fuzz: a longer fuzzing campaign of the live schema (FUZZ_EXAMPLES generated requests per case)
FUZZ_EXAMPLES ?= 2000
fuzz: $(STAMP)
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m backend.localdb exec -- $(BIN)/python -m pytest tests/core/test_fuzz.py $(PYTEST_ARGS)

## check: lint, format, layers (import-linter), migrations and schema drift (what CI checks beside the tests)
check: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m backend.localdb exec -- $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python -m backend.localdb exec -- $(BIN)/python manage.py check_schema

lint: $(STAMP)
	$(BIN)/ruff check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## schema: regenerate the checked-in schema.graphql
schema: $(STAMP)
	$(BIN)/python -m backend.localdb exec -- $(BIN)/python manage.py graphql_schema --out schema.graphql

migrations: $(STAMP)
	$(BIN)/python -m backend.localdb exec -- $(BIN)/python manage.py makemigrations

## bench: the benchmark scripts (their own database; scale data generated once)
bench: $(STAMP)
	$(BIN)/python -m backend.localdb exec -- $(BIN)/python bench/network_queries.py
	$(BIN)/python -m backend.localdb exec -- $(BIN)/python bench/realtime_fanout.py
	$(BIN)/python -m backend.localdb exec -- $(BIN)/python bench/booking.py
	$(BIN)/python -m backend.localdb exec -- $(BIN)/python bench/accelerator_queue.py
	$(BIN)/python -m backend.localdb exec -- $(BIN)/python bench/abuse.py
	$(BIN)/python -m backend.localdb exec -- $(BIN)/python bench/connections.py
	$(BIN)/python -m backend.localdb exec -- $(BIN)/python bench/jobs.py
	$(BIN)/python -m backend.localdb exec -- $(BIN)/python bench/pages.py

## bench-smoke: every bench script once, on tiny sizes, so that a change cannot break one unseen (CI runs it;
## the figures mean nothing at these sizes)
BENCH := $(BIN)/python -m backend.localdb exec -- $(BIN)/python
bench-smoke: $(STAMP)
	$(BENCH) bench/network_queries.py --runs 3
	$(BENCH) bench/http_load.py --workers 1 --concurrency 2 --duration 1
	$(BENCH) bench/servers.py daphne --concurrency 2 --duration 1
	$(BENCH) bench/realtime_fanout.py --subscribers 3 --rounds 1 --processes 1
	$(BENCH) bench/realtime_fanout.py --scenario slots --auth --subscribers 3 --rounds 1 --processes 1
	$(BENCH) bench/booking.py --attempts 20 --capacity 3 --runs 2 --workers 4
	$(BENCH) bench/accelerator_queue.py --requests 300 --runs 3
	$(BENCH) bench/jobs.py --emails 30 --bookings 300
	$(BENCH) bench/pages.py --runs 2 --requests 300
	$(BENCH) bench/connections.py
	$(BENCH) bench/abuse.py
	$(BENCH) bench/observatory_figures.py --runs 2

clean:
	rm -rf $(VENV) .localdb
