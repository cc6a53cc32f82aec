# shellcheck shell=bash disable=SC2034 # svc_* are read by infra/stack.sh
# Redis (BullMQ's store): our own instance from Debian's redis-server, not the
# system service. noeviction because BullMQ must never lose job keys.
#
# It requires a password: generated on the first start into
# $STACK_DIR/redis-password (mode 600, kept across restarts; REDIS_PASSWORD_FILE
# names another file), handed to redis-server in a config file of mode 600
# (a command line is visible to every user in `ps`). Every service stack.sh
# starts that talks to Redis reads the same file (stack_redis_env). It listens
# on 127.0.0.1, on the port of REDIS_URL when that points at 127.0.0.1 (6379).
REDIS_STACK_PORT=6379
redis_url_re='^redis://([^@/]*@)?127\.0\.0\.1:([0-9]+)'
[[ "${REDIS_URL:-}" =~ $redis_url_re ]] && REDIS_STACK_PORT="${BASH_REMATCH[2]}"
svc_address="127.0.0.1:$REDIS_STACK_PORT"
svc_needs=""
svc_timeout=30

redis_password_file() { echo "${REDIS_PASSWORD_FILE:-$STACK_DIR/redis-password}"; }

svc_prepare() {
  command -v redis-server >/dev/null && command -v redis-cli >/dev/null && return 0
  stack_apt_install redis-server
  # Where systemd runs, the package starts the system instance on 6379: stop it.
  if command -v systemctl >/dev/null && systemctl is-active --quiet redis-server 2>/dev/null; then
    systemctl disable --now redis-server >/dev/null 2>&1 || true
  fi
}

svc_start() {
  local file conf="$SVC_DATA/redis.conf" password
  file="$(redis_password_file)"
  if [[ ! -s "$file" ]]; then
    (umask 077 && head -c 24 /dev/urandom | base64 | tr '+/' '-_' >"$file")
    echo "  redis: generated its password into $file"
  fi
  chmod 600 "$file"
  password="$(<"$file")"
  [[ -n "${password//[[:space:]]/}" ]] || stack_die "redis: $file is empty"
  # Trimmed as lib/config.ts trims it; quoted as redis.conf reads a "string".
  password="$(printf '%s' "$password" | sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' -e 's/[\\"]/\\&/g')"
  (umask 077 && printf 'requirepass "%s"\n' "$password" >"$conf")
  stack_spawn redis-server "$conf" --port "$REDIS_STACK_PORT" --bind 127.0.0.1 --dir "$SVC_DATA" \
    --appendonly yes --maxmemory-policy noeviction --daemonize no \
    --save "" --logfile ""
}

# REDISCLI_AUTH, not -a: the password stays off the command line.
svc_healthy() {
  local file
  file="$(redis_password_file)"
  [[ "$(REDISCLI_AUTH="$(cat "$file" 2>/dev/null)" redis-cli -h 127.0.0.1 -p "$REDIS_STACK_PORT" ping 2>/dev/null)" == PONG ]]
}
