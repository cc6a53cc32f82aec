#!/usr/bin/env bash
# deploy/kind/e2e.sh: the whole deployment in a kind cluster, end to end
# (GitHub Actions' kind-e2e job; it needs Docker, kind and the internet for the
# operators' charts, which the test machines of `make test` do not have):
#   1. a kind cluster; the pipeline's images (the services', the smoke test's) built and loaded into it
#   2. the operators (Strimzi, KEDA, MongoDB's), then deploy/platform/ (sized down for one node)
#   3. helm install of deploy/charts/kafka-pipeline with deploy/kind/values.yaml, then Airflow's
#      official chart with our image (deploy/kind/airflow.sh)
#   4. `helm test`: the smoke test (`npm run smoke`) as a Pod in the cluster, as its own Kafka user
#   5. the scale step: load on the API until KEDA adds a consumer, then every
#      acknowledged event stored exactly once
#
#   e2e.sh [--cluster NAME] [--keep] [--render-only DIR]
#     --cluster NAME       the kind cluster's name (default kafka-pipeline-e2e)
#     --keep               leave the cluster running afterwards
#     --render-only DIR    write what would be applied into DIR and stop (no Docker needed)
set -euo pipefail
cd "$(dirname "$0")/../.."
cluster=kafka-pipeline-e2e keep=false render_only=""
# Operator charts, pinned (the kind-e2e job's only downloads besides images).
strimzi_version=0.51.0 keda_version=2.20.2 mongodb_operator_version=1.6.1
namespace=pipeline image=kafka-pipeline:e2e smoke_image=kafka-pipeline-smoke:e2e
image_values=(--set "image.repository=${image%%:*}" --set "image.tag=${image##*:}"
  --set "smoke.image.repository=${smoke_image%%:*}" --set "smoke.image.tag=${smoke_image##*:}")

usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "e2e: $*" >&2; exit 2; }
while (($#)); do
  case "$1" in
    --cluster) [[ $# -ge 2 && "$2" =~ ^[a-z0-9][a-z0-9-]{0,40}$ ]] || die "--cluster needs a name of lower-case letters, digits and -"; cluster=$2; shift 2 ;;
    --keep) keep=true; shift ;;
    --render-only) [[ $# -ge 2 && -n "$2" ]] || die "--render-only needs a directory"; render_only=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done

HELM=$(bash scripts/tools/go-tool.sh helm)
say() { echo "== [e2e +${SECONDS}s] $*"; }

# The platform for one kind node: the same manifests with smaller requests and volumes.
small_platform() {
  python3 - "$@" <<'PY'
import sys, yaml
def shrink(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("requests", "limits") and isinstance(value, dict):
                if "cpu" in value: value["cpu"] = "100m" if key == "requests" else "1"
                if "memory" in value: value["memory"] = "384Mi" if key == "requests" else "1Gi"
                if "storage" in value: value["storage"] = "1Gi"
            else:
                shrink(value)
    elif isinstance(node, list):
        for item in node: shrink(item)
    return node
for path in sys.argv[1:]:
    for doc in yaml.safe_load_all(open(path)):
        if doc:
            if doc.get("kind") == "KafkaNodePool":
                for volume in doc["spec"]["storage"].get("volumes", []): volume["size"] = "1Gi"
            print("---"); print(yaml.safe_dump(shrink(doc), sort_keys=False))
PY
}

render() {
  local dir=$1
  mkdir -p "$dir"
  small_platform deploy/platform/kafka/*.yaml deploy/platform/mongodb/*.yaml deploy/platform/redis/*.yaml >"$dir/platform.yaml"
  "$HELM" template kafka-pipeline deploy/charts/kafka-pipeline -n "$namespace" -f deploy/kind/values.yaml \
    "${image_values[@]}" >"$dir/chart.yaml"
  bash deploy/kind/airflow.sh --render-only "$dir"
  echo "e2e: rendered $(grep -c '^kind: ' "$dir/platform.yaml") platform objects and $(grep -c '^kind: ' "$dir/chart.yaml") chart objects into $dir"
}

if [[ -n "$render_only" ]]; then render "$render_only"; exit 0; fi

for tool in docker kind kubectl npm openssl; do
  command -v "$tool" >/dev/null || die "$tool is not on PATH (the kind-e2e job installs it)"
done
work=$(mktemp -d)
forwards=()
cleanup() {
  local status=$?
  if ((${#forwards[@]})); then kill "${forwards[@]}" 2>/dev/null || true; fi
  # On failure, what the cluster looked like, before it is deleted.
  if ((status != 0)) && kubectl get namespace "$namespace" >/dev/null 2>&1; then
    echo "== [e2e] failed ($status): pods, events and the pipeline's logs"
    kubectl get pods -A -o wide || true
    kubectl -n "$namespace" get events --sort-by=.lastTimestamp | tail -n 40 || true
    kubectl -n "$namespace" logs -l app.kubernetes.io/name=kafka-pipeline --all-containers --prefix --tail 100 || true
  fi
  if [[ $keep == false ]]; then kind delete cluster --name "$cluster" >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

say "cluster $cluster"
kind create cluster --name "$cluster" --wait 180s
kubectl create namespace "$namespace"

say "images $image, $smoke_image"
docker build -t "$image" .
docker build --target smoke -t "$smoke_image" .
kind load docker-image "$image" "$smoke_image" --name "$cluster"

say "operators: Strimzi $strimzi_version, KEDA $keda_version, MongoDB's $mongodb_operator_version"
"$HELM" repo add strimzi https://strimzi.io/charts/ >/dev/null
"$HELM" repo add kedacore https://kedacore.github.io/charts >/dev/null
"$HELM" repo add mongodb https://mongodb.github.io/helm-charts >/dev/null
"$HELM" install strimzi strimzi/strimzi-kafka-operator --version "$strimzi_version" -n "$namespace" --wait
"$HELM" install keda kedacore/keda --version "$keda_version" -n keda --create-namespace --wait
"$HELM" install mongodb-operator mongodb/mongodb-kubernetes --version "$mongodb_operator_version" -n "$namespace" \
  --set operator.watchNamespace="$namespace" --wait

say "secrets (generated here, as docs/DEPLOY.md says)"
secret() { kubectl -n "$namespace" create secret generic "$1" --from-literal="$2=$(openssl rand -hex 24)"; }
secret pipeline-mongo-app-password password
secret pipeline-redis password
secret kafka-pipeline-admin-login password

say "platform"
render "$work"
kubectl -n "$namespace" apply -f "$work/platform.yaml"
kubectl -n "$namespace" wait kafka/pipeline --for condition=Ready --timeout 15m
kubectl -n "$namespace" wait kafkatopic --all --for condition=Ready --timeout 5m
kubectl -n "$namespace" wait kafkauser --all --for condition=Ready --timeout 5m
kubectl -n "$namespace" wait mongodbcommunity/pipeline-mongo --for jsonpath='{.status.phase}'=Running --timeout 15m
kubectl -n "$namespace" rollout status statefulset/pipeline-redis --timeout 5m

say "chart"
"$HELM" install kafka-pipeline deploy/charts/kafka-pipeline -n "$namespace" -f deploy/kind/values.yaml \
  "${image_values[@]}" --wait --timeout 10m

# Airflow through its official chart (deploy/kind/airflow.sh): the smoke test's DAG step, and the
# Secret airflow-smoke-login its Pod logs in with.
say "Airflow"
bash deploy/kind/airflow.sh --namespace "$namespace" --cluster "$cluster"

# The smoke test from inside the cluster: Kafka's listener (TLS + SCRAM, in-cluster names) and the
# replica set's members (pod names) cannot be reached through port-forwards.
say "smoke: helm test (the smoke Pod of templates/tests/smoke-pod.yaml)"
"$HELM" test kafka-pipeline -n "$namespace" --logs --timeout 15m

say "scale: load until KEDA adds a consumer, then nothing lost or doubled"
forward() { kubectl -n "$namespace" port-forward "svc/kafka-pipeline-$1" "$2:$2" >"$work/forward-$1.log" 2>&1 & forwards+=($!); }
forward api 5000
sleep 3
run_id="e2e-scale-$(date +%s)"
before=$(kubectl -n "$namespace" get deploy kafka-pipeline-consumer -o jsonpath='{.status.replicas}')
node --import tsx deploy/kind/load.ts --url http://127.0.0.1:5000 --run-id "$run_id" --seconds 120 >"$work/load.json"
acknowledged=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).acknowledged)' "$work/load.json")
most=$before
for _ in $(seq 60); do
  now=$(kubectl -n "$namespace" get deploy kafka-pipeline-consumer -o jsonpath='{.status.replicas}')
  ((now > most)) && most=$now
  ((most > before)) && break
  sleep 5
done
((most > before)) || { echo "e2e: KEDA did not add a consumer (replicas stayed at $before)"; exit 1; }
stored=""
for _ in $(seq 60); do
  stored=$(kubectl -n "$namespace" exec pipeline-mongo-0 -c mongod -- mongosh --quiet -u app \
    -p "$(kubectl -n "$namespace" get secret pipeline-mongo-app-password -o jsonpath='{.data.password}' | base64 -d)" \
    --authenticationDatabase pipeline pipeline --eval "db.somedata.countDocuments({ runId: '$run_id' })")
  [[ "$stored" == "$acknowledged" ]] && break
  sleep 5
done
echo "e2e: consumers $before -> $most; acknowledged $acknowledged, stored $stored"
[[ "$stored" == "$acknowledged" ]] || { echo "e2e: stored $stored of $acknowledged acknowledged events (lost or doubled)"; exit 1; }
say "passed"
