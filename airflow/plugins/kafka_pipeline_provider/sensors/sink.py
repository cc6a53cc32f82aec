"""
SinkSensor (kafka_pipeline's `verify_sink`): waits until the sink has consumed
what the run's producer jobs published and MongoDB holds it (the check:
sink_checker.py; its rules per collection: sink_rules.py), within a bounded
wait, holding no worker slot while it waits.

It takes one look on the worker: when the sink has caught up already, the
task ends there. Otherwise it defers to SinkTrigger (triggers/sink.py), which
looks again every `poll_interval` seconds in the triggerer, and the task
resumes on a worker only to return the report (its XCom) or fail with the
numbers. A failure is retried as any task's (`retries`): waiting cannot mend
a failed rule, but a second try reads the store again from the start.

MongoDB: the `mongo_conn_id` connection (hooks/mongo.py PipelineMongoHook);
Kafka: the `kafka_config_id` connection (hooks/kafka.py KafkaOffsetsHook) and
CONSUMER_GROUP, the sink's group.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from airflow.sdk import BaseSensorOperator, PokeReturnValue
from airflow.sdk.exceptions import AirflowException, AirflowFailException

from kafka_pipeline_provider.hooks.mongo import PipelineMongoHook
from kafka_pipeline_provider.sink_checker import (
    DEFAULT_KAFKA_CONN_ID,
    SinkChecker,
    SinkCheckFailed,
    mongo_failure,
    nothing_to_verify,
)
from kafka_pipeline_provider.triggers.sink import SinkTrigger

# Beyond the trigger's own timeout: how long Airflow waits before it declares the deferral lost.
DEFERRAL_GRACE = timedelta(seconds=60)


class SinkSensor(BaseSensorOperator):
    """
    :param results: collection name (an event type: somedata, footdata) -> the
        result of the producer job that wrote it, None when that producer did
        not run (templated: the producer tasks' XComArgs).
    :param mongo_conn_id: the Airflow connection to MongoDB. Default: `mongo_default`.
    :param kafka_config_id: the Airflow connection to Kafka. Default: `kafka_default`.
    :param wait_timeout_sec: how long to wait for the sink (templated, seconds). Default: 60.
    :param poll_interval: seconds between two looks. Default: 2.
    """

    template_fields = ("results", "wait_timeout_sec")
    template_fields_renderers = {"results": "json"}
    ui_color = "#00ed64"  # MongoDB green

    def __init__(
        self,
        *,
        results: Mapping[str, Any] | str,
        mongo_conn_id: str = PipelineMongoHook.default_conn_name,
        kafka_config_id: str = DEFAULT_KAFKA_CONN_ID,
        wait_timeout_sec: int | float | str = 60,
        poll_interval: float = 2.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(poke_interval=poll_interval, **kwargs)
        if poll_interval <= 0:
            raise ValueError("poll_interval must be positive (seconds between two looks at the store)")
        self.results = results
        self.mongo_conn_id = mongo_conn_id
        self.kafka_config_id = kafka_config_id
        self.wait_timeout_sec = wait_timeout_sec
        self.poll_interval = poll_interval

    def execute(self, context: Any) -> Any:
        timeout_sec = float(self.wait_timeout_sec)
        if timeout_sec <= 0:
            raise AirflowFailException(f"wait_timeout_sec must be positive, got {self.wait_timeout_sec!r}")
        first = self.poke(context)
        if first:
            return first.xcom_value
        self.log.info("the sink has not caught up with run %s yet: waiting in the triggerer, at most %ss", context["run_id"], timeout_sec)
        self.defer(
            trigger=SinkTrigger(
                run_id=context["run_id"],
                results=self._results(),
                mongo_conn_id=self.mongo_conn_id,
                kafka_config_id=self.kafka_config_id,
                timeout_sec=timeout_sec,
                poll_interval=self.poll_interval,
            ),
            method_name="execute_complete",
            timeout=timedelta(seconds=timeout_sec) + DEFERRAL_GRACE,
        )

    def poke(self, context: Any) -> PokeReturnValue:
        """One look, on the worker: done with the report, or not yet; fails at once on a failure waiting cannot mend."""
        run_id, results = context["run_id"], self._results()
        with PipelineMongoHook(self.mongo_conn_id) as hook:
            try:
                checker = SinkChecker(
                    hook.get_database(), run_id, timeout_sec=float(self.wait_timeout_sec), log=self.log.info, kafka_config_id=self.kafka_config_id
                )
                checks = checker.begin(results)
                if not checks:
                    return PokeReturnValue(True, nothing_to_verify(run_id))
                self.log.info("checking MongoDB database %s (from %s) for run %s", hook.database, hook.source, run_id)
                checker.look(checks, results)
                report = checker.outcome(checks, waited=0.0)
            except (SinkCheckFailed, ValueError) as error:
                raise AirflowException(str(error)) from error
            except Exception as error:
                failure = mongo_failure(error, hook)
                if failure is None:
                    raise
                raise AirflowException(str(failure)) from error
        return PokeReturnValue(report is not None, report)

    def execute_complete(self, context: Any, event: dict[str, Any]) -> Any:
        if event.get("status") == "passed":
            return event["report"]
        if event.get("status") == "failed":
            raise AirflowException(event.get("message"))
        raise AirflowException(f"unexpected event from SinkTrigger: {event!r}")

    def _results(self) -> dict[str, Any]:
        if not isinstance(self.results, Mapping):
            raise AirflowFailException(f"results must render to a mapping, got {type(self.results).__name__}: {self.results!r}")
        return dict(self.results)
