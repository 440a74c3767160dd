# Frameproof: `make run` to start it, `make test` to check everything. `make help` lists targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

DATA_DIR ?= data
LISTEN ?= 127.0.0.1:8080
BIN := target/release/frameproof

.PHONY: help setup web build run test fmt fmt-check lint test-rust test-web e2e clean

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}'

setup: ## Install what is missing (Debian packages, npm packages); safe to repeat
	@scripts/setup.sh

web: setup ## Build the web app into web/dist (its API types come from `frameproof openapi`)
	cd web && npm run build

build: web ## Build the release binary (the web app embedded)
	cargo build --release --locked -p frameproof

run: build ## Build and start Frameproof on http://127.0.0.1:8080 with SQLite and media under ./data
	$(BIN) serve --data-dir $(DATA_DIR) --listen $(LISTEN)

fmt: ## Format the code
	cargo fmt --all

fmt-check: ## Check formatting
	cargo fmt --all -- --check

lint: ## Clippy with warnings as errors
	cargo clippy --workspace --all-targets --locked -- -D warnings

test-rust: ## All Rust tests (unit, integration, the real binary)
	cargo nextest run --workspace --locked --no-fail-fast
	cargo test --workspace --doc --locked

test-web: setup ## The web app's type check and unit tests
	cd web && npm run check && npm test

e2e: setup ## Browser tests: the real server and the built web app in headless Chromium
	cargo build --locked -p frameproof
	cd web && npm run build && FRAMEPROOF_BIN=../target/debug/frameproof npm run e2e

test: setup fmt-check lint test-rust test-web e2e ## Everything CI checks: formatting, clippy, all tests, web checks, browser tests

clean: ## Remove build output (not ./data)
	cargo clean
bench:: ; node bench/bench.mjs ## Benchmarks, not part of make test: tus upload vs cp, server RSS, ingest vs bare ffmpeg (needs make build)
bench-review:: ; node bench/review.mjs ## Review-core benchmark, not part of make test: concurrent comments, listing 10 000, live fan-out (needs make build)
bench-ops:: ; node bench/ops.mjs ## Operations benchmark, not part of make test: My work and a campaign board over 500 campaigns and 200 000 stage runs (needs make build)
