#!/usr/bin/env bash
# deploy/validate.sh: proves deploy/ offline, and that each check can fail.
#   1. helm lint --strict and helm template for every values variant of the chart (ci/*.yaml)
#   2. kubeconform -strict on each rendering and on deploy/platform/, against the
#      Kubernetes 1.37 schemas and the CRDs' (Strimzi's published ones; KEDA's and
#      MongoDB's subsets of validate/crds/)
#   3. deploy/validate/policy.py on the same: the rules no schema holds; then
#      deploy/validate/chart-env.ts: each container of ours passes lib/config.ts's start-up check
#   4. kubectl apply --dry-run=server of all of it against a real kube-apiserver
#      started here on its own etcd, with the CRDs installed
#   5. every values file of validate/negative/ must fail at the stage and with the
#      message its first line names ("# expect <stage>: <text>"); those of
#      negative/airflow/ are Airflow values that deploy/validate/airflow_secrets.py refuses
# Helm 3 renders every variant too, and must give the same objects as Helm 4.
# Tools are built or fetched once per machine into ~/.cache/kafka-pipeline/tools
# (scripts/tools/go-tool.sh, kube-tool.sh); only a cold machine pays for them.
# Renderings go to .stack/deploy-validate/. Exit 1 on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
chart=deploy/charts/kafka-pipeline
here=deploy/validate
out=.stack/deploy-validate
cache="${KAFKA_PIPELINE_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/kafka-pipeline/tools}"
k8s_version=1.37.0        # the schemas of PyPI kubernetes-validate
strimzi_version=0.51.0    # io.strimzi:api tests jar, which still carries crds/v1
release=kafka-pipeline
rm -rf "$out" && mkdir -p "$out"
started=$SECONDS
failures=0
fail() { echo "FAIL $*"; failures=$((failures + 1)); }
pass() { echo "ok   $*"; }

# ---- tools
set -e
HELM=$(bash scripts/tools/go-tool.sh helm)
HELM3=$(bash scripts/tools/go-tool.sh helm3) # the chart supports Helm 3 too: both must render it alike
KUBECONFORM=$(bash scripts/tools/go-tool.sh kubeconform)
KUBE_APISERVER=$(bash scripts/tools/kube-tool.sh kube-apiserver)
KUBECTL=$(bash scripts/tools/kube-tool.sh kubectl)
k8s_schemas="$cache/kubernetes-json-schema-$k8s_version"
if [[ ! -f "$k8s_schemas/deployment-apps-v1.json" ]]; then
  echo "validate: fetching the Kubernetes $k8s_version schemas (PyPI kubernetes-validate, once per machine)" >&2
  tmp=$(mktemp -d)
  python3 -m pip download --quiet --no-deps "kubernetes-validate==$k8s_version" -d "$tmp" >&2
  (cd "$tmp" && python3 -m zipfile -e ./*.whl unpacked)
  rm -rf "$k8s_schemas.tmp" && mv "$tmp/unpacked/kubernetes_validate/kubernetes-json-schema/v$k8s_version-local-strict" "$k8s_schemas.tmp"
  # Their $refs point at "/api/_definitions.json": make them local files.
  sed -i "s#\"/api/_definitions.json#\"file://$k8s_schemas/_definitions.json#g" "$k8s_schemas.tmp"/*.json
  rm -rf "$k8s_schemas" "$tmp" && mv "$k8s_schemas.tmp" "$k8s_schemas"
fi
strimzi_crds="$cache/strimzi-crds-$strimzi_version"
if [[ ! -d "$strimzi_crds/v1" ]]; then
  echo "validate: fetching Strimzi $strimzi_version's CRDs (Maven Central io.strimzi:api tests jar, once per machine)" >&2
  mvn -q -B -Dstyle.color=never dependency:get "-Dartifact=io.strimzi:api:$strimzi_version:jar:tests" -Dtransitive=false >&2
  jar="${MAVEN_REPOSITORY:-$HOME/.m2/repository}/io/strimzi/api/$strimzi_version/api-$strimzi_version-tests.jar"
  tmp=$(mktemp -d)
  (cd "$tmp" && python3 -m zipfile -e "$jar" jar)
  rm -rf "$strimzi_crds" && mkdir -p "$strimzi_crds" && mv "$tmp/jar/crds/v1" "$strimzi_crds/v1" && rm -rf "$tmp"
fi
set +e
crds=("$strimzi_crds"/v1/*.yaml "$here"/crds/*.yaml)
python3 "$here/crd2schema.py" "$out/crd-schemas" "${crds[@]}" || fail "converting the CRDs to schemas"
platform=(deploy/platform/kafka/*.yaml deploy/platform/mongodb/*.yaml deploy/platform/redis/*.yaml)
echo "validate: tools ready after $((SECONDS - started)) s"

# ---- the stages, each on a rendering (or the platform); 0 when it passes
render() { # VALUES OUT: lint, then template
  "$HELM" lint --strict --kube-version "$k8s_version" "$chart" -f "$1" >"$2.lint" 2>&1 &&
    "$HELM" template "$release" "$chart" --kube-version "$k8s_version" --namespace pipeline -f "$1" >"$2" 2>"$2.err"
}
conform() {
  "$KUBECONFORM" -strict -summary \
    -schema-location "$k8s_schemas/{{ .ResourceKind }}{{ .KindSuffix }}.json" \
    -schema-location "$out/crd-schemas/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json" "$@"
}
policy() { python3 "$here/policy.py" "$chart/generated/pipeline.json" "$@"; }
# Quiet when every container passes; the refusals otherwise.
chart_env() { local said; said=$(node --import tsx "$here/chart-env.ts" "$@" 2>&1) || { grep -v '^ok ' <<<"$said"; return 1; }; }
# A warning of the API server (a duplicate variable "which may be dropped when using apply", a
# deprecated field) fails the check too.
dry_run() {
  local said
  said=$("$KUBECTL" apply --dry-run=server --validate=strict -n pipeline -f "$1" 2>&1) || { echo "$said"; return 1; }
  echo "$said"
  ! grep -q '^Warning:' <<<"$said"
}
objects() { grep -c '^kind: ' "$1"; }
# The same objects in two renderings (Helm 4 ends documents with a blank line, Helm 3 does not).
same_objects() {
  python3 -c 'import sys, yaml; a, b = ([d for d in yaml.safe_load_all(open(p)) if d] for p in sys.argv[1:]); sys.exit(a != b)' "$1" "$2"
}

# ---- 1-3: every variant, and the platform
for values in "$chart"/ci/*.yaml; do
  variant=$(basename "$values" .yaml)
  rendered="$out/$variant.yaml"
  if render "$values" "$rendered"; then
    pass "helm lint --strict + template $variant: $(objects "$rendered") objects ($(grep '^kind: ' "$rendered" | sort | uniq -c | awk '{printf "%s%s %s", sep, $1, $3; sep=", "}'))"
  else
    fail "helm $variant:"; cat "$rendered.lint" "$rendered.err" 2>/dev/null | tail -n 5; continue
  fi
  if "$HELM3" lint --strict --kube-version "$k8s_version" "$chart" -f "$values" >"$rendered.helm3.lint" 2>&1 &&
    "$HELM3" template "$release" "$chart" --kube-version "$k8s_version" --namespace pipeline -f "$values" >"$rendered.helm3" 2>&1 &&
    same_objects "$rendered" "$rendered.helm3"; then
    pass "helm 3 lint --strict + template $variant: the same objects as Helm 4"
  else
    fail "helm 3 $variant:"; tail -n 5 "$rendered.helm3.lint" "$rendered.helm3"; diff "$rendered" "$rendered.helm3" | head -n 10
  fi
  conform "$rendered" >"$rendered.conform" 2>&1 && pass "kubeconform -strict $variant" || { fail "kubeconform $variant:"; cat "$rendered.conform"; }
  policy "$rendered" && pass "policy $variant" || fail "policy $variant"
  chart_env "$rendered" && pass "lib/config.ts accepts every container's environment: $variant" || fail "chart-env $variant"
done
conform "${platform[@]}" >"$out/platform.conform" 2>&1 && pass "kubeconform -strict platform ($(cat "${platform[@]}" | grep -c '^kind: ') objects)" || { fail "kubeconform platform:"; cat "$out/platform.conform"; }
policy "${platform[@]}" && pass "policy platform" || fail "policy platform"
# What deploy/kind/e2e.sh applies (the part of it that runs without Docker), Airflow's
# part (deploy/kind/airflow.sh, with placeholder secrets) included: every file it writes.
airflow_values=(deploy/platform/airflow/values.yaml deploy/kind/airflow-values.yaml)
airflow_secrets() { python3 "$here/airflow_secrets.py" "$out/kind" "$@"; }
if bash deploy/kind/e2e.sh --render-only "$out/kind" >/dev/null; then
  kind_files=("$out/kind"/*.yaml)
  conform "${kind_files[@]}" >"$out/kind.conform" 2>&1 && pass "kubeconform -strict kind e2e rendering (${#kind_files[@]} files)" || { fail "kubeconform kind:"; cat "$out/kind.conform"; }
  policy "${kind_files[@]}" && pass "policy kind e2e rendering" || fail "policy kind e2e rendering"
  chart_env "$out/kind/chart.yaml" && pass "lib/config.ts accepts every container's environment: kind e2e (the smoke Pod too)" || fail "chart-env kind e2e rendering"
  airflow_secrets "${airflow_values[@]}" && pass "airflow.sh makes every Secret the Airflow values name, and the smoke login" || fail "airflow secrets"
else
  fail "deploy/kind/e2e.sh --render-only"; kind_files=()
fi
python3 -c 'import sys, yaml; [yaml.safe_load(open(path)) for path in sys.argv[1:]]' "${airflow_values[@]}" && pass "airflow values parse" || fail "airflow values"

# ---- 4: a real API server
apiserver_dir="$out/apiserver"
# shellcheck source=deploy/validate/apiserver.sh
source "$here/apiserver.sh"
trap 'apiserver_stop "$apiserver_dir"' EXIT
api_started=$SECONDS
if apiserver_start "$apiserver_dir"; then
  crd_args=(); for crd in "${crds[@]}"; do crd_args+=(-f "$crd"); done
  "$KUBECTL" apply --server-side "${crd_args[@]}" >/dev/null 2>"$out/crds.err" || { fail "installing the CRDs:"; cat "$out/crds.err"; }
  "$KUBECTL" wait --for condition=established --timeout 60s crd --all >/dev/null 2>"$out/crds-wait.err" || { fail "CRDs not established:"; cat "$out/crds-wait.err"; }
  "$KUBECTL" create namespace pipeline >/dev/null
  # A cluster's controller manager gives each namespace its "default" ServiceAccount, which a Pod
  # (the chart's `helm test` Pod) is admitted against; this API server runs without one.
  "$KUBECTL" -n pipeline create serviceaccount default >/dev/null
  echo "validate: API server up, CRDs installed in $((SECONDS - api_started)) s"
  for rendered in "$out"/*-values.yaml; do
    dry_run "$rendered" >"$rendered.dry" 2>&1 && pass "dry-run=server $(basename "$rendered" .yaml)" || { fail "dry-run $(basename "$rendered"):"; grep -v 'created (server dry run)' "$rendered.dry"; }
  done
  for file in "${platform[@]}" "${kind_files[@]}"; do
    dry_run "$file" >"$out/platform.dry" 2>&1 && pass "dry-run=server $file" || { fail "dry-run $file:"; grep -v 'created (server dry run)' "$out/platform.dry"; }
  done
else
  fail "the API server did not start"
fi

# ---- 5: each check bites
# expect_failure NAME STAGE WANT GOT MESSAGE: a negative case passes when it failed (GOT) at the
# stage its first line names, with a message holding WANT.
expect_failure() {
  local name=$1 stage=$2 want=$3 got=$4 message=$5
  if [[ "$got" == "$stage" && "$message" == *"$want"* ]]; then
    pass "$name fails at $stage: $(grep -m 1 -F -- "$want" <<<"$message" | sed 's/^[[:space:]]*//' | cut -c1-220)"
  else
    fail "$name: wanted a failure at $stage with \"$want\", got ${got:-no failure}:"; tail -n 5 <<<"$message"
  fi
}

for values in "$here"/negative/*.yaml; do
  case_name=$(basename "$values" .yaml)
  read -r _ stage want < <(head -n 1 "$values" | sed 's/^# expect \([a-z-]*\): \(.*\)$/x \1 \2/')
  rendered="$out/negative-$case_name.yaml"
  got=""
  if ! render "$values" "$rendered"; then got="render"; message=$(cat "$rendered.lint" "$rendered.err" 2>/dev/null)
  elif ! message=$(conform "$rendered" 2>&1); then got="kubeconform"
  elif ! message=$(policy "$rendered" 2>&1); then got="policy"
  elif ! message=$(chart_env "$rendered" 2>&1); then got="env"
  elif ! message=$(dry_run "$rendered" 2>&1); then got="dry-run"
  fi
  expect_failure "negative $case_name" "$stage" "$want" "$got" "${message:-}"
done

# Manifests (not values) that pass the schemas and the policy: only the API server refuses them.
for manifest in "$here"/negative/manifests/*.yaml; do
  case_name=$(basename "$manifest" .yaml)
  read -r _ stage want < <(head -n 1 "$manifest" | sed 's/^# expect \([a-z-]*\): \(.*\)$/x \1 \2/')
  got=""
  if ! message=$(conform "$manifest" 2>&1); then got="kubeconform"
  elif ! message=$(policy "$manifest" 2>&1); then got="policy"
  elif ! message=$(chart_env "$manifest" 2>&1); then got="env"
  elif ! message=$(dry_run "$manifest" 2>&1); then got="dry-run"
  fi
  expect_failure "negative manifest $case_name" "$stage" "$want" "$got" "${message:-}"
done

# Airflow values naming a Secret, or a key of one, that deploy/kind/airflow.sh does not make.
for values in "$here"/negative/airflow/*.yaml; do
  read -r _ stage want < <(head -n 1 "$values" | sed 's/^# expect \([a-z-]*\): \(.*\)$/x \1 \2/')
  got=""
  if ! message=$(airflow_secrets "${airflow_values[@]}" "$values" 2>&1); then got="airflow-secrets"; fi
  expect_failure "negative airflow $(basename "$values" .yaml)" "$stage" "$want" "$got" "${message:-}"
done

echo "validate: $failures failure(s) in $((SECONDS - started)) s"
[[ $failures -eq 0 ]]
