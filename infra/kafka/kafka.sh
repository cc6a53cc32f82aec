# shellcheck shell=bash
# Shared by the Kafka service files (infra/services/1*-kafka-*.sh); sourced by
# infra/stack.sh, which provides STACK_DIR, INFRA_DIR, SVC_* and stack_*.
# The Kafka version is pinned once, in infra/kafka/pom.xml.

KAFKA_HOME="$STACK_DIR/kafka"
KAFKA_LIBS="$KAFKA_HOME/libs"
KAFKA_QUORUM_VOTERS="1@127.0.0.1:9094"
# Start-up speed matters more than peak throughput here (see infra/README.md).
KAFKA_JVM_OPTS="${KAFKA_JVM_OPTS:--XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError -XX:-UsePerfData -Djava.awt.headless=true}"

# The SASL_SSL listeners: TLS, SCRAM users, ACLs.
# shellcheck source=SCRIPTDIR/security.sh
source "$INFRA_DIR/kafka/security.sh"

kafka_version() {
  sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$INFRA_DIR/kafka/pom.xml"
}

# Copy the jars from Maven Central once per pom.xml content (marker file).
# The three nodes prepare in parallel: one copies, the others wait for it.
kafka_prepare() { stack_once kafka-jars kafka_copy_jars; }

kafka_copy_jars() {
  local marker tmp
  marker="$KAFKA_LIBS/.pom-$(sha256sum "$INFRA_DIR/kafka/pom.xml" | cut -c1-16)"
  [[ -f "$marker" ]] && return 0
  stack_need_cmd java "Kafka needs Java 17+"
  stack_need_cmd mvn "apt-get install -y maven"
  echo "  kafka: copying Kafka $(kafka_version) jars from Maven Central into $KAFKA_LIBS"
  tmp="$KAFKA_LIBS.tmp"
  rm -rf "$tmp"
  mkdir -p "$KAFKA_HOME"
  # Output to a file: even -q -B leaves terminal escape codes behind.
  mvn -q -B -f "$INFRA_DIR/kafka/pom.xml" dependency:copy-dependencies \
    -DoutputDirectory="$tmp" >"$KAFKA_HOME/mvn.log" 2>&1 \
    || { tail -n 30 "$KAFKA_HOME/mvn.log" >&2; stack_die "kafka: mvn failed; see $KAFKA_HOME/mvn.log"; }
  rm -rf "$KAFKA_LIBS" "$KAFKA_HOME"/*.jsa  # archives are tied to the jars
  mv "$tmp" "$KAFKA_LIBS"
  touch "$marker"
}

# A KRaft cluster id is 16 random bytes in URL-safe base64 without padding
# (what `kafka-storage random-uuid` prints; it also avoids a leading '-').
kafka_cluster_id() {
  local f="$KAFKA_HOME/cluster.id" id
  if [[ ! -s "$f" ]]; then
    mkdir -p "$KAFKA_HOME"
    id="-"
    while [[ "$id" == -* ]]; do
      id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
    done
    echo "$id" >"$f"
  fi
  cat "$f"
}

# kafka_render ROLE NODE_ID PORT: properties file for this node.
kafka_render() {
  local out="$KAFKA_HOME/$SVC_NAME.properties"
  sed -e "s|@NODE_ID@|$2|g" -e "s|@PORT@|$3|g" -e "s|@DATA_DIR@|$SVC_DATA|g" \
    -e "s|@SASL_PORT@|$(($3 + KAFKA_SASL_PORT_OFFSET))|g" -e "s|@TLS_DIR@|$KAFKA_TLS_DIR|g" \
    -e "s|@QUORUM_VOTERS@|$KAFKA_QUORUM_VOTERS|g" \
    "$INFRA_DIR/kafka/$1.properties.in" >"$out"
  echo "$out"
}


# kafka_start ROLE NODE_ID PORT HEAP [JVM_OPTS]: format the node's storage
# once, then run it. KAFKA_HEAP_OPTS replaces HEAP for every node.
kafka_start() {
  local props scram=()
  kafka_security_files
  props="$(kafka_render "$1" "$2" "$3")"
  if [[ ! -f "$SVC_DATA/meta.properties" ]]; then
    # Storage is formatted once per node with the stack's fixed cluster id; the
    # controller's holds the SCRAM users from its first start (security.sh). The
    # tool prints the users' SCRAM keys in its "Bootstrap metadata" line: not logged.
    [[ "$1" == controller ]] && mapfile -t scram < <(kafka_scram_format_args)
    java -Xmx128m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC \
      "-Dlog4j2.configurationFile=$INFRA_DIR/kafka/log4j2.xml" -cp "$KAFKA_LIBS/*" \
      kafka.tools.StorageTool format --cluster-id "$(kafka_cluster_id)" --config "$props" "${scram[@]}" 2>&1 \
      | sed '/^Bootstrap metadata:/d' >>"$SVC_LOG" || stack_die "$SVC_NAME: formatting storage failed; see $SVC_LOG"
    [[ "$1" != controller ]] || kafka_security_formatted
  fi
  local heap=() opts=()
  read -ra heap <<<"${KAFKA_HEAP_OPTS:-$4}"
  read -ra opts <<<"$KAFKA_JVM_OPTS ${5:-}"
  opts+=("$(kafka_cds_opt)")
  stack_spawn java "${heap[@]}" "${opts[@]}" \
    "-Dlog4j2.configurationFile=$INFRA_DIR/kafka/log4j2.xml" -cp "$KAFKA_LIBS/*" \
    kafka.Kafka "$props"
}

# Class-data sharing (AppCDS) makes the JVM start much faster on 2 cores.
# JDK 17 has no auto-archive: the first run of a node dumps the classes it
# loaded when it exits (on `down`), later runs map that archive. A stale or
# mismatched archive is only a warning: the JVM then starts without it.
kafka_cds_opt() {
  local jsa="$KAFKA_HOME/$SVC_NAME.jsa"
  if [[ "${KAFKA_CDS:-1}" != 1 ]]; then
    echo "-Xshare:auto"
  elif [[ -s "$jsa" ]]; then
    echo "-XX:SharedArchiveFile=$jsa"
  else
    echo "-XX:ArchiveClassesAtExit=$jsa"
  fi
}

# Broker health: it listens and has finished start-up. KafkaRaftServer logs
# "Kafka Server started" only after the broker registered with the controller
# and was unfenced, i.e. it can lead partitions.
kafka_broker_healthy() {
  stack_port_open 127.0.0.1 "$1" && stack_log_has "Kafka Server started"
}

# kafka_broker_service NODE_ID PORT [apply-security]: what a broker's service
# file defines (infra/stack.sh's service contract), the same for every broker
# but its node id and port. Those two are written into the functions' bodies,
# since stack.sh calls a service's functions after it has sourced the other
# service files. With apply-security (the last broker), the broker is healthy
# once the SCRAM users and their ACLs are as wanted too (security.sh).
# shellcheck disable=SC2034 # svc_* are read by infra/stack.sh
kafka_broker_service() {
  [[ "$1" =~ ^[0-9]+$ && "$2" =~ ^[0-9]+$ ]] || stack_die "kafka_broker_service: node id and port must be numbers, got '$1' '$2'"
  svc_address="127.0.0.1:$2"
  svc_needs="kafka-controller"
  svc_timeout=90
  svc_prepare() { kafka_prepare; }
  eval "svc_start() { kafka_start broker $1 $2 '-Xms256m -Xmx512m'; }"
  if [[ "${3:-}" == apply-security ]]; then
    # The ACLs are applied by scripts/kafka-local-acls.ts: node_modules too.
    svc_prepare() { kafka_prepare && node_prepare; }
    eval "svc_healthy() { kafka_broker_healthy $2 && kafka_security_apply $2 >>\"\$SVC_LOG\" 2>&1; }"
  else
    eval "svc_healthy() { kafka_broker_healthy $2; }"
  fi
}
