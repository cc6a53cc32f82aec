# shellcheck shell=bash
# `stack.sh up` and `stack.sh prepare`, sourced by infra/stack.sh (which
# provides the registry, the state helpers and say/now/elapsed).
#
# Preparation runs in parallel: each service's svc_prepare is a process of its
# own (`stack.sh _prepare NAME` under setsid, so its pid leads a process group
# that holds the go build or pip under it), its output in logs/NAME.prepare.log.
# Preparations that several services share (Kafka's jars, node_modules) take a
# lock (stack_once), so one does the work while the others wait for it.
# `up` starts each service as soon as its own preparation is done and its
# svc_needs are healthy, and says every few seconds what is still coming.
# A preparation that fails fails the command with its log's tail; the others
# are stopped (their whole process groups) before it returns, so nothing is
# left running that no pid file records.

PROGRESS_EVERY=10           # seconds between "still coming" lines
UP_T0=""                    # when `up` began
declare -A PREP_PID=() PREP_T0=() STATE=() SINCE=() DEADLINE=() OK=() NEXT_CHECK=() EVERY=()

# stack_once NAME CMD...: run CMD holding the lock NAME (in $STACK_DIR/run),
# so services that share a preparation do it once: the first runs it, the
# others wait, then find it done and return at once.
stack_once() {
  local lock="$RUN_DIR/$1.lock"
  shift
  mkdir -p "$RUN_DIR"
  (
    flock 9
    "$@"
  ) 9>"$lock"
}

prep_log() { echo "$LOG_DIR/$1.prepare.log"; }

# prep_spawn NAME: start NAME's preparation in the background; false when it has none.
prep_spawn() {
  load "$1"
  declare -F svc_prepare >/dev/null || return 1
  mkdir -p "$LOG_DIR"
  setsid bash "$INFRA_DIR/stack.sh" _prepare "$1" </dev/null >"$(prep_log "$1")" 2>&1 &
  PREP_PID[$1]=$!
  PREP_T0[$1]="$(now)"
}

# prep_finished NAME: its preparation has ended; fails `up` (with the log's
# tail) when it did not succeed.
prep_finished() {
  local pid="${PREP_PID[$1]}" rc=0
  kill -0 "$pid" 2>/dev/null && return 1
  wait "$pid" || rc=$?
  unset "PREP_PID[$1]"
  (( rc == 0 )) || fail_with_log "$1" "preparation failed (exit $rc)" "$(prep_log "$1")"
  awk -v a="${PREP_T0[$1]}" -v b="$(now)" 'BEGIN { exit !(b - a >= 1) }' \
    && say "  $(printf '%-18s' "$1") prepared in $(elapsed "${PREP_T0[$1]}"); log: $(prep_log "$1")"
  return 0
}

# prep_stop_all: SIGTERM every preparation still running (its whole group),
# SIGKILL what is left 5 s later, and reap them. Runs on every exit.
prep_stop_all() {
  local name pid deadline=$((SECONDS + 5))
  (( ${#PREP_PID[@]} )) || return 0
  for pid in "${PREP_PID[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  for name in "${!PREP_PID[@]}"; do
    pid="${PREP_PID[$name]}"
    while kill -0 "$pid" 2>/dev/null && (( SECONDS < deadline )); do sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    echo "stack: stopped the preparation of $name" >&2
  done
  PREP_PID=()
}

# fail_with_log NAME WHY [LOG]: say what failed with the tail of its log, and exit.
fail_with_log() {
  local log="${3:-$LOG_DIR/$1.log}"
  {
    echo "stack: $1 $2; its log: $log"
    [[ -f "$log" ]] && tail -n 20 "$log" | sed 's/^/  | /'
  } >&2
  exit 1
}

# launch NAME: start it (its needs are healthy, its preparation is done).
launch() {
  local name="$1"
  port_taken_by_other "$name" \
    && stack_die "$name: ${ADDR[$name]} is already in use by a process not started by stack.sh"
  load "$name"
  mkdir -p "$LOG_DIR" "$RUN_DIR" "$SVC_DATA"
  # One log per run: health checks may grep the log for a "started" line.
  [[ -f "$SVC_LOG" ]] && mv -f "$SVC_LOG" "$SVC_LOG.1"
  svc_start
  say "  $(printf '%-18s' "$name") started, pid $(pid_of "$name")"
  starting "$name"
}

starting() {
  STATE[$1]=starting
  SINCE[$1]="$(now)"
  DEADLINE[$1]=$((SECONDS + TIMEOUT[$1]))
  NEXT_CHECK[$1]=0
  EVERY[$1]=250000
}

# Microseconds since the epoch, as an integer.
now_us() { echo "${EPOCHREALTIME/[.,]/}"; }

# check_health NAME: healthy now, or fail if it died or ran out of time.
# Each service is asked every 0.25 s at first, then less often (up to every
# second): many services start at once, and on two cores the checks (a fork,
# a curl) would take CPU from the starts they wait for.
check_health() {
  local name="$1" t
  t="$(now_us)"
  (( t >= NEXT_CHECK[$name] )) || return 0
  EVERY[$name]=$(( EVERY[$name] * 3 / 2 > 1000000 ? 1000000 : EVERY[$name] * 3 / 2 ))
  NEXT_CHECK[$name]=$(( t + EVERY[$name] ))
  if healthy "$name"; then
    STATE[$name]=healthy
    OK[$name]=1
    say "  $(printf '%-18s' "$name") healthy after $(elapsed "${SINCE[$name]}")"
  elif ! running "$name"; then
    fail_with_log "$name" "exited during start-up"
  elif (( SECONDS >= DEADLINE[$name] )); then
    fail_with_log "$name" "not healthy after ${TIMEOUT[$name]}s (still running, pid $(pid_of "$name"))"
  fi
}

# unready_needs NAME: the needs of NAME that are not healthy yet.
unready_needs() {
  local m out=""
  # shellcheck disable=SC2153 # NEEDS is infra/stack.sh's registry
  for m in ${NEEDS[$1]}; do [[ -n "${OK[$m]:-}" ]] || out+="${out:+ }$m"; done
  echo "$out"
}

# coming NAME...: one line of what is not healthy yet: preparing, starting,
# or waiting for needs (named once each).
coming() {
  local name m preparing="" starting="" waiting="" needs=" "
  for name in "$@"; do
    case "${STATE[$name]}" in
      preparing) preparing+=", $name" ;;
      starting) starting+=", $name" ;;
      prepared)
        waiting+=", $name"
        for m in $(unready_needs "$name"); do [[ "$needs" == *" $m "* ]] || needs+="$m "; done
        ;;
    esac
  done
  needs="${needs# }"
  needs="${needs% }"
  local parts=()
  [[ -z "$preparing" ]] || parts+=("preparing ${preparing#, }")
  [[ -z "$starting" ]] || parts+=("starting ${starting#, }")
  [[ -z "$waiting" ]] || parts+=("then ${waiting#, } (after ${needs// /, })")
  local line
  line="$(IFS=';'; echo "${parts[*]}")"
  say "  ... still coming after $(elapsed "$UP_T0"): ${line//;/; }"
}

cmd_up() {
  local names name last left started=0
  select_names "$@"
  drop_off "$( (( $# )) && echo named)"
  add_needs
  drop_off named
  names=("${SEL[@]}")
  trap prep_stop_all EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  UP_T0="$(now)"
  for name in "${names[@]}"; do
    if running "$name"; then
      if healthy "$name"; then STATE[$name]=healthy; OK[$name]=1; continue; fi
      say "  $(printf '%-18s' "$name") running, waiting for health"
      starting "$name"
    elif prep_spawn "$name"; then
      STATE[$name]=preparing
    else
      STATE[$name]=prepared
    fi
    started=1
  done
  last=$SECONDS
  while :; do
    left=0
    for name in "${names[@]}"; do
      case "${STATE[$name]}" in
        preparing) prep_finished "$name" && STATE[$name]=prepared ;;
      esac
      case "${STATE[$name]}" in
        prepared) [[ -n "$(unready_needs "$name")" ]] || launch "$name" ;;
        starting) check_health "$name" ;;
      esac
      [[ "${STATE[$name]}" == healthy ]] || left=1
    done
    (( left )) || break
    if (( SECONDS - last >= PROGRESS_EVERY )); then coming "${names[@]}"; last=$SECONDS; fi
    sleep 0.25
  done
  trap - EXIT INT TERM
  (( started == 0 )) || say "up in $(elapsed "$UP_T0")"
  table "${names[@]}"
  open_lines "${names[@]}"
}

# open_lines NAME...: what to open in a browser, with its login, from the
# services' svc_open (lines "what|url|login").
open_lines() {
  local name what url login header=""
  for name in "$@"; do
    load "$name"
    declare -F svc_open >/dev/null || continue
    while IFS='|' read -r what url login; do
      [[ -n "$header" ]] || { say ""; say "Open:"; header=1; }
      printf '  %-10s %-36s %s\n' "$what" "$url" "$login"
    done < <(svc_open)
  done
}

# stack_path FILE: FILE relative to the repository when it lies inside it (shorter to read).
stack_path() { echo "${1#"$REPO_DIR"/}"; }

# prepare [NAME...]: every preparation in parallel; fails with the first failure's log tail.
cmd_prepare() {
  local name left
  select_names "$@"
  drop_off "$( (( $# )) && echo named)"
  trap prep_stop_all EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  for name in "${SEL[@]}"; do prep_spawn "$name" || true; done
  while :; do
    left=0
    for name in "${!PREP_PID[@]}"; do prep_finished "$name" || left=1; done
    (( left )) || break
    sleep 0.25
  done
  trap - EXIT INT TERM
}

# _prepare NAME: one service's preparation (what prep_spawn runs).
cmd_prepare_one() {
  select_names "$1"
  load "$1"
  svc_prepare
}
