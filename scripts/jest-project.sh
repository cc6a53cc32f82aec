#!/usr/bin/env bash
# One jest project, in band, as `make test` runs it:
#   scripts/jest-project.sh <project> <results-dir> [jest args...]
# writes <results-dir>/jest-<project>.json, and fails when jest has not exited
# EXIT_GRACE_S (15) seconds after writing it.
#
# Jest waits for every handle a test left open before it exits. A kafkajs
# admin that reconnected after its file had disconnected it kept the
# integration step waiting six minutes once its tests were done, until the
# broker dropped the idle connection (connections.max.idle.ms, 10 minutes).
# Such a leak fails here, with its project named, instead of costing CI time.
set -uo pipefail
cd "$(dirname "$0")/.."
project=${1:-} results=${2:-}
[[ -n "$project" && -d "$results" ]] || { echo "usage: scripts/jest-project.sh <project> <results-dir> [jest args...]" >&2; exit 2; }
shift 2
out="$results/jest-$project.json"
grace=${EXIT_GRACE_S:-15}
[[ "$grace" =~ ^[0-9]+$ ]] || { echo "EXIT_GRACE_S must be a whole number of seconds (got '$grace')" >&2; exit 2; }
rm -f "$out"

# node_modules/.bin/jest directly (not npx): $! is jest's own process.
node_modules/.bin/jest --selectProjects "$project" --runInBand --json --outputFile="$out" "$@" &
pid=$!
while kill -0 "$pid" 2>/dev/null && [ ! -s "$out" ]; do sleep 1; done
for _ in $(seq "$grace"); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
if kill -0 "$pid" 2>/dev/null; then
  echo "jest ($project) had not exited ${grace} s after its tests ended: a test left a handle open" \
    "(a client or server not closed, a timer); run it with --detectOpenHandles" >&2
  kill "$pid"
  wait "$pid" 2>/dev/null
  echo '{"numPassedTests":0,"numFailedTests":1}' >"$results/check-$project-exited.json"
  exit 1
fi
wait "$pid"
