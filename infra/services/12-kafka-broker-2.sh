# shellcheck shell=bash
# Kafka broker, node 3: healthy once the SASL_SSL users and ACLs are in place too.
# shellcheck source=SCRIPTDIR/../kafka/kafka.sh
source "$INFRA_DIR/kafka/kafka.sh"
# shellcheck source=SCRIPTDIR/../node/node.sh
source "$INFRA_DIR/node/node.sh"
kafka_broker_service 3 9093 apply-security
