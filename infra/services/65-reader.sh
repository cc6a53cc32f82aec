# shellcheck shell=bash disable=SC2034 # svc_* are read by infra/stack.sh
# The read API (reader/main.ts): GET /matches, /standings/:competition,
# /insights/somedata, /events/:eventId from MongoDB; copies the DLQ topic into
# the dead_letters collection (consumer group READER_DLQ_GROUP). Its own process
# beside the producers API, so a store outage never makes the ingest API unready.
READER_PORT="${READER_PORT:-5001}"
svc_address="127.0.0.1:$READER_PORT"
svc_needs="kafka-broker-1 kafka-broker-2 ferretdb"
svc_timeout=60

svc_start() { stack_node_spawn --import tsx reader/main.ts; }
svc_healthy() { stack_answers "$svc_address/readyz"; }
