#!/usr/bin/env bash
# deploy/kind/airflow.sh: Airflow in the kind cluster of deploy/kind/e2e.sh, deployed
# as docs/DEPLOY.md step 4 deploys it, once the platform and the kafka-pipeline
# chart are installed (it reads their Secrets):
#   1. the images: airflow/Dockerfile as kafka-pipeline-airflow-base:0.1.0, then
#      deploy/platform/airflow/Dockerfile as kafka-pipeline-airflow:0.1.0, loaded into kind
#   2. the Secrets deploy/platform/airflow/values.yaml names: the PostgreSQL password
#      and the metadata connection, the JWT, API and Fernet keys and the admin's password
#      (generated once, kept on a rerun), and the connections redis_default, mongo_default
#      and kafka_default, printed by scripts/airflow-connections.ts from the platform's
#      Secrets (pipeline-redis, pipeline-mongo-app-password, the KafkaUser
#      kafka-pipeline-airflow, pipeline-cluster-ca-cert)
#   3. PostgreSQL for Airflow's metadata (deploy/kind/airflow-postgres.yaml; kind only)
#   4. helm install of the official chart, pinned, with deploy/platform/airflow/values.yaml
#      and deploy/kind/airflow-values.yaml; the chart's create-user job makes the admin
#   5. the smoke test's login: the FAB user `smoke` with the role User (trigger DAG runs,
#      read task instances and XComs; nothing of the admin's), its generated password in
#      the Secret airflow-smoke-login, key passwords.json, as {"smoke": "<password>"}
#      (the file LIVE_AIRFLOW_PASSWORDS_FILE names)
#   6. waits until /api/v2/monitor/health is healthy and `smoke` sees kafka_pipeline parsed
#
#   airflow.sh --cluster NAME [--namespace NS] [--render-only DIR]
#     --cluster NAME       the kind cluster (needed unless --render-only)
#     --namespace NS       where the platform and the chart are (default pipeline)
#     --render-only DIR    write what would be applied into DIR, with placeholder secrets
#                          and no Docker or cluster (deploy/validate.sh checks it)
set -euo pipefail
cd "$(dirname "$0")/../.."
chart_version=1.19.0 release=airflow
base_image=kafka-pipeline-airflow-base:0.1.0 image=kafka-pipeline-airflow:0.1.0
namespace=pipeline cluster="" render_only=""
kafka_user=kafka-pipeline-airflow # deploy/platform/kafka/users.yaml
smoke_user=smoke

usage() { sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "airflow: $*" >&2; exit 2; }
while (($#)); do
  case "$1" in
    --cluster) [[ $# -ge 2 && "$2" =~ ^[a-z0-9][a-z0-9-]{0,40}$ ]] || die "--cluster needs a name of lower-case letters, digits and -"; cluster=$2; shift 2 ;;
    --namespace) [[ $# -ge 2 && "$2" =~ ^[a-z0-9][a-z0-9-]{0,62}$ ]] || die "--namespace needs a Kubernetes name"; namespace=$2; shift 2 ;;
    --render-only) [[ $# -ge 2 && -n "$2" ]] || die "--render-only needs a directory"; render_only=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
[[ -n "$render_only" || -n "$cluster" ]] || die "--cluster is needed (or --render-only DIR)"
say() { echo "== [airflow +${SECONDS}s] $*"; }

# ---- the Secrets, from a directory of inputs (one file each) to manifests

# secret_yaml NAME KEY=FILE...: a Secret holding each FILE's bytes under KEY.
secret_yaml() {
  local name=$1 pair
  shift
  printf -- '---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: %s\n  labels: { app.kubernetes.io/part-of: kafka-pipeline-airflow }\ntype: Opaque\ndata:\n' "$name"
  for pair in "$@"; do printf '  %s: %s\n' "${pair%%=*}" "$(base64 -w0 <"${pair#*=}")"; done
}

# A value of deploy/charts/kafka-pipeline/values.yaml: the connections point where the services do.
chart_value() {
  python3 -c 'import sys, yaml
value = yaml.safe_load(open("deploy/charts/kafka-pipeline/values.yaml"))
for key in sys.argv[1].split("."): value = value[key]
print(value)' "$1"
}

# connection ID IN: the Airflow connection ID as JSON, printed by the services' own config code.
connection() {
  local id=$1 in=$2
  case "$id" in
    redis_default) REDIS_URL="redis://$(chart_value redis.address)" REDIS_PASSWORD_FILE="$in/redis-password" \
      node --import tsx scripts/airflow-connections.ts redis_default ;;
    mongo_default) MONGO_URL="$(chart_value mongo.url)" MONGO_DB="$(chart_value mongo.db)" MONGO_PASSWORD_FILE="$in/mongo-password" \
      node --import tsx scripts/airflow-connections.ts mongo_default ;;
    kafka_default) KAFKA_BROKERS="$(chart_value kafka.bootstrapServers)" KAFKA_SECURITY_PROTOCOL=SASL_SSL \
      KAFKA_SASL_USERNAME="$kafka_user" KAFKA_SASL_PASSWORD_FILE="$in/kafka-password" KAFKA_SSL_CA_FILE="$in/kafka-ca.crt" \
      node --import tsx scripts/airflow-connections.ts kafka_default --inline-ca ;;
  esac
}

# write_secrets IN OUT: OUT/airflow-secrets.yaml, every Secret the values file names (and
# PostgreSQL's), from the inputs in IN (see the two functions below).
write_secrets() {
  local in=$1 out=$2 id
  for id in redis_default mongo_default kafka_default; do connection "$id" "$in" >"$in/$id.json"; done
  printf 'postgresql://airflow:%s@airflow-postgres:5432/airflow?sslmode=disable' "$(cat "$in/postgres-password")" >"$in/metadata"
  {
    secret_yaml airflow-postgres password="$in/postgres-password"
    secret_yaml airflow-metadata connection="$in/metadata"
    secret_yaml airflow-jwt jwt-secret="$in/jwt-secret"
    secret_yaml airflow-api api-secret-key="$in/api-secret-key"
    secret_yaml airflow-fernet fernet-key="$in/fernet-key"
    secret_yaml airflow-admin password="$in/admin-password"
    secret_yaml airflow-conn-redis connection="$in/redis_default.json"
    secret_yaml airflow-conn-mongo connection="$in/mongo_default.json"
    secret_yaml airflow-conn-kafka connection="$in/kafka_default.json"
  } >"$out/airflow-secrets.yaml"
}

# smoke_login_yaml PASSWORD_FILE: the Secret airflow-smoke-login, passwords.json = {"smoke": "<password>"}.
smoke_login_yaml() {
  python3 -c 'import json, sys; print(json.dumps({sys.argv[1]: open(sys.argv[2]).read()}), end="")' "$smoke_user" "$1" >"$1.json"
  secret_yaml airflow-smoke-login passwords.json="$1.json"
}

# read_secret NAME KEY FILE: one key of a Secret of the namespace, decoded into FILE.
read_secret() { kubectl -n "$namespace" get secret "$1" -o "jsonpath={.data.${2//./\\.}}" </dev/null | base64 -d >"$3"; }
random_secret() { openssl rand -hex 24 | tr -d '\n'; }
# A Fernet key is 32 random bytes in URL-safe base64.
fernet_key() { openssl rand -base64 32 | tr '+/' '-_' | tr -d '\n'; }

# The pinned values: kept from the cluster's Secret when there is one (a new Fernet key
# would orphan what Airflow encrypted, a new PostgreSQL password would not open the
# volume's database), else generated.
pinned_inputs() {
  local in=$1 name key file generate
  while read -r name key file generate; do
    if kubectl -n "$namespace" get secret "$name" </dev/null >/dev/null 2>&1; then
      read_secret "$name" "$key" "$in/$file"
    else
      "$generate" >"$in/$file"
    fi
  done <<'EOF'
airflow-postgres password postgres-password random_secret
airflow-jwt jwt-secret jwt-secret random_secret
airflow-api api-secret-key api-secret-key random_secret
airflow-fernet fernet-key fernet-key fernet_key
airflow-admin password admin-password random_secret
EOF
}

# The platform's Secrets, as Strimzi, the MongoDB operator's users and docs/DEPLOY.md keep them.
platform_inputs() {
  local in=$1
  read_secret pipeline-redis password "$in/redis-password"
  read_secret pipeline-mongo-app-password password "$in/mongo-password"
  read_secret "$kafka_user" password "$in/kafka-password"
  read_secret pipeline-cluster-ca-cert ca.crt "$in/kafka-ca.crt"
}

# Placeholders for --render-only: the same shapes (a real CA certificate, which the
# config code checks), none of them used anywhere.
placeholder_inputs() {
  local in=$1 file
  for file in postgres-password jwt-secret api-secret-key admin-password redis-password mongo-password kafka-password smoke-password; do
    random_secret >"$in/$file"
  done
  fernet_key >"$in/fernet-key"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=render-only \
    -keyout "$in/kafka-ca.key" -out "$in/kafka-ca.crt" 2>/dev/null
}

if [[ -n "$render_only" ]]; then
  mkdir -p "$render_only"
  in=$(mktemp -d) && trap 'rm -rf "$in"' EXIT
  chmod 700 "$in"
  placeholder_inputs "$in"
  write_secrets "$in" "$render_only"
  smoke_login_yaml "$in/smoke-password" >"$render_only/airflow-smoke-login.yaml"
  cp deploy/kind/airflow-postgres.yaml "$render_only/airflow-postgres.yaml"
  echo "airflow: rendered $(cat "$render_only"/airflow-*.yaml | grep -c '^kind: ') objects into $render_only (airflow-*.yaml)"
  exit 0
fi

for tool in docker kind kubectl node openssl python3; do
  command -v "$tool" >/dev/null || die "$tool is not on PATH (the kind-e2e job installs it)"
done
HELM=$(bash scripts/tools/go-tool.sh helm)
work=$(mktemp -d) && chmod 700 "$work" && mkdir "$work/in"
forward=""
cleanup() {
  if [[ -n "$forward" ]]; then kill "$forward" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

say "images $base_image, $image"
docker build -t "$base_image" airflow
docker build -t "$image" -f deploy/platform/airflow/Dockerfile .
# The pods run the second image only; the first is its base layer.
kind load docker-image "$image" --name "$cluster"

say "secrets"
pinned_inputs "$work/in"
platform_inputs "$work/in"
write_secrets "$work/in" "$work"
# Server-side: no last-applied annotation repeating the secrets.
kubectl -n "$namespace" apply --server-side -f "$work/airflow-secrets.yaml"

say "PostgreSQL for Airflow's metadata"
kubectl -n "$namespace" apply -f deploy/kind/airflow-postgres.yaml
kubectl -n "$namespace" rollout status statefulset/airflow-postgres --timeout 5m

say "chart apache-airflow/airflow $chart_version"
"$HELM" repo add apache-airflow https://airflow.apache.org >/dev/null
"$HELM" upgrade --install "$release" apache-airflow/airflow --version "$chart_version" -n "$namespace" \
  -f deploy/platform/airflow/values.yaml -f deploy/kind/airflow-values.yaml --wait --timeout 15m
kubectl -n "$namespace" wait "job/$release-create-user" --for condition=Complete --timeout 10m

say "the smoke test's login: $smoke_user, role User"
random_secret >"$work/smoke-password"
# The password goes on stdin, not into the exec request (the API server may log its URL).
# `users create` leaves an existing user as it is: reset-password makes this password its own.
# shellcheck disable=SC2016 # the script runs in the pod, with the user name as $0
{ cat "$work/smoke-password"; echo; } | kubectl -n "$namespace" exec -i "deploy/$release-api-server" -c api-server -- bash -c '
  set -eu
  read -r password
  airflow sync-perm
  airflow users create --role User --username "$0" --email "$0@example.invalid" --firstname Smoke --lastname Test --password "$password"
  airflow users reset-password --username "$0" --password "$password"' "$smoke_user"
smoke_login_yaml "$work/smoke-password" | kubectl -n "$namespace" apply --server-side -f -

say "waiting for Airflow's health and the DAG kafka_pipeline"
kubectl -n "$namespace" port-forward "svc/$release-api-server" :8080 >"$work/forward.log" 2>&1 &
forward=$!
port=""
for _ in $(seq 30); do
  port=$(sed -n 's/^Forwarding from 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$work/forward.log" | head -n 1)
  [[ -n "$port" ]] && break
  sleep 1
done
[[ -n "$port" ]] || die "kubectl port-forward to the API server did not start: $(cat "$work/forward.log")"
python3 - "http://127.0.0.1:$port" "$smoke_user" "$work/smoke-password" <<'PY'
import json, sys, time, urllib.error, urllib.request

url, user, password_file = sys.argv[1:]
password = open(password_file).read()


def call(method, path, body=None, token=None):
    headers = {"content-type": "application/json", **({"authorization": f"Bearer {token}"} if token else {})}
    data = None if body is None else json.dumps(body).encode()
    with urllib.request.urlopen(urllib.request.Request(url + path, data, headers, method=method), timeout=10) as answer:
        return json.load(answer)


deadline, last = time.monotonic() + 600, "no answer"
while time.monotonic() < deadline:
    try:
        health = call("GET", "/api/v2/monitor/health")
        sick = [part for part in ("metadatabase", "scheduler", "triggerer", "dag_processor") if (health.get(part) or {}).get("status") != "healthy"]
        if sick:
            last = f"not healthy: {', '.join(sick)}"
        else:
            token = call("POST", "/auth/token", {"username": user, "password": password})["access_token"]
            dag = call("GET", "/api/v2/dags/kafka_pipeline", token=token)
            if dag.get("is_paused"):
                sys.exit("airflow: kafka_pipeline is paused: no run would start (config.core.dags_are_paused_at_creation)")
            if not dag.get("has_import_errors"):
                print(f"airflow: healthy; {user} logs in and sees kafka_pipeline parsed and unpaused")
                sys.exit(0)
            last = "kafka_pipeline has import errors"
    except urllib.error.HTTPError as error:  # 404 until the DAG is parsed
        last = f"{error.code} on {error.url}: {error.read()[:300]!r}"
        if error.code in (401, 403):  # a refused login or role does not mend itself
            sys.exit(f"airflow: {user} is refused: {last}")
    except (OSError, ValueError, KeyError) as error:
        last = repr(error)
    time.sleep(5)
sys.exit(f"airflow: not ready after 10 minutes: {last}")
PY
say "ready"
