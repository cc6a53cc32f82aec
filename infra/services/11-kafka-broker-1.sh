# shellcheck shell=bash
# Kafka broker, node 2.
# shellcheck source=SCRIPTDIR/../kafka/kafka.sh
source "$INFRA_DIR/kafka/kafka.sh"
kafka_broker_service 2 9092
