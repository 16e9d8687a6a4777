# 扶助オン資 — every task has one entry point here.
#   make run    install what is missing, build, seed demo data on first start, serve http://127.0.0.1:8080
#   make test   install what is missing, run the lints, unit, integration (SQLite + PostgreSQL) and browser tests
#   make bench  benchmarks (results: docs/benchmarks.md)
#   make soak   long runs: every parser fuzzed SOAK_MINUTES (10) each, the kill -9 durability test (results: docs/reliability.md)
#   make lint   rustfmt and clippy -D warnings (native and wasm32)
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
export PATH := $(CURDIR)/.tools/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)

DATA ?= ./data
ADDR ?= 127.0.0.1:8080

.PHONY: run build app server test lint bench soak tools test-tools clean

tools:
	@scripts/bootstrap.sh build

test-tools:
	@scripts/bootstrap.sh test

# One bundle per role (domain::bundle::Bundle): dist/<name>.html and its files, dist/sw.js.
app: tools
	cargo fetch --locked
	scripts/build-app.sh

server:
	cargo build --release --locked -p server

build: app server

run: build
	./target/release/onshi --data $(DATA) seed --profile demo --if-empty
	./target/release/onshi --data $(DATA) serve --addr $(ADDR) --static-dir dist

test: test-tools
	@scripts/test.sh

# The same lints run in `make test` (both run scripts/lint.sh).
lint: tools
	@scripts/lint.sh

bench: test-tools
	@scripts/bench.sh

soak: tools
	@scripts/soak.sh

clean:
	rm -rf dist target/tmp .tmp
