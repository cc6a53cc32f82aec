# shellcheck shell=bash disable=SC2034 # svc_* are read by infra/stack.sh
# Kafka broker, node 3.
# shellcheck source=SCRIPTDIR/../kafka/kafka.sh
source "$INFRA_DIR/kafka/kafka.sh"
svc_address="127.0.0.1:9093"
svc_needs="kafka-controller"
svc_timeout=90
svc_prepare() { kafka_prepare; }
svc_start() { kafka_start broker 3 9093 "-Xms256m -Xmx512m"; }
svc_healthy() { kafka_broker_healthy 9093; }
