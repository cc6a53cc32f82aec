"""
### bullmq_probe

A one-task DAG for the tests: BullMQJobOperator through Airflow's real
deferral path (`airflow dags test` runs the trigger in-process). The queue and
the wait come from PROBE_QUEUE and PROBE_WAIT_SEC; retries from PROBE_RETRIES
(default 0), PROBE_RETRY_DELAY_SEC apart (default 1).
"""

from __future__ import annotations

import os

from datetime import timedelta

import pendulum
from airflow.sdk import dag

from kafka_pipeline_provider.operators.bullmq import BullMQJobOperator


@dag(schedule=None, start_date=pendulum.datetime(2026, 1, 1, tz="UTC"), catchup=False, doc_md=__doc__)
def bullmq_probe():
    BullMQJobOperator(
        task_id="produce",
        job_name="somedata",
        queue_name=os.environ.get("PROBE_QUEUE", "probe"),
        job_data={"durationSec": 1, "intervalSec": 0},
        wait_timeout_sec=float(os.environ.get("PROBE_WAIT_SEC", "5")),
        poll_interval=0.5,
        retries=int(os.environ.get("PROBE_RETRIES", "0")),
        retry_delay=timedelta(seconds=float(os.environ.get("PROBE_RETRY_DELAY_SEC", "1"))),
    )


bullmq_probe()
