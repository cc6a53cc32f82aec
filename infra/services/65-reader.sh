# shellcheck shell=bash
# The read API (reader/main.ts): GET /matches, /standings/:competition,
# /insights/somedata, /events/:eventId from MongoDB; copies the DLQ topic into
# the dead_letters collection (consumer group READER_DLQ_GROUP). Its own process
# beside the producers API, so a store outage never makes the ingest API unready.
# shellcheck source=SCRIPTDIR/../node/node.sh
source "$INFRA_DIR/node/node.sh"
READER_PORT="${READER_PORT:-5001}"
node_service "$READER_PORT" reader/main.ts "kafka-broker-1 kafka-broker-2 ferretdb"
