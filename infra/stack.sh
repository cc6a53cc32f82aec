#!/usr/bin/env bash
# stack.sh: start and stop the project's real services on one machine, no Docker.
#
#   infra/stack.sh up [svc...]      start what is not already running+healthy
#                                   (and the services they need), then print the
#                                   table and what to open with its login
#   infra/stack.sh down [svc...]    SIGTERM each process group, SIGKILL after a grace time
#   infra/stack.sh status           print the table (always exits 0)
#   infra/stack.sh logs [-f] [svc]  tail -n 50 of each log, or follow one
#   infra/stack.sh prepare [svc...] install/build only, start nothing (CI)
#
# Preparations run in parallel and each service starts as soon as its own
# preparation is done and its needs are healthy (infra/stack-up.sh).
# No svc names = every registered service. State lives under $STACK_DIR
# (default <repo>/.stack): logs/<svc>.log, run/<svc>.pid, data/<svc>/.
# run/<svc>.start records which process that pid is (its boot and start time):
# `down` signals a pid only while it is still that process.
#
# Service contract. Each infra/services/NN-name.sh registers one service called
# "name"; NN orders start-up (down runs in reverse). The file is sourced, so it
# must only define things (no side effects at source time):
#   svc_address="127.0.0.1:PORT"  required; shown in the table; `up` refuses to
#                                 start when that port is taken by someone else
#   svc_start()     required; launch the process with `stack_spawn CMD ARGS...`
#                   (setsid, stdout+stderr to $SVC_LOG, pid to $SVC_PIDFILE)
#   svc_healthy()   required; exit 0 when ready; must be quick (polled every 0.2 s)
#   svc_prepare()   optional; idempotent install/build, fast when already done.
#                   Runs in a process of its own, in parallel with the others'
#                   (output: logs/<svc>.prepare.log); a preparation several
#                   services share runs under `stack_once LOCK CMD...`
#   svc_open()      optional; prints "what|url|login" lines: what `up` tells
#                   to open at the end (a login names where its password is,
#                   never the password)
#   svc_needs="a b" optional; services that must be healthy before this one
#                   starts (unset: every earlier service; "": none). `up X`
#                   also starts X's needs; `down` stops X before its needs
#                   and everything else in parallel.
#   svc_timeout=N   optional; seconds to wait for health (default 60)
#   svc_off="why"   optional; non-empty: the service is off in this configuration
#                   (e.g. postgres under STORE_BACKEND=sqlite): `up`/`prepare`
#                   without names skip it, `up` naming it refuses, the table
#                   shows "off (why)"; `down` still stops it if it runs.
# Each start moves the old log to <svc>.log.1, so svc_healthy may grep $SVC_LOG
# for a "ready" line. While a service's functions run: SVC_NAME, SVC_LOG, SVC_PIDFILE, SVC_DATA
# (created for it), STACK_DIR, REPO_DIR, INFRA_DIR, STORE_BACKEND, POSTGRES_PORT,
# and the stack_* helpers (stack_spawn, stack_port_open, stack_log_has,
# stack_need_cmd, stack_apt_install, stack_die, stack_redis_env, stack_once, stack_path; and
# stack_postgres_socket_dir, stack_postgres_bindir of infra/postgres/postgres.sh).
set -euo pipefail

INFRA_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(dirname "$INFRA_DIR")"
STACK_DIR="${STACK_DIR:-$REPO_DIR/.stack}"
mkdir -p "$STACK_DIR"
STACK_DIR="$(cd "$STACK_DIR" && pwd)"
# State never belongs in git, wherever STACK_DIR points.
[[ -f "$STACK_DIR/.gitignore" ]] || echo '*' >"$STACK_DIR/.gitignore"
export STACK_DIR REPO_DIR INFRA_DIR
LOG_DIR="$STACK_DIR/logs"
RUN_DIR="$STACK_DIR/run"
STOP_TIMEOUT="${STACK_STOP_TIMEOUT:-20}"
# Where FerretDB keeps the documents (read here only; the service files use it):
# sqlite (default; files under data/ferretdb) or postgresql (the postgres
# service, infra/services/25-postgres.sh, on 127.0.0.1:POSTGRES_PORT).
STORE_BACKEND="${STORE_BACKEND:-sqlite}"
# shellcheck source=infra/postgres/postgres.sh
source "$INFRA_DIR/postgres/postgres.sh"
case "$STORE_BACKEND" in
  sqlite | postgresql) ;;
  *) echo "stack: STORE_BACKEND must be sqlite or postgresql, not '$STORE_BACKEND'" >&2; exit 1 ;;
esac
[[ "$POSTGRES_PORT" =~ ^[1-9][0-9]{0,4}$ ]] && (( POSTGRES_PORT <= 65535 )) \
  || { echo "stack: POSTGRES_PORT must be a port number (1-65535), not '$POSTGRES_PORT'" >&2; exit 1; }
export STORE_BACKEND POSTGRES_PORT

# ---------------------------------------------------------------- helpers

stack_die() { echo "stack: $*" >&2; exit 1; }
say() { printf '%s\n' "$*"; }

stack_need_cmd() {
  command -v "$1" >/dev/null 2>&1 || stack_die "$1 not found${2:+: $2}"
}

# stack_apt_install PACKAGE...: install Debian's packages (root only; else
# say the command to run). One apt-get at a time: preparations run in
# parallel, and a second apt-get would fail on dpkg's lock.
stack_apt_install() {
  local cmd="apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $*"
  [[ "$(id -u)" == 0 ]] || stack_die "$SVC_NAME: $* missing; run as root: $cmd"
  echo "  $SVC_NAME: installing Debian's $*"
  stack_once apt-get bash -c "$cmd" >/dev/null
}

# Start "$@" in its own session, so its pid is also its process-group id and
# `down` can signal the whole group (children included). setsid also detaches
# it from our terminal, so no nohup is needed. (A background child of a
# script leads no group, so setsid execs in place: $! is the service.)
stack_spawn() {
  mkdir -p "$LOG_DIR" "$RUN_DIR"
  setsid "$@" </dev/null >>"$SVC_LOG" 2>&1 &
  echo "$!" >"$SVC_PIDFILE"
  proc_identity "$!" >"${SVC_PIDFILE%.pid}.start" || rm -f "${SVC_PIDFILE%.pid}.start"
}

# For the Node services' files: start one of this repository's entry points
# (`stack_node_spawn [node flags] --import tsx dir/main.ts`), and tell whether
# an address answers 2xx (`stack_answers 127.0.0.1:5001/readyz`).
stack_node_spawn() { (cd "$REPO_DIR" && stack_spawn node "$@"); }
stack_answers() { curl -fsS -m 1 -o /dev/null "http://$1"; }

# proc_identity PID: what tells that process from a later one with the same
# number: the boot it runs in and its start time (clock ticks since boot,
# field 22 of /proc/PID/stat; the command name before it may hold spaces).
proc_identity() {
  local stat fields boot
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" && [[ -n "$stat" ]] || return 1
  read -ra fields <<<"${stat##*) }"
  boot="$(cat /proc/sys/kernel/random/boot_id 2>/dev/null)" || return 1
  echo "$boot ${fields[19]}"
}

# stack_redis_env: for a service that talks to the stack's Redis, export
# REDIS_PASSWORD_FILE (lib/config.ts puts that password into REDIS_URL): the
# file infra/services/20-redis.sh generates, unless one is set already or
# REDIS_URL carries a password itself.
stack_redis_env() {
  [[ "${REDIS_URL:-}" == *@* ]] && return 0
  export REDIS_PASSWORD_FILE="${REDIS_PASSWORD_FILE:-$STACK_DIR/redis-password}"
}

# stack_port_open HOST PORT: something accepts TCP connections there.
stack_port_open() {
  (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

# stack_log_has TEXT: the current log (rotated at each start) contains TEXT.
stack_log_has() {
  [[ -f "$SVC_LOG" ]] && grep -qF -- "$1" "$SVC_LOG"
}

now() { echo "${EPOCHREALTIME/,/.}"; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }

# ---------------------------------------------------------------- registry

declare -a NAMES=()         # in start order
declare -A FILE=() ADDR=() NEEDS=() TIMEOUT=() OFF=()

# load NAME: define that service's functions/vars in this shell.
load() {
  unset -f svc_prepare svc_start svc_healthy svc_open
  unset svc_address svc_needs svc_timeout svc_off
  # shellcheck disable=SC2034 # for the service files
  SVC_NAME="$1"
  SVC_LOG="$LOG_DIR/$1.log"
  SVC_PIDFILE="$RUN_DIR/$1.pid"
  SVC_DATA="$STACK_DIR/data/$1"
  # shellcheck source=/dev/null
  source "${FILE[$1]}"
}

read_registry() {
  local f name earlier=""
  for f in "$INFRA_DIR"/services/[0-9]*.sh; do
    [[ -e "$f" ]] || continue
    name="${f##*/}"; name="${name#[0-9]*-}"; name="${name%.sh}"
    FILE[$name]="$f"
    load "$name"
    if ! declare -F svc_start >/dev/null || ! declare -F svc_healthy >/dev/null; then
      stack_die "$f: svc_start and svc_healthy are required"
    fi
    NAMES+=("$name")
    ADDR[$name]="${svc_address:-}"
    NEEDS[$name]="${svc_needs-$earlier}"
    TIMEOUT[$name]="${svc_timeout:-60}"
    OFF[$name]="${svc_off:-}"
    earlier+="${earlier:+ }$name"
  done
}

# select_names NAME...: SEL = the given names (validated) in registry order;
# every service when none is given.
declare -a SEL=()
select_names() {
  local n want=" $* "
  for n in "$@"; do
    [[ -n "${FILE[$n]:-}" ]] || stack_die "unknown service '$n' (known: ${NAMES[*]})"
  done
  SEL=()
  for n in "${NAMES[@]}"; do
    if [[ $# -eq 0 || "$want" == *" $n "* ]]; then SEL+=("$n"); fi
  done
}

# ---------------------------------------------------------------- state

pid_of() {
  local f="$RUN_DIR/$1.pid"
  [[ -f "$f" ]] && cat "$f"
}

# ours NAME PID: PID is still the process stack.sh started for NAME. With
# run/NAME.start (written with the pid file, so not older than it), its boot
# and start time must be the recorded ones. Without (a pid file written by an
# older stack.sh), it must have started no later than the pid file was
# written: a process that took the number over after a reboot or a crash
# started after that.
ours() {
  local record="$RUN_DIR/$1.start" identity btime hz started
  identity="$(proc_identity "$2")" || return 1
  if [[ -f "$record" && ! "$record" -ot "$RUN_DIR/$1.pid" ]]; then
    [[ "$identity" == "$(cat "$record")" ]]
    return
  fi
  btime="$(awk '$1 == "btime" { print $2 }' /proc/stat)"
  hz="$(getconf CLK_TCK)"
  started=$((btime + ${identity##* } / hz))
  (( started <= $(stat -c %Y "$RUN_DIR/$1.pid") + 1 ))
}

# running NAME: its recorded pid is alive, is the process we started (see
# ours) and still leads its own group.
running() {
  local pid pgid stat
  pid="$(pid_of "$1")" || return 1
  read -r pgid stat < <(ps -o pgid=,stat= -p "$pid" 2>/dev/null) || return 1
  [[ "$pgid" == "$pid" && "$stat" != Z* ]] && ours "$1" "$pid"
}

# forget NAME: drop its pid file and its start record.
forget() { rm -f "$RUN_DIR/$1.pid" "$RUN_DIR/$1.start"; }

healthy() { ( load "$1"; svc_healthy ) >/dev/null 2>&1; }

# port_taken_by_other NAME: its address answers although it is not running.
port_taken_by_other() {
  local addr="${ADDR[$1]}"
  [[ "$addr" == *:* ]] && stack_port_open "${addr%:*}" "${addr##*:}"
}

# ---------------------------------------------------------------- up, prepare

# shellcheck source=infra/stack-up.sh
source "$INFRA_DIR/stack-up.sh"

# add_needs: SEL plus (recursively) what its services need, in order.
add_needs() {
  local -A want=()
  local n m changed=1
  for n in "${SEL[@]}"; do want[$n]=1; done
  while (( changed )); do
    changed=0
    for n in "${!want[@]}"; do
      for m in ${NEEDS[$n]}; do
        [[ -n "${FILE[$m]:-}" ]] || stack_die "$n needs unknown service '$m'"
        [[ -n "${want[$m]:-}" ]] || { want[$m]=1; changed=1; }
      done
    done
  done
  SEL=()
  for n in "${NAMES[@]}"; do
    if [[ -n "${want[$n]:-}" ]]; then SEL+=("$n"); fi
  done
}

# drop_off NAMED: without names, leave out the services that are off; a
# service that is off and named (or needed by a named one) is an error.
drop_off() {
  local n kept=()
  for n in "${SEL[@]}"; do
    if [[ -z "${OFF[$n]}" ]]; then kept+=("$n")
    elif [[ "$1" == named ]]; then stack_die "$n is off: ${OFF[$n]}"
    fi
  done
  SEL=("${kept[@]}")
}

# ---------------------------------------------------------------- down

# signal_group NAME SIG: signal its process group (and the pid itself, in case
# it is not a group leader). Called only once `running NAME` found the pid to
# be ours: the group then exists until its last member exits, so its number
# cannot be handed to another process while we wait for it.
signal_group() {
  local pid
  pid="$(pid_of "$1")" || return 0
  kill "-$2" -- "-$pid" 2>/dev/null || kill "-$2" "$pid" 2>/dev/null || true
}

# group_alive NAME: some process of its session is alive. Zombies do not
# count: an init that reaps slowly would otherwise make `down` look slow.
group_alive() {
  local pid
  pid="$(pid_of "$1")" || return 1
  # shellcheck disable=SC2009 # pgrep would count zombies
  ps -o stat= -s "$pid" 2>/dev/null | grep -qv '^Z'
}

# wait_stopped NAME: bounded wait for SIGTERM to work, then SIGKILL, then a
# bounded wait (10 s) for the group to end: a process stuck in the kernel is
# reported (and `down` fails), never waited for forever.
DOWN_FAILED=""
wait_stopped() {
  local name="$1" t0 deadline
  [[ -f "$RUN_DIR/$name.pid" ]] || return 0
  t0="$(now)"; deadline=$((SECONDS + STOP_TIMEOUT))
  while group_alive "$name" && (( SECONDS < deadline )); do sleep 0.1; done
  if group_alive "$name"; then
    say "  $(printf '%-18s' "$name") still alive after ${STOP_TIMEOUT}s: SIGKILL"
    signal_group "$name" KILL
    deadline=$((SECONDS + 10))
    while group_alive "$name" && (( SECONDS < deadline )); do sleep 0.1; done
    if group_alive "$name"; then
      echo "stack: $name (process group $(pid_of "$name")) still alive 10s after SIGKILL" >&2
      DOWN_FAILED=1
      return 0
    fi
  fi
  forget "$name"
  say "  $(printf '%-18s' "$name") stopped ($(elapsed "$t0"))"
}

# Stop in reverse order, but in parallel where allowed: before stopping a
# service, wait only for the ones (already signalled) that need it.
cmd_down() {
  local names name other i stopping=()
  select_names "$@"
  names=("${SEL[@]}")
  for (( i = ${#names[@]} - 1; i >= 0; i-- )); do
    name="${names[i]}"
    if ! running "$name"; then forget "$name"; continue; fi
    for other in "${stopping[@]}"; do
      [[ " ${NEEDS[$other]} " == *" $name "* ]] && wait_stopped "$other"
    done
    signal_group "$name" TERM
    stopping+=("$name")
  done
  for name in "${stopping[@]}"; do wait_stopped "$name"; done
  [[ -z "$DOWN_FAILED" ]]
}

# ---------------------------------------------------------------- status, logs

table() {
  local name pid health
  printf '%-18s %-8s %-22s %s\n' SERVICE PID ADDRESS HEALTH
  for name in "$@"; do
    pid="-"
    if running "$name"; then
      pid="$(pid_of "$name")"
      if healthy "$name"; then health=healthy; else health=unhealthy; fi
    elif [[ -n "${OFF[$name]}" ]]; then
      health="off (${OFF[$name]})"
    else
      health=stopped
    fi
    printf '%-18s %-8s %-22s %s\n' "$name" "$pid" "${ADDR[$name]:--}" "$health"
  done
}

cmd_logs() {
  local follow="" args=() name
  for name in "$@"; do
    if [[ "$name" == -f ]]; then follow=1; else args+=("$name"); fi
  done
  if [[ -n "$follow" ]]; then
    (( ${#args[@]} == 1 )) || stack_die "logs -f takes exactly one service"
    select_names "${args[0]}"
    exec tail -n 50 -F "$LOG_DIR/${args[0]}.log"
  fi
  select_names "${args[@]}"
  for name in "${SEL[@]}"; do
    [[ -f "$LOG_DIR/$name.log" ]] || continue
    say "==> $LOG_DIR/$name.log <=="
    tail -n 50 "$LOG_DIR/$name.log"
  done
}

usage() {
  sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

main() {
  local cmd="${1:-}"
  shift || true
  read_registry
  case "$cmd" in
    up) cmd_up "$@" ;;
    down) cmd_down "$@" ;;
    status) table "${NAMES[@]}" ;;
    logs) cmd_logs "$@" ;;
    prepare) cmd_prepare "$@" ;;
    _prepare) cmd_prepare_one "$@" ;;
    *) usage ;;
  esac
}

main "$@"
