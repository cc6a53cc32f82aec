# shellcheck shell=bash disable=SC2034 # svc_* are read by infra/stack.sh
# FerretDB 1.24 (MongoDB wire protocol on SQLite), built from infra/ferretdb
# (a tiny main that embeds the ferretdb package) through the Go module proxy.
svc_address="127.0.0.1:27017"
svc_needs=""
svc_timeout=30
FERRETDB_BIN="$STACK_DIR/bin/ferretdb"

svc_prepare() {
  local src="$INFRA_DIR/ferretdb" f stale=""
  if [[ ! -x "$FERRETDB_BIN" ]]; then stale=1; fi
  for f in "$src/main.go" "$src/go.mod" "$src/go.sum"; do
    [[ "$f" -nt "$FERRETDB_BIN" ]] && stale=1
  done
  [[ -n "$stale" ]] || return 0
  stack_need_cmd go "FerretDB is built with Go"
  echo "  ferretdb: building $FERRETDB_BIN (first build downloads modules, ~1 min)"
  (cd "$src" && go build -mod=readonly -trimpath -o "$FERRETDB_BIN" .)
}

svc_start() {
  stack_spawn "$FERRETDB_BIN" -listen-addr 127.0.0.1:27017 -data-dir "$SVC_DATA"
}

svc_healthy() {
  stack_port_open 127.0.0.1 27017 && stack_log_has "Listening on TCP 127.0.0.1:27017"
}
