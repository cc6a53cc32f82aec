"""
SinkTrigger: the wait of verify_sink (sensors/sink.py) in the triggerer, so no
worker slot is held while the sink catches up. Every `poll_interval` seconds
it takes one look at MongoDB and the sink group's committed offsets
(sink_checker.py SinkChecker), each in a thread (pymongo and the Kafka reads
block), and fires one event:

  {"status": "passed", "report": {...}}   what was checked, with the counts
  {"status": "failed", "message": "..."}  the numbers: a rule failed for good, or the wait ended
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Mapping
from typing import Any

from airflow.triggers.base import BaseTrigger, TriggerEvent

from kafka_pipeline_provider.hooks.mongo import PipelineMongoHook
from kafka_pipeline_provider.sink_checker import (
    DEFAULT_KAFKA_CONN_ID,
    SinkChecker,
    SinkCheckFailed,
    mongo_failure,
    nothing_to_verify,
)

CLASSPATH = "kafka_pipeline_provider.triggers.sink.SinkTrigger"


class SinkTrigger(BaseTrigger):
    """
    :param run_id: the run whose events are looked for.
    :param results: collection name -> the producer job's result (None: it did not run).
    :param mongo_conn_id: the Airflow connection to MongoDB. Default: `mongo_default`.
    :param kafka_config_id: the Airflow connection to Kafka. Default: `kafka_default`.
    :param timeout_sec: the bounded wait. Default: 60.
    :param poll_interval: seconds between two looks. Default: 2.
    """

    def __init__(
        self,
        *,
        run_id: str,
        results: Mapping[str, Any],
        mongo_conn_id: str = PipelineMongoHook.default_conn_name,
        kafka_config_id: str = DEFAULT_KAFKA_CONN_ID,
        timeout_sec: float = 60,
        poll_interval: float = 2.0,
    ):
        super().__init__()
        self.run_id = run_id
        self.results = dict(results)
        self.mongo_conn_id = mongo_conn_id
        self.kafka_config_id = kafka_config_id
        self.timeout_sec = timeout_sec
        self.poll_interval = poll_interval

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            CLASSPATH,
            {
                "run_id": self.run_id,
                "results": self.results,
                "mongo_conn_id": self.mongo_conn_id,
                "kafka_config_id": self.kafka_config_id,
                "timeout_sec": self.timeout_sec,
                "poll_interval": self.poll_interval,
            },
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        hook = PipelineMongoHook(self.mongo_conn_id)
        try:
            yield TriggerEvent(await self._wait(hook))
        finally:
            await asyncio.to_thread(hook.close)

    async def _wait(self, hook: PipelineMongoHook) -> dict[str, Any]:
        from asgiref.sync import sync_to_async

        from kafka_pipeline_provider.hooks.kafka import KafkaOffsetsError

        try:
            # The hooks read their Airflow connections synchronously: off the event loop, as triggers/bullmq.py does.
            db = await sync_to_async(hook.get_database)()
            self.log.info("waiting for run %s in MongoDB database %s (from %s), at most %ss", self.run_id, db.name, hook.source, self.timeout_sec)
            checker = SinkChecker(db, self.run_id, timeout_sec=self.timeout_sec, log=self.log.info, kafka_config_id=self.kafka_config_id)
            checks = await asyncio.to_thread(checker.begin, self.results)
            if not checks:
                return {"status": "passed", "report": nothing_to_verify(self.run_id)}
            try:
                await sync_to_async(checker.open_kafka)()
            except KafkaOffsetsError as error:
                return {"status": "failed", "message": f"cannot read the committed offsets of group {checker.group}: {error}"}
            started = time.monotonic()
            while True:
                await asyncio.to_thread(checker.look, checks, self.results)
                report = checker.outcome(checks, time.monotonic() - started)
                if report is not None:
                    return {"status": "passed", "report": report}
                await asyncio.sleep(self.poll_interval)
        except (SinkCheckFailed, ValueError) as error:
            return {"status": "failed", "message": str(error)}
        except Exception as error:
            failure = mongo_failure(error, hook)
            if failure is None:
                raise
            return {"status": "failed", "message": str(failure)}
