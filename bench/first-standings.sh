#!/usr/bin/env bash
# How long a newcomer waits for the first league table: from `make up`'s return
# on a fresh stack (no data, a new Airflow database; the built venv, jars and
# FerretDB binary are kept) to the moment `GET /standings/PL` on the read API
# answers a full table (every club of the simulated Premier League, resting on
# at least every match of the season finished before today, as the simulator
# counts them: a table the hourly run computed while the season was still
# arriving does not count) and the live page's stream (admin :3000,
# /live/events) carries it. The football_season DAG (@once) is what brings it.
#
#   bash bench/first-standings.sh            # prints: make up <s>, standings <s> after, live page <s> after
#
# It stops and wipes this worktree's stack data first.
set -euo pipefail
cd "$(dirname "$0")/.."
LIMIT_SEC="${LIMIT_SEC:-600}"

# The simulated Premier League: its clubs, and its matches finished before today.
read -r CLUBS FINISHED < <(node --import tsx -e '
const { simulateSeason } = require("./producers/football/simulator");
const today = new Date(new Date().toISOString().slice(0, 10)).getTime();
const season = simulateSeason("PL", undefined, Date.now());
const done = season.filter((m) => m.status === "FINISHED" && Date.parse(m.utcDate) < today).length;
console.log(new Set(season.map((m) => m.homeTeam.id)).size, done);')

bash infra/stack.sh down >/dev/null
# .stack/data holds the stores and PostgreSQL's cluster, Airflow's database with it.
rm -rf .stack/data .stack/airflow/dags .stack/airflow/logs .stack/logs
started=$SECONDS
FOOTBALL_SEASON_SCHEDULE="${FOOTBALL_SEASON_SCHEDULE:-@once}" make up >/tmp/first-standings-up.log 2>&1 || { tail -30 /tmp/first-standings-up.log; exit 1; }
up_sec=$((SECONDS - started))
echo "make up: ${up_sec}s"

full_table() {
  curl -s --max-time 5 127.0.0.1:5001/standings/PL | python3 -c '
import json, sys
try:
    doc = json.load(sys.stdin)
except ValueError:
    sys.exit(1)
rows = doc.get("table") or []
full = len(rows) == int(sys.argv[1]) and all(r["played"] > 0 for r in rows) and doc.get("matches", 0) >= int(sys.argv[2])
sys.exit(0 if full else 1)' "$CLUBS" "$FINISHED"
}

returned=$SECONDS
until full_table; do
  (( SECONDS - returned < LIMIT_SEC )) || { echo "no full /standings/PL ${LIMIT_SEC}s after make up"; exit 1; }
  sleep 2
done
echo "standings: $((SECONDS - returned))s after make up returned (${CLUBS} clubs, at least ${FINISHED} matches)"

password="$(cat .stack/admin-password)"
stream="$(mktemp)"
trap 'rm -f "$stream"' EXIT
# The stream never ends: read it 8 s at a time (curl's timeout), then look for the PL table in what came.
until curl -s --max-time 8 -u "admin:$password" 127.0.0.1:3000/live/events >"$stream" 2>/dev/null || true
  grep -q '"competition":"PL","season"' "$stream"; do
  (( SECONDS - returned < LIMIT_SEC )) || { echo "the live page shows no PL table"; exit 1; }
done
echo "live page: $((SECONDS - returned))s after make up returned"
