# `make` builds the dataset; `make test` runs every test (Rust and the Python
# cross-checks, whose tools are installed into .venv from requirements-test.txt).

CARGO  ?= cargo
PYTHON ?= python3
BIN    := target/release/kdata
VENV   := .venv
# The site tests drive the distribution's Chromium (playwright only drives it).
CHROMIUM := /usr/bin/chromium
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
SRC    := $(shell find src templates vendor -type f) Cargo.toml Cargo.lock

.PHONY: all build check release test test-rust test-python bench clean

all: build

$(BIN): $(SRC)
	$(CARGO) build --release --locked

build: $(BIN)
	$(BIN) build

check: $(BIN)
	$(BIN) check

release: $(BIN)
	$(BIN) release

$(VENV)/.installed: requirements-test.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-test.txt
	touch $@

test: test-rust test-python

# Formatting and lints are part of the tests: one style, no warnings.
test-rust: $(BIN)
	$(CARGO) fmt --check
	$(CARGO) clippy --release --locked --all-targets -- -D warnings
	$(CARGO) test --release --locked
	$(CARGO) test --release --locked -p layout-rs --lib

$(CHROMIUM):
	$(SUDO) apt-get update -q
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core

test-python: build $(VENV)/.installed $(CHROMIUM)
	$(VENV)/bin/python -m pytest -q tests/python

bench: $(BIN) $(VENV)/.installed
	$(VENV)/bin/python bench/bench.py

clean:
	rm -rf target $(VENV) output
