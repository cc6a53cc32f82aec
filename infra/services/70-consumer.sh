# shellcheck shell=bash
# The Kafka -> MongoDB sink (consumer/main.ts), consumer group mongo-sink.
# Health, readiness and metrics on CONSUMER_PORT.
# shellcheck source=SCRIPTDIR/../node/node.sh
source "$INFRA_DIR/node/node.sh"
CONSUMER_PORT="${CONSUMER_PORT:-1111}"
node_service "$CONSUMER_PORT" consumer/main.ts "kafka-broker-1 kafka-broker-2 ferretdb"
