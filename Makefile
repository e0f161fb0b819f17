# spacemap — two commands do everything: `make run` and `make test`.
# Works as root (the embedded PostgreSQL then runs as the `postgres` user) and as an ordinary user.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
WEBLIB := web/node_modules/.installed-stamp

.PHONY: install browser gdal db data run test lint bench geodata messages down clean help \
	scale-tools test-scale scale

help:
	@echo "make run    install, start PostGIS, migrate, load the Futian data, serve"
	@echo "make test   install, start PostGIS, lint, run the test suite"
	@echo "make test-scale  standby, pgbouncer, two processes, nginx: the scale tests"
	@echo "make scale  the scale stack on this machine (docs/SCALING.md), until Ctrl-C"
	@echo "make bench  benchmarks (matching, maps, HTTP match, tipg peer, allocation, CLI start-up, read scale) -> docs/BENCHMARKS.md"
	@echo "make down   stop the embedded PostGIS"

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,eval]'
	touch $(STAMP)

# The maps' browser libraries, from the npm registry (served by spacemap itself: no CDN).
$(WEBLIB): web/package.json web/package-lock.json
	npm ci --prefix web --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $(WEBLIB)

install: $(STAMP) $(WEBLIB)

# Debian packages the tests drive: chromium (browser tests), gdal-bin (a real OAPIF client).
browser:
	sh scripts/ensure-packages.sh chromium fonts-noto-cjk

gdal:
	sh scripts/ensure-packages.sh gdal-bin

db: install
	$(BIN)/spacemap db up
	$(BIN)/spacemap db migrate

data: db
	$(BIN)/spacemap load --if-needed
	$(BIN)/spacemap train --if-missing

run: data
	@echo "The spacemap command is $(BIN)/spacemap; to type just 'spacemap' in this shell: . $(VENV)/bin/activate"
	$(BIN)/spacemap serve

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# One worker per core, at most four (each makes its own database): under 5 minutes on 2 cores.
test: db lint browser gdal
	$(BIN)/python -m pytest -n auto --maxprocesses 4 --dist loadfile --ignore=tests/scale

# The scale stack's tests (docs/SCALING.md): their own primary, standby, pgbouncer, two app
# processes and nginx in a temporary directory; independent of the embedded cluster. Debian's
# docker-compose validates the compose file's `scale` profile (no Docker engine needed).
scale-tools:
	sh scripts/ensure-packages.sh pgbouncer nginx docker-compose

test-scale: install scale-tools
	$(BIN)/python -m pytest tests/scale

scale: install scale-tools
	$(BIN)/spacemap scale up

# Benchmarks (< 20 min): matplotlib for the plots; tipg, the peer, in a venv of its own.
TIPG := .bench/tipg-venv/bin/python
$(TIPG):
	$(PYTHON) -m venv .bench/tipg-venv
	.bench/tipg-venv/bin/python -m pip install --quiet "tipg==1.6.1" "uvicorn[standard]"

bench: data browser $(TIPG)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,eval,bench]'
	$(BIN)/python -m bench.run

geodata: install
	$(BIN)/python -m geodata.build

# New UI text → the zh-CN catalog (then translate the empty msgstr entries it lists).
messages: install
	$(BIN)/python -m spacemap.messages

down:
	$(BIN)/spacemap db down

# Also deletes the cluster of a project under /root, which lives in $TMPDIR/spacemap-<hash>.
clean:
	@if [ -x $(BIN)/spacemap ]; then $(BIN)/spacemap db remove --yes; fi
	rm -rf $(VENV) .spacemap web/node_modules
