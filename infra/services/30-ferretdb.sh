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
  for f in "$src/main.go" "$src/go.mod" "$src/go.sum" "$src/id-pushdown.sed"; do
    [[ "$f" -nt "$FERRETDB_BIN" ]] && stale=1
  done
  [[ -n "$stale" ]] || return 0
  stack_need_cmd go "FerretDB is built with Go"
  echo "  ferretdb: building $FERRETDB_BIN (first build downloads modules, ~1 min)"
  local modfile
  modfile="$(ferretdb_patched_modfile "$src")" || return 1
  # No symbol table or DWARF (-s -w): the link, one step that does not run in
  # parallel, has less to write; panics still name their functions.
  (cd "$src" && go build -mod=readonly -modfile "$modfile" -trimpath -ldflags='-s -w' -o "$FERRETDB_BIN" .)
}

# FerretDB with its SQLite `_id` lookups written as its `_id` index is, so
# SQLite searches the index instead of scanning (infra/ferretdb/id-pushdown.sed
# says why): a copy of the FerretDB module with that sed applied, and a go.mod
# that replaces the module with the copy (Go refuses to overlay files of its
# module cache). Prints the go.mod's path; fails when the sed no longer applies.
ferretdb_patched_modfile() {
  local src="$1" module copy="$STACK_DIR/ferretdb-src" patched
  module="$(cd "$src" && go mod download -json github.com/FerretDB/FerretDB |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [[ -d "$module" ]] || { echo "ferretdb: the FerretDB module was not downloaded" >&2; return 1; }
  rm -rf "$copy" && cp -R "$module" "$copy" && chmod -R u+w "$copy"
  patched="$copy/internal/backends/sqlite/metadata/metadata.go"
  sed -i -f "$src/id-pushdown.sed" "$patched"
  # shellcheck disable=SC2016 # Go's backquotes, not the shell's
  if ! grep -q 'IDColumn = DefaultColumn + `->"_id"`' "$patched"; then
    echo "ferretdb: infra/ferretdb/id-pushdown.sed no longer applies to FerretDB's $patched" >&2
    return 1
  fi
  { cat "$src/go.mod"; echo "replace github.com/FerretDB/FerretDB => $copy"; } >"$STACK_DIR/ferretdb-build.mod"
  cp "$src/go.sum" "$STACK_DIR/ferretdb-build.sum"
  echo "$STACK_DIR/ferretdb-build.mod"
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
