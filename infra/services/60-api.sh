# shellcheck shell=bash disable=SC2034 # svc_* are read by infra/stack.sh
# The Express API (producers/main.ts): GET /somedata/:data publishes to Kafka,
# GET /footdata serves football-data.org (or the simulator). Creates the
# pipeline topics at start-up, so it needs the brokers; an Idempotency-Key
# is kept in Redis (producers/idempotency.ts).
# shellcheck source=SCRIPTDIR/../node/node.sh
source "$INFRA_DIR/node/node.sh"
API_PORT="${API_PORT:-5000}"
svc_address="127.0.0.1:$API_PORT"
svc_needs="kafka-broker-1 kafka-broker-2 redis"
svc_timeout=60
svc_prepare() { node_prepare; }

# A request's objects live across its Kafka round trip: with V8's default
# 16 MB young generation they survive scavenges and get copied and promoted;
# 64 MB lets them die young (bench/api-vs-bare.ts measures it, docs/ARCHITECTURE.md).
svc_start() {
  (cd "$REPO_DIR" && stack_redis_env && stack_spawn node --max-semi-space-size=64 --import tsx producers/main.ts)
}

svc_healthy() { curl -fsS -m 1 -o /dev/null "http://127.0.0.1:$API_PORT/readyz"; }
