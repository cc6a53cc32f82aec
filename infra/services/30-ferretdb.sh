# shellcheck shell=bash disable=SC2034 # svc_* are read by infra/stack.sh
# FerretDB 1.24 (MongoDB wire protocol) built from infra/ferretdb (a tiny main
# that embeds the ferretdb package) through the Go module proxy. Its store is
# STORE_BACKEND (infra/stack.sh): SQLite files in $SVC_DATA (default), or the
# postgres service (infra/services/25-postgres.sh) through its unix socket.
# It listens on 127.0.0.1, on the port of MONGO_URL when that points at
# 127.0.0.1 (27017), as the services that stack.sh starts connect there.
FERRETDB_PORT=27017
mongo_url_re='^mongodb://([^@/]*@)?127\.0\.0\.1:([0-9]+)'
[[ "${MONGO_URL:-}" =~ $mongo_url_re ]] && FERRETDB_PORT="${BASH_REMATCH[2]}"
svc_address="127.0.0.1:$FERRETDB_PORT"
svc_needs=""
[[ "$STORE_BACKEND" == postgresql ]] && svc_needs="postgres"
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
  # No symbol table or DWARF (-s -w): the link, one step that does not run in
  # parallel, has less to write; panics still name their functions.
  (cd "$src" && go build -mod=readonly -trimpath -ldflags='-s -w' -o "$FERRETDB_BIN" .)
}

svc_start() {
  local store=(-data-dir "$SVC_DATA")
  if [[ "$STORE_BACKEND" == postgresql ]]; then
    # Trusted socket, so no password in the URL (or in `ps`); FerretDB's pool: 50 connections.
    store=(-handler postgresql
      -postgresql-url "postgres://ferretdb@/ferretdb?host=$(stack_postgres_socket_dir)&port=$POSTGRES_PORT")
  fi
  stack_spawn "$FERRETDB_BIN" -listen-addr "127.0.0.1:$FERRETDB_PORT" "${store[@]}"
}

svc_healthy() {
  stack_port_open 127.0.0.1 "$FERRETDB_PORT" && stack_log_has "Listening on TCP 127.0.0.1:$FERRETDB_PORT"
}
