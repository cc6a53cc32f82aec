# shellcheck shell=bash
# Kafka broker, node 3.
# shellcheck source=SCRIPTDIR/../kafka/kafka.sh
source "$INFRA_DIR/kafka/kafka.sh"
kafka_broker_service 3 9093
