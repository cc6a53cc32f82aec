"""
The Airflow Assets of the pipeline's MongoDB collections, declared once so the
DAGs that write and read them name the same ones and the UI draws the lineage
producer jobs -> topic collections (kafka_pipeline's verify_sink) -> insights.

The URI names the collection, not a server: `mongodb://<database>/<collection>`
with the default database `pipeline` (an Asset is an identity for lineage, not a
connection string; the DAGs find the server through `mongo_default`).
"""

from __future__ import annotations

from airflow.sdk import Asset


def collection_asset(collection: str, database: str = "pipeline") -> Asset:
    return Asset(name=f"{database}.{collection}", uri=f"mongodb://{database}/{collection}", group="mongodb")


SOMEDATA = collection_asset("somedata")
FOOTDATA = collection_asset("footdata")
TOPIC_COLLECTIONS = [SOMEDATA, FOOTDATA]
STANDINGS = collection_asset("standings")
SOMEDATA_HOURLY = collection_asset("somedata_hourly")
PIPELINE_VOLUME_HOURLY = collection_asset("pipeline_volume_hourly")
