# shellcheck shell=bash disable=SC2034 # svc_* are read by infra/stack.sh
# The Kafka -> MongoDB sink (consumer/main.ts), consumer group mongo-sink.
# Health, readiness and metrics on CONSUMER_PORT.
CONSUMER_PORT="${CONSUMER_PORT:-1111}"
svc_address="127.0.0.1:$CONSUMER_PORT"
svc_needs="kafka-broker-1 kafka-broker-2 ferretdb"
svc_timeout=60

svc_start() { stack_node_spawn --import tsx consumer/main.ts; }
svc_healthy() { stack_answers "$svc_address/readyz"; }
