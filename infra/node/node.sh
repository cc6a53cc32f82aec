# shellcheck shell=bash
# Shared by the service files of this repository's TypeScript services
# (node_service: infra/services/65-reader.sh, 70-consumer.sh; node_prepare:
# every service that runs this repository's code); sourced by infra/stack.sh,
# which provides REPO_DIR, SVC_* and stack_*.

# node_prepare: the repository's node_modules as package-lock.json says, by
# the Makefile's own rule (`make install`: nothing to do when it is current);
# every Node service prepares with it, one at a time, so the first installs.
node_prepare() { stack_once node-modules make --no-print-directory -s -C "$REPO_DIR" install; }

# node_service PORT ENTRY NEEDS: what such a service file defines
# (infra/stack.sh's service contract): `node --import tsx ENTRY` from the
# repository, healthy when http://127.0.0.1:PORT/readyz answers 2xx, started
# after the services NEEDS. ENTRY is written into svc_start's body, since
# stack.sh calls it after it has sourced the other service files.
# shellcheck disable=SC2034 # svc_* are read by infra/stack.sh
node_service() {
  svc_address="127.0.0.1:$1"
  svc_needs="$3"
  svc_timeout=60
  svc_prepare() { node_prepare; }
  eval "svc_start() { stack_node_spawn --import tsx $(printf '%q' "$2"); }"
  svc_healthy() { stack_answers "$svc_address/readyz"; }
}
