# shellcheck shell=bash disable=SC2034 # svc_* are read by infra/stack.sh
# The admin server (admin/server/main.ts): the live page at / and the BullMQ
# dashboard at /admin/queues behind basic auth, plus /healthz, /readyz, /metrics.
# Without ADMIN_PASSWORD it generates one into $STACK_DIR/admin-password
# (mode 600, kept across restarts) and passes it to the process.
# shellcheck source=SCRIPTDIR/../node/node.sh
source "$INFRA_DIR/node/node.sh"
ADMIN_HTTP_PORT="${ADMIN_PORT:-3000}"
svc_address="127.0.0.1:$ADMIN_HTTP_PORT"
svc_needs="redis"
svc_timeout=60
svc_prepare() { node_prepare; }

svc_start() {
  local file="$STACK_DIR/admin-password"
  if [[ -z "${ADMIN_PASSWORD:-}" ]]; then
    if [[ ! -s "$file" ]]; then
      (umask 077 && head -c 18 /dev/urandom | base64 | tr '+/' '-_' >"$file")
    fi
    chmod 600 "$file"
  fi
  (
    cd "$REPO_DIR" || exit 1
    [[ -n "${ADMIN_PASSWORD:-}" ]] || ADMIN_PASSWORD="$(<"$file")"
    export ADMIN_PASSWORD
    # The live page lists Airflow's DAG runs with the password Airflow generates (infra/services/90-airflow.sh).
    export LIVE_AIRFLOW_PASSWORDS_FILE="${LIVE_AIRFLOW_PASSWORDS_FILE:-$STACK_DIR/airflow/simple_auth_manager_passwords.json.generated}"
    stack_redis_env
    stack_spawn node --import tsx admin/server/main.ts
  )
}

admin_password_where() {
  if [[ -n "${ADMIN_PASSWORD:-}" ]]; then echo "the ADMIN_PASSWORD you set"; else stack_path "$STACK_DIR/admin-password"; fi
}

svc_open() {
  local login
  login="user ${ADMIN_USER:-admin}, password in $(admin_password_where)"
  echo "live page|http://127.0.0.1:$ADMIN_HTTP_PORT/|$login"
  echo "dashboard|http://127.0.0.1:$ADMIN_HTTP_PORT/admin/queues|the same login"
}

svc_healthy() { curl -fsS -m 1 -o /dev/null "http://127.0.0.1:$ADMIN_HTTP_PORT/healthz"; }
