# shellcheck shell=bash
# Sourced by deploy/validate.sh: a real kube-apiserver on loopback, on its own
# etcd, for `kubectl apply --dry-run=server`. No controllers, no webhooks, no
# kubelet: what it checks is the API server's own validation (schemas,
# defaulting, CEL rules of CRDs, cross-field rules such as requests <= limits).
#   apiserver_start DIR    sets KUBECONFIG; apiserver_stop (stops the API server before etcd)

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

apiserver_start() {
  local dir=$1 etcd_port peer_port api_port token
  command -v etcd >/dev/null || { echo "validate: etcd is missing (Debian: apt-get install etcd-server)" >&2; return 1; }
  mkdir -p "$dir/etcd" "$dir/pki"
  etcd_port=$(free_port); peer_port=$(free_port); api_port=$(free_port)
  etcd --data-dir "$dir/etcd" --listen-client-urls "http://127.0.0.1:$etcd_port" \
    --advertise-client-urls "http://127.0.0.1:$etcd_port" --listen-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" --initial-cluster "default=http://127.0.0.1:$peer_port" \
    >"$dir/etcd.log" 2>&1 &
  echo $! >"$dir/etcd.pid"
  openssl genrsa -out "$dir/pki/sa.key" 2048 2>/dev/null
  openssl rsa -in "$dir/pki/sa.key" -pubout -out "$dir/pki/sa.pub" 2>/dev/null
  token=$(openssl rand -hex 16)
  echo "$token,validate,validate,system:masters" >"$dir/pki/tokens.csv"
  "$KUBE_APISERVER" --etcd-servers "http://127.0.0.1:$etcd_port" --bind-address 127.0.0.1 \
    --advertise-address 127.0.0.1 --secure-port "$api_port" --cert-dir "$dir/pki" \
    --endpoint-reconciler-type none --token-auth-file "$dir/pki/tokens.csv" --authorization-mode AlwaysAllow \
    --service-account-issuer https://kubernetes.default.svc --service-account-key-file "$dir/pki/sa.pub" \
    --service-account-signing-key-file "$dir/pki/sa.key" --service-cluster-ip-range 10.96.0.0/16 \
    >"$dir/apiserver.log" 2>&1 &
  echo $! >"$dir/apiserver.pid"
  export KUBECONFIG="$dir/kubeconfig"
  "$KUBECTL" config set-cluster validate --server "https://127.0.0.1:$api_port" --insecure-skip-tls-verify=true >/dev/null
  "$KUBECTL" config set-credentials validate --token "$token" >/dev/null
  "$KUBECTL" config set-context validate --cluster validate --user validate >/dev/null
  "$KUBECTL" config use-context validate >/dev/null
  local waited=0
  until "$KUBECTL" get --raw /readyz >/dev/null 2>&1; do
    sleep 1; waited=$((waited + 1))
    if ((waited > 90)) || ! kill -0 "$(cat "$dir/apiserver.pid")" 2>/dev/null; then
      echo "validate: the API server did not become ready; last lines of $dir/apiserver.log:" >&2
      tail -n 20 "$dir/apiserver.log" >&2
      return 1
    fi
  done
}

apiserver_stop() {
  local dir=$1 pid
  for name in apiserver etcd; do
    [[ -f "$dir/$name.pid" ]] || continue
    pid=$(cat "$dir/$name.pid")
    kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -f "$dir/$name.pid"
  done
}
