# kafka-pipeline: the entry points. `make help` lists them.
SHELL := /bin/bash
STACK := bash infra/stack.sh

.DEFAULT_GOAL := help
.PHONY: help install build up down status logs test test-unit test-integration test-faults test-chaos lint typecheck bench clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

# `npm install`, not `npm ci`: it installs exactly the lock's versions too, but
# npm 11's `ci` also insists on every other platform's optional binaries
# (@swc/core-darwin-arm64, ...), which the registry mirror here does not serve.
node_modules/.package-lock.json: package-lock.json package.json
	npm install --no-audit --no-fund
	@touch $@

install: node_modules/.package-lock.json ## Install Node dependencies (the lock's versions) when the lock file changed

build: install ## Compile TypeScript to dist/
	npm run build --silent

# No `install` first: stack.sh runs it (the rule above) beside the other preparations.
up: ## Start everything on this machine (Kafka, Redis, FerretDB, the services), then print the table and what to open
	$(STACK) up

down: ## Stop everything this project started; no process is left behind
	$(STACK) down

status: ## Table of services: pid, address, health
	$(STACK) status

logs: ## Last lines of every log (make logs SVC=kafka-broker-1 to follow one)
	$(STACK) logs $(if $(SVC),-f $(SVC),)

# Each check is defined once, in package.json's scripts; make, npm and scripts/test-all.sh call it.
lint: install ## ESLint and Prettier (npm run lint)
	npm run lint --silent

typecheck: install ## tsc --noEmit over every folder, tests and the live page's browser modules included (npm run typecheck)
	npm run typecheck --silent

test: install ## Every test: lint, types, unit, integration against the real services (started when not up) (npm run test:all)
	npm run test:all --silent

test-unit: install ## Unit specs only: nothing needs to run, nothing is stopped (npm test)
	npm test --silent

test-integration: install ## Integration tests against the running stack (npm run test:integration)
	$(STACK) up && npm run test:integration --silent

# Services started here run the DAG only when a test triggers it (as under `make test`).
test-faults: install ## Fault tests (kill a broker, the consumer, the store, Redis; hostile input; secrets): one line each in .stack/test-results/faults.txt
	rm -f .stack/test-results/faults.txt
	KAFKA_PIPELINE_SCHEDULE=$${KAFKA_PIPELINE_SCHEDULE:-none} $(STACK) up && npx jest --selectProjects faults --runInBand

# CHAOS_SECONDS (default 300) of ~1,000 events/s while a seeded scheduler kills and restarts a broker, the consumer,
# Redis, and pauses the store; CHAOS_SEED replays a run. Fails on any loss or doubling.
test-chaos: install ## Load under random faults (CHAOS_SECONDS=300, CHAOS_SEED=...): acknowledged vs stored, lost, doubled, longest stall, in .stack/test-results/chaos.txt
	KAFKA_PIPELINE_SCHEDULE=$${KAFKA_PIPELINE_SCHEDULE:-none} $(STACK) up && CHAOS_SECONDS=$${CHAOS_SECONDS:-300} npx jest --selectProjects chaos --runInBand

# Started here, the stack runs the DAG only when asked: a scheduled run would compete for the cores.
bench: install ## Benchmarks against the local stack (medians of 3): bench/results/<date>.{json,md} and bench/README.md (BENCH_ARGS="--reps 5 ...")
	KAFKA_PIPELINE_SCHEDULE=$${KAFKA_PIPELINE_SCHEDULE:-none} $(STACK) up && node --import tsx bench/run.ts $(BENCH_ARGS)

clean: ## Remove build output and test artifacts (keeps .stack/; `make down && rm -rf .stack` resets state)
	rm -rf dist coverage test-artifacts
