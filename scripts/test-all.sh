#!/usr/bin/env bash
# `make test`: static checks, unit specs, then integration tests against the
# real services (started here when not up), then the tests that stop and
# restart services. Every step runs even when an earlier one fails; the last
# line is the total: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

results=.stack/test-results
rm -rf "$results" && mkdir -p "$results"
status=0
# Each step says how long it took: CI's budget is 30 minutes for a cold run.
step() {
  local name=$1 started=$SECONDS; shift
  echo; echo "== $name"
  "$@" || status=1
  echo "== $name: $((SECONDS - started)) s"
}

# A check that is not a test framework still counts: one passed or one failed test.
check() {
  local name=$1; shift
  if "$@"; then echo "{\"numPassedTests\":1,\"numFailedTests\":0}" >"$results/check-$name.json"
  else echo "{\"numPassedTests\":0,\"numFailedTests\":1}" >"$results/check-$name.json"; return 1; fi
}
jest() { local project=$1; shift; bash scripts/jest-project.sh "$project" "$results" "$@"; }

# The checks are package.json's scripts, as `make typecheck` and `make lint` run them (the
# typecheck covers the live page's browser modules too, admin/page/ with a tsconfig of its own).
step "typecheck" check typecheck npm run typecheck --silent
step "lint" check lint npm run lint --silent
step "unit" jest unit
step "compose (parsed by compose-go, no engine needed)" jest compose
# deploy/: helm lint + template of each values variant, kubeconform, policy, and a
# server-side dry-run against a real kube-apiserver (docs/DEPLOY.md §7); offline.
step "deploy (helm, kubeconform, policy, kube-apiserver dry-run)" check deploy bash deploy/validate.sh
# The GitHub Actions workflows: actionlint with shellcheck, the pins, and fixtures that must fail it.
step "workflows (actionlint + shellcheck)" jest workflows
# Services started here run the DAGs only when a test triggers them: a scheduled
# run's traffic (or the season backfill's whole season at start) in the middle
# of the suite would only add noise; test/integration/footdata-season.test.ts
# runs the season DAG itself.
step "start the stack" check stack-up env KAFKA_PIPELINE_SCHEDULE="${KAFKA_PIPELINE_SCHEDULE:-none}" \
  FOOTBALL_SEASON_SCHEDULE="${FOOTBALL_SEASON_SCHEDULE:-none}" bash infra/stack.sh up
# The one smoke test of every way the stack runs (CI runs it against the containers and the cluster too).
step "smoke (npm run smoke)" check smoke npm run --silent smoke
step "integration" jest integration
step "airflow (pytest)" env PYTEST_JUNIT="$PWD/$results/airflow.xml" bash airflow/test.sh
step "faults" jest faults
# 60 s of load under random faults (make test-chaos runs 5 minutes; CHAOS_SEED replays one).
chaos() { CHAOS_SECONDS="${CHAOS_SECONDS:-60}" jest chaos; }
step "chaos (60 s of random faults under load)" chaos
step "stack (stops and restarts services)" jest stack

echo
node scripts/test-summary.mjs "$results"
exit $status
