# shellcheck shell=bash disable=SC2034 # svc_* are read by infra/stack.sh
# Kafka KRaft controller, node 1 (static quorum of one voter).
# shellcheck source=SCRIPTDIR/../kafka/kafka.sh
source "$INFRA_DIR/kafka/kafka.sh"
svc_address="127.0.0.1:9094"
svc_needs=""
svc_timeout=60
svc_prepare() { kafka_prepare; }
# C1 only: starts faster and the controller does little work (the brokers
# keep the full JIT for throughput).
svc_start() { kafka_start controller 1 9094 "-Xms128m -Xmx256m" "-XX:TieredStopAtLevel=1"; }
svc_healthy() { stack_port_open 127.0.0.1 9094; }
