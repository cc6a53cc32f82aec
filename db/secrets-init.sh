#!/bin/sh
# The passwords of the containerised stack, run once per `docker compose up`
# by the one-shot service secrets-init (docker-compose.yaml) before anything
# that needs them. Each secret lives in a named volume of its own, mounted
# (read-only) only into the services that use it, so a service holds no
# password it does not need:
#
#   mongo-root/password  MongoDB's root user: generated on the first start    -> mongo
#   mongo-app/password   the application user `app`: db/password.txt          -> mongo (init), consumer, airflow, mongo-express
#   redis/password       Redis's requirepass: generated on the first start    -> redis, workers, admin, airflow
#   redis/redis.conf     `requirepass ...` for redis-server (off its command line)
#   admin/password       the BullMQ dashboard (also Kafka UI, mongo-express):
#                        ADMIN_PASSWORD of .env when set, else generated once -> admin, kafka-ui, mongo-express
#   airflow/password     Airflow's user admin: AIRFLOW_ADMIN_PASSWORD of .env
#                        when set, else generated once                         -> airflow
#   airflow/passwords.json  the same as Airflow's auth manager writes it        -> admin (the live page's DAG runs)
#   airflow-db/password  Airflow's metadata database, user airflow: generated
#                        on the first start                                     -> airflow-db, airflow
#
# Generated passwords are kept across restarts (they live in the volumes until
# `docker compose down -v`). Files are mode 0444: the services run as
# different users (mongodb, redis, node, airflow, postgres), and the volume, not the
# mode, is what keeps a secret from the other services. This runs as root, so
# db/password.txt itself can stay mode 600 on the host.
#
# Environment: VOLUMES_DIR (default /secrets: the volumes are mounted below it),
# MONGO_APP_PASSWORD_FILE (default /run/secrets/mongo_app_password, i.e.
# db/password.txt), ADMIN_PASSWORD and AIRFLOW_ADMIN_PASSWORD (optional). test/compose/compose.test.ts runs it.
set -eu
out="${VOLUMES_DIR:-/secrets}"
app_file="${MONGO_APP_PASSWORD_FILE:-/run/secrets/mongo_app_password}"
example="change-me-to-a-long-random-password" # db/password.txt.example

fail() { echo "secrets-init: $*" >&2; exit 1; }
generate() { head -c 24 /dev/urandom | base64 | tr '+/' '-_' | tr -d '\n'; }
# write NAME VALUE [FILE]: $out/NAME/FILE (default password), replaced atomically.
write() {
  mkdir -p "$out/$1"
  printf '%s' "$2" >"$out/$1/.${3:-password}.new"
  chmod 0444 "$out/$1/.${3:-password}.new"
  mv -f "$out/$1/.${3:-password}.new" "$out/$1/${3:-password}"
}
keep_or_generate() {
  if [ -s "$out/$1/password" ]; then return 0; fi
  write "$1" "$(generate)"
  echo "secrets-init: generated the $1 password ($2)"
}

# The application user's password: db/password.txt, trimmed as lib/mongo.ts and db/init trim it.
[ -r "$app_file" ] || fail "cannot read $app_file: create db/password.txt (see README.md)"
app="$(sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' "$app_file")"
[ -n "$app" ] || fail "db/password.txt is empty: write the MongoDB password of the user app into it"
[ "$app" != "$example" ] || fail "db/password.txt still holds the example password: choose your own"
write mongo-app "$app"

keep_or_generate mongo-root "MongoDB root: docker compose exec mongo cat /run/secrets/mongo-root/password"
keep_or_generate redis "docker compose exec redis cat /run/secrets/redis/password"
write redis "requirepass \"$(cat "$out/redis/password")\"
" redis.conf

if [ -n "${ADMIN_PASSWORD:-}" ]; then
  write admin "$ADMIN_PASSWORD"
else
  keep_or_generate admin "the dashboards, user admin: docker compose exec admin cat /run/secrets/admin/password"
fi
if [ -n "${AIRFLOW_ADMIN_PASSWORD:-}" ]; then
  write airflow "$AIRFLOW_ADMIN_PASSWORD"
else
  keep_or_generate airflow "Airflow, user admin: docker compose exec airflow cat /run/secrets/airflow/password"
fi
keep_or_generate airflow-db "Airflow's metadata database, user airflow: docker compose exec airflow-db cat /run/secrets/airflow-db/password"
# As JSON: backslashes and double quotes escaped (a password from .env may hold them).
escaped="$(sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' "$out/airflow/password")"
write airflow "{\"admin\": \"$escaped\"}" passwords.json
echo "secrets-init: secrets ready"
