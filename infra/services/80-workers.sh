# shellcheck shell=bash disable=SC2034 # svc_* are read by infra/stack.sh
# The BullMQ worker (workers/main.ts): runs the somedata and footdata jobs of
# the producer-jobs queue. Its own /healthz, /readyz, /metrics on WORKER_PORT.
# Needs Redis (the queue) and the API (somedata jobs call it; the API also
# brings Kafka up, where footdata jobs publish).
# shellcheck source=SCRIPTDIR/../node/node.sh
source "$INFRA_DIR/node/node.sh"
WORKERS_PORT="${WORKER_PORT:-3001}"
svc_address="127.0.0.1:$WORKERS_PORT"
svc_needs="redis api"
svc_timeout=60
svc_prepare() { node_prepare; }

svc_start() {
  (cd "$REPO_DIR" && stack_redis_env && stack_spawn node --import tsx workers/main.ts)
}

svc_healthy() { curl -fsS -m 1 -o /dev/null "http://127.0.0.1:$WORKERS_PORT/healthz"; }
