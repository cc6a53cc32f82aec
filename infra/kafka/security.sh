# shellcheck shell=bash
# The brokers' SASL_SSL listeners (127.0.0.1:9192 on node 2, :9193 on node 3),
# sourced by infra/kafka/kafka.sh: TLS from a CA the stack generates once,
# SCRAM-SHA-512 logins, one user per service with the ACLs TypeScript defines
# (lib/kafka/service-acls.ts, as for Strimzi). The plaintext listeners and the
# controller are unchanged: their clients are User:ANONYMOUS, a super user.
#
#   .stack/kafka/tls/ca.crt             the CA a client trusts (KAFKA_SSL_CA_FILE)
#   .stack/kafka/tls/ca.key             its key, which signs the brokers' certificate
#   .stack/kafka/tls/broker.pem         the brokers' key and certificate (PEM keystore),
#                                       for 127.0.0.1 and localhost
#   .stack/kafka/users/<user>.password  each user's password (KAFKA_SASL_PASSWORD_FILE)
#
# Every file but ca.crt is mode 600. Users: the names of deploy/platform/kafka/users.yaml
# (generated from lib/kafka/service-acls.ts). Their SCRAM credentials are written
# when the controller's storage is formatted (`--add-scram`, no cost at start-up);
# the ACLs once the brokers are up (kafka_security_apply). Both are recorded in
# the controller's data directory, so a warm start does neither again.

KAFKA_TLS_DIR="$KAFKA_HOME/tls"
KAFKA_USERS_DIR="$KAFKA_HOME/users"
KAFKA_CONTROLLER_DATA="$STACK_DIR/data/kafka-controller"
# A broker's SASL_SSL port is its plaintext port + 100.
# shellcheck disable=SC2034 # read by kafka.sh
KAFKA_SASL_PORT_OFFSET=100

# The SCRAM users, one per line.
kafka_users() {
  sed -n 's/^  name: "\(kafka-pipeline-[a-z0-9-]*\)"$/\1/p' "$REPO_DIR/deploy/platform/kafka/users.yaml"
}

# The TLS files and the passwords, made once (the three nodes share them).
kafka_security_files() { stack_once kafka-security kafka_make_security_files; }

kafka_make_security_files() {
  local user file
  stack_need_cmd openssl "apt-get install -y openssl"
  mkdir -p "$KAFKA_TLS_DIR" "$KAFKA_USERS_DIR"
  chmod 700 "$KAFKA_TLS_DIR" "$KAFKA_USERS_DIR"
  # A certificate that expires within a day is made again (the CA lasts ten years).
  if ! openssl x509 -checkend 86400 -noout -in "$KAFKA_TLS_DIR/broker.pem" >/dev/null 2>&1; then
    kafka_make_certificates >>"$KAFKA_HOME/tls.log" 2>&1 || stack_die "kafka: making the TLS certificates failed; see $KAFKA_HOME/tls.log"
  fi
  for user in $(kafka_users); do
    file="$KAFKA_USERS_DIR/$user.password"
    [[ -s "$file" ]] && continue
    # Letters and digits only: the password goes into SCRAM's `[name=...,password=...]` syntax.
    (umask 077 && head -c 48 /dev/urandom | base64 -w0 | tr -dc 'A-Za-z0-9' | head -c 32 >"$file")
  done
}

kafka_make_certificates() (
  set -e
  umask 077
  cd "$KAFKA_TLS_DIR"
  if ! openssl x509 -checkend 86400 -noout -in ca.crt >/dev/null 2>&1; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
      -subj "/CN=kafka-pipeline local CA" -keyout ca.key -out ca.crt \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
    chmod 644 ca.crt
  fi
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -subj "/CN=kafka-pipeline local broker" -keyout broker.key -out broker.csr
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' >broker.ext
  openssl x509 -req -in broker.csr -CA ca.crt -CAkey ca.key -set_serial "0x$(openssl rand -hex 16)" \
    -days 825 -extfile broker.ext -out broker.crt
  # Kafka's PEM keystore: the (PKCS#8) key and the certificate chain in one file.
  cat broker.key broker.crt ca.crt >broker.pem.tmp
  mv broker.pem.tmp broker.pem
  rm -f broker.key broker.csr broker.ext broker.crt
)

# `--add-scram` arguments for the storage format: every user's SCRAM-SHA-512 credential.
kafka_scram_format_args() {
  local user
  for user in $(kafka_users); do
    printf -- '--add-scram\nSCRAM-SHA-512=[name=%s,password=%s]\n' "$user" "$(cat "$KAFKA_USERS_DIR/$user.password")"
  done
}

# What the credentials and the ACLs are made from: when it changes, they are made again.
kafka_scram_digest() {
  local user
  for user in $(kafka_users); do echo "$user $(cat "$KAFKA_USERS_DIR/$user.password")"; done | sha256sum | cut -c1-16
}
kafka_acls_digest() {
  {
    kafka_users
    cat "$REPO_DIR/lib/kafka/service-acls.ts" "$REPO_DIR/lib/kafka/dead-letter-headers.ts" "$REPO_DIR/lib/config-env.ts"
    env | grep -E '^(TOPIC_SOMEDATA|TOPIC_FOOTDATA|TOPIC_DLQ|CONSUMER_GROUP|READER_DLQ_GROUP)=' | sort
  } | sha256sum | cut -c1-16
}

# After the controller's storage was formatted with the users: say so.
kafka_security_formatted() { kafka_scram_digest >"$KAFKA_CONTROLLER_DATA/scram.digest"; }

# kafka_security_apply PORT: the users and the ACLs as wanted, through the
# plaintext listener on PORT; nothing to do (no process started) when the
# controller's records say they are. Output goes to the calling node's log.
kafka_security_apply() {
  local port="$1" user
  if [[ "$(cat "$KAFKA_CONTROLLER_DATA/scram.digest" 2>/dev/null)" != "$(kafka_scram_digest)" ]]; then
    # Storage formatted before the users existed, or a password file made anew: set each credential.
    for user in $(kafka_users); do
      echo "kafka-security: setting the SCRAM-SHA-512 credential of $user"
      java -Xmx128m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC \
        "-Dlog4j2.configurationFile=$INFRA_DIR/kafka/log4j2.xml" -cp "$KAFKA_LIBS/*" \
        kafka.admin.ConfigCommand --bootstrap-server "127.0.0.1:$port" --alter --entity-type users \
        --entity-name "$user" --add-config "SCRAM-SHA-512=[password=$(cat "$KAFKA_USERS_DIR/$user.password")]" \
        || return 1
    done
    kafka_security_formatted
  fi
  [[ "$(cat "$KAFKA_CONTROLLER_DATA/acls.digest" 2>/dev/null)" == "$(kafka_acls_digest)" ]] && return 0
  (
    cd "$REPO_DIR" || exit 1
    env -u KAFKA_SASL_MECHANISM -u KAFKA_SASL_USERNAME -u KAFKA_SASL_PASSWORD_FILE -u KAFKA_SSL_CA_FILE \
      KAFKA_SECURITY_PROTOCOL=PLAINTEXT KAFKA_BROKERS="127.0.0.1:$port" \
      node --import tsx scripts/kafka-local-acls.ts
  ) || return 1
  kafka_acls_digest >"$KAFKA_CONTROLLER_DATA/acls.digest"
}
