# shellcheck shell=bash disable=SC2034 # svc_* are read by infra/stack.sh
# Redis (BullMQ's store): our own instance from Debian's redis-server, not the
# system service. noeviction because BullMQ must never lose job keys.
svc_address="127.0.0.1:6379"
svc_needs=""
svc_timeout=30

svc_prepare() {
  command -v redis-server >/dev/null && command -v redis-cli >/dev/null && return 0
  local cmd="apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server"
  [[ "$(id -u)" == 0 ]] || stack_die "redis-server is missing; run as root: $cmd"
  echo "  redis: installing Debian's redis-server"
  bash -c "$cmd"
  # Where systemd runs, the package starts the system instance on 6379: stop it.
  if command -v systemctl >/dev/null && systemctl is-active --quiet redis-server 2>/dev/null; then
    systemctl disable --now redis-server >/dev/null 2>&1 || true
  fi
}

svc_start() {
  stack_spawn redis-server --port 6379 --bind 127.0.0.1 --dir "$SVC_DATA" \
    --appendonly yes --maxmemory-policy noeviction --daemonize no \
    --save "" --logfile ""
}

svc_healthy() { [[ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" == PONG ]]; }
