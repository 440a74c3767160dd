# Frameproof: `make run` to start it, `make test` to check everything. `make help` lists targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

DATA_DIR ?= data
LISTEN ?= 127.0.0.1:8080
BIN := target/release/frameproof

.PHONY: help setup build run test fmt fmt-check lint test-rust clean

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}'

setup: ## Install what is missing (Debian packages, npm packages); safe to repeat
	@scripts/setup.sh

build: setup ## Build the release binary
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

test: setup fmt-check lint test-rust ## Everything CI checks: formatting, clippy, all tests

clean: ## Remove build output (not ./data)
	cargo clean
