"""
The Airflow Assets of the pipeline's MongoDB collections, declared once so the
DAGs that write and read them name the same ones and the UI draws the lineage
producer jobs -> topic collections (kafka_pipeline's verify_sink) -> insights.

The URIs are the MongoDB provider's (`mongodb://<host>:<port>/<database>/<collection>`,
checked by its URI handler): the server the services
write to (the first host of MONGO_URL, as lib/config.ts reads it; 127.0.0.1:27017
by default) and the database MONGO_DB (default `pipeline`). An Asset is an
identity for lineage, not a connection: the tasks reach the server through the
`mongo_default` connection (hooks/mongo.py PipelineMongoHook).
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from airflow.sdk import Asset

from kafka_pipeline_provider.hooks.mongo import DEFAULT_DB, DEFAULT_MONGO_URL


def store_address(mongo_url: str) -> str:
    """`host:port` of the first server of a mongodb:// or mongodb+srv:// URL, without its credentials."""
    first = urlsplit(mongo_url).netloc.rpartition("@")[2].split(",")[0]
    server = urlsplit(f"//{first}")
    try:
        port = server.port or 27017
    except ValueError as error:  # a port out of range or not a number: say where, without the credentials
        raise ValueError(f"MONGO_URL names the server {first!r}, whose port is not valid ({error})") from None
    host = server.hostname or "127.0.0.1"
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


ADDRESS = store_address(os.environ.get("MONGO_URL") or DEFAULT_MONGO_URL)
DATABASE = os.environ.get("MONGO_DB") or DEFAULT_DB


def collection_asset(collection: str) -> Asset:
    return Asset(name=f"{DATABASE}.{collection}", uri=f"mongodb://{ADDRESS}/{DATABASE}/{collection}", group="mongodb")


SOMEDATA = collection_asset("somedata")
FOOTDATA = collection_asset("footdata")
TOPIC_COLLECTIONS = [SOMEDATA, FOOTDATA]
STANDINGS = collection_asset("standings")
SOMEDATA_HOURLY = collection_asset("somedata_hourly")
PIPELINE_VOLUME_HOURLY = collection_asset("pipeline_volume_hourly")
