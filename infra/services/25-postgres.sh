# shellcheck shell=bash disable=SC2034 # svc_* are read by infra/stack.sh
# PostgreSQL 15 (Debian's postgresql-15): the store of Airflow's metadata
# (database airflow, owned by the role airflow), and FerretDB's store when
# STORE_BACKEND=postgresql (database ferretdb; infra/stack.sh reads it). Our own
# cluster in $SVC_DATA/cluster, not Debian's system one: initdb on the first
# start, then `postgres` itself in the foreground (no pg_ctl), so `down`
# SIGTERMs its process group like any other service.
#
# Access: the unix socket in $SVC_DATA/socket (directory and socket mode 0700)
# trusts its callers: only the server's OS user and root can reach it, and it
# is what Airflow and FerretDB use, so neither needs a secret. TCP on
# 127.0.0.1 only, with scram-sha-256: the password of the superuser ferretdb
# is generated on the first start into $STACK_DIR/postgres-password (mode
# 600), so another local user cannot read or change the store through the port.
#
# PostgreSQL refuses to run as root: under root the cluster is owned by and
# runs as Debian's `postgres` user (setpriv execs in place, so the pid stays
# the service's). Settings: Debian's defaults (shared_buffers 128 MB,
# synchronous_commit on: an acknowledged write is on disk, as the sink's
# at-least-once contract assumes before it commits offsets; SQLite's FULL sync
# gives the same). Logging: no ERROR lines (log_min_messages=log keeps LOG,
# FATAL, PANIC and the "ready" line svc_healthy waits for): the sink's dedupe
# is a stream of duplicate-key errors, each logged with its statement, and a
# redelivered batch wrote 178 MB of them.
svc_address="127.0.0.1:$POSTGRES_PORT"
svc_needs=""
svc_timeout=60

# postgres_as CMD ARGS...: run as the server's OS user (the current one, or
# `postgres` under root: setpriv execs in place, so a pid stays the same).
postgres_as_prefix() {
  [[ "$(id -u)" == 0 ]] && echo setpriv --reuid=postgres --regid=postgres --init-groups --
  return 0
}
postgres_as() {
  local prefix
  read -ra prefix <<<"$(postgres_as_prefix)"
  "${prefix[@]}" "$@"
}

svc_prepare() {
  stack_postgres_bindir >/dev/null && return 0
  stack_apt_install postgresql-15
  # Where systemd runs, the package starts the system cluster on 5432: stop it.
  if command -v systemctl >/dev/null && systemctl is-active --quiet postgresql 2>/dev/null; then
    systemctl disable --now postgresql >/dev/null 2>&1 || true
  fi
}

postgres_password_file() { echo "$STACK_DIR/postgres-password"; }

# First start: the cluster (UTF8, C locale: what FerretDB's check accepts), the
# user ferretdb with its password, the database ferretdb (in single-user mode,
# so nothing listens before the access rules are in place).
postgres_init() {
  local bindir="$1" cluster="$SVC_DATA/cluster" file
  file="$(postgres_password_file)"
  if [[ ! -s "$file" ]]; then
    (umask 077 && head -c 24 /dev/urandom | base64 | tr '+/' '-_' >"$file")
    echo "  postgres: generated the password of user ferretdb into $file"
  fi
  chmod 600 "$file"
  echo "  postgres: initdb $cluster"
  # A copy the server's user can read, in its own 0700 directory, for initdb only
  # (the original may be root's alone, and a command line is public).
  (umask 077 && cp "$file" "$SVC_DATA/initdb-password")
  postgres_fix_owner "$SVC_DATA/initdb-password"
  postgres_as "$bindir/initdb" -D "$cluster" -U "$STACK_POSTGRES_SUPERUSER" --pwfile="$SVC_DATA/initdb-password" -E UTF8 \
    --locale=C --auth-local=trust --auth-host=scram-sha-256 >>"$SVC_LOG" 2>&1
  rm -f "$SVC_DATA/initdb-password"
  # Only 127.0.0.1 over TCP (initdb also lets ::1 and replication in).
  cat >"$cluster/pg_hba.conf.new" <<'EOF'
# infra/services/25-postgres.sh: the socket (mode 0700) trusts; TCP 127.0.0.1 needs the password.
local all all                 trust
host  all all 127.0.0.1/32    scram-sha-256
EOF
  mv -f "$cluster/pg_hba.conf.new" "$cluster/pg_hba.conf"
  postgres_fix_owner "$cluster"
  echo "CREATE DATABASE ferretdb" | postgres_as "$bindir/postgres" --single -D "$cluster" postgres >>"$SVC_LOG" 2>&1
}

postgres_fix_owner() {
  [[ "$(id -u)" == 0 ]] && chown -R postgres:postgres "$@"
  return 0
}

svc_start() {
  local bindir socket cluster="$SVC_DATA/cluster"
  bindir="$(stack_postgres_bindir)" || stack_die "postgres: PostgreSQL 15 not found (infra/stack.sh prepare postgres installs it)"
  socket="$(stack_postgres_socket_dir)"
  mkdir -p "$socket"
  chmod 700 "$SVC_DATA" "$socket"
  postgres_fix_owner "$SVC_DATA" "$socket"
  postgres_as test -x "$SVC_DATA" \
    || stack_die "postgres: its OS user cannot reach $SVC_DATA (every parent directory needs o+x)"
  [[ -f "$cluster/PG_VERSION" ]] || postgres_init "$bindir"
  local prefix
  read -ra prefix <<<"$(postgres_as_prefix)"
  stack_spawn "${prefix[@]}" "$bindir/postgres" -D "$cluster" \
    -c listen_addresses=127.0.0.1 -p "$POSTGRES_PORT" \
    -c unix_socket_directories="$socket" -c unix_socket_permissions=0700 \
    -c logging_collector=off -c log_destination=stderr \
    -c log_min_messages=log -c log_min_error_statement=panic
}

svc_healthy() {
  stack_port_open 127.0.0.1 "$POSTGRES_PORT" && stack_log_has "database system is ready to accept connections"
}
