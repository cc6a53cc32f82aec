# shellcheck shell=bash
# Where the stack's PostgreSQL is (infra/services/25-postgres.sh), for those
# who connect to it: FerretDB under STORE_BACKEND=postgresql, and Airflow.
# Sourced by infra/stack.sh, and by infra/services/90-airflow.sh, whose
# airflow_env the tests also source on their own; needs STACK_DIR.

# POSTGRES_PORT: its TCP port on 127.0.0.1, which also names its socket file.
POSTGRES_PORT="${POSTGRES_PORT:-5433}"

# STACK_POSTGRES_SUPERUSER: the role initdb makes (over TCP, its password is
# $STACK_DIR/postgres-password); historically FerretDB's, whose database it owns.
# shellcheck disable=SC2034 # read by the files that source this one
STACK_POSTGRES_SUPERUSER=ferretdb

# stack_postgres_socket_dir: the directory of its unix socket.
stack_postgres_socket_dir() { echo "$STACK_DIR/data/postgres/socket"; }

# stack_postgres_bindir: the directory of PostgreSQL 15's programs (postgres,
# initdb, psql): POSTGRES_BINDIR, else Debian's; fails when neither has them.
stack_postgres_bindir() {
  local dir
  for dir in "${POSTGRES_BINDIR:-}" /usr/lib/postgresql/15/bin; do
    [[ -n "$dir" && -x "$dir/postgres" ]] && { echo "$dir"; return 0; }
  done
  return 1
}
