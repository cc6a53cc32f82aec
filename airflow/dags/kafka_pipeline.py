"""
### kafka_pipeline

Runs the pipeline's producers as BullMQ jobs and checks that what they
published reached MongoDB.

```
produce_somedata ─┐
                  ├─> verify_sink
produce_footdata ─┘
```

- **produce_somedata** adds a `somedata` job to the `producer-jobs` queue:
  simulated user traffic against the API for `somedata_duration_sec` seconds,
  one request every `somedata_interval_sec` seconds, each one event in Kafka.
- **produce_footdata** adds a `footdata` job: one poll of today's matches,
  one Kafka record per match.
- Both wait for their job in the triggerer (no worker slot held) and return
  the job's result `{published, failed, topic, lastOffsets, ...}`. Every event
  carries this run's id as `runId`. The job id is derived from it and from the
  task's current series of tries: an automatic retry never adds a second job,
  a user's clear runs a new one (it produces again). A job interrupted by a
  worker's shutdown is retried, never completed; one that lost more than its
  `maxFailedShare` (5%) of its records fails the task.
- **verify_sink** runs when no producer failed and at least one ran: each
  producer that ran published something, the sink's consumer group
  (`mongo-sink`) committed past this run's last offsets on every partition,
  and MongoDB holds the events (somedata: one document per event; footdata:
  see `plugins/kafka_pipeline_provider/sink_rules.py` for why matches are
  checked by state rather than by run id), within `verify_timeout_sec`. It
  waits deferred to the triggerer (a sensor holding no worker slot).

A producer left out of `producers` is skipped. The schedule comes from
`KAFKA_PIPELINE_SCHEDULE` (cron or preset; `none` for manual runs only;
default every 5 minutes). Connections: `redis_default`, `mongo_default` and
`kafka_default` (`AIRFLOW_CONN_REDIS_DEFAULT` read by RedisHook,
`AIRFLOW_CONN_MONGO_DEFAULT`, `AIRFLOW_CONN_KAFKA_DEFAULT` read by the Apache
Kafka provider), falling back to `REDIS_URL`, `MONGO_URL`/`MONGO_DB` and
`KAFKA_BROKERS`; the sink's group: `CONSUMER_GROUP`.
The queue: `QUEUE_NAME` (default `producer-jobs`). The params' bounds and
defaults are the somedata job's own (`contracts/job-data/somedata.schema.json`).
"""

from __future__ import annotations

import os
from datetime import timedelta

from airflow.sdk import Param, TriggerRule, dag

from kafka_pipeline_provider.assets import TOPIC_COLLECTIONS
from kafka_pipeline_provider.contracts import default_queue_name, job_field, job_names
from kafka_pipeline_provider.dag_defaults import pipeline_dag_args, schedule_from_env
from kafka_pipeline_provider.operators.bullmq import BullMQJobOperator
from kafka_pipeline_provider.sensors.sink import SinkSensor

# The producer jobs this DAG runs, one task each (the queue's footdata-season
# job is dags/football_season.py's); below, each Param's type, bounds and
# default come from contracts/ (written from the workers' zod schemas by `npm run contracts`).
PRODUCERS = ["somedata", "footdata"]
if not set(PRODUCERS) <= set(job_names()):
    raise ValueError(f"{PRODUCERS} must be jobs of the queue, which has {job_names()} (contracts/queue.json)")

DEFAULT_SCHEDULE = "*/5 * * * *"


@dag(
    # KAFKA_PIPELINE_SCHEDULE: a cron expression or preset; `none` = manual runs only.
    schedule=schedule_from_env("KAFKA_PIPELINE_SCHEDULE", DEFAULT_SCHEDULE),
    # The worker-side parts only; waiting for a job is bounded by the operator's wait_timeout_sec.
    **pipeline_dag_args(execution_timeout=timedelta(minutes=2)),
    max_active_runs=1,
    doc_md=__doc__,
    tags=["kafka-pipeline", "bullmq"],
    render_template_as_native_obj=True,  # job data keeps its types (durationSec is a number)
    dagrun_timeout=timedelta(hours=2),
    params={
        "producers": Param(
            PRODUCERS,
            type="array",
            items={"type": "string", "enum": PRODUCERS},
            uniqueItems=True,
            description="Which producer jobs to run; the others are skipped.",
        ),
        "somedata_duration_sec": Param(
            **job_field("somedata", "durationSec"), description="How long the somedata job sends traffic, in seconds."
        ),
        "somedata_interval_sec": Param(
            **job_field("somedata", "intervalSec"),
            description="Pause between two requests, in seconds; 0 = as fast as the API answers.",
        ),
        "somedata_max_events": Param(
            **job_field("somedata", "maxEvents"),
            description="Stop the somedata job after this many events (empty: only the duration bounds it).",
        ),
        "verify_timeout_sec": Param(
            60, type="integer", minimum=1, maximum=3600, description="How long verify_sink waits for the events to reach MongoDB."
        ),
    },
)
def kafka_pipeline():
    queue_name = os.environ.get("QUEUE_NAME") or default_queue_name()

    somedata = BullMQJobOperator(
        task_id="produce_somedata",
        job_name="somedata",
        queue_name=queue_name,
        enabled="{{ 'somedata' in params.producers }}",
        job_data={
            "durationSec": "{{ params.somedata_duration_sec }}",
            "intervalSec": "{{ params.somedata_interval_sec }}",
            "maxEvents": "{{ params.somedata_max_events }}",
        },
        # The traffic lasts durationSec; the rest covers queueing, a BullMQ retry or two, and the publish.
        wait_timeout_sec="{{ params.somedata_duration_sec + 180 }}",
    )
    footdata = BullMQJobOperator(
        task_id="produce_footdata",
        job_name="footdata",
        queue_name=queue_name,
        enabled="{{ 'footdata' in params.producers }}",
        wait_timeout_sec=300,
    )

    # The sink consumed every record this run's jobs published, and MongoDB holds them (bounded wait, in the triggerer).
    SinkSensor(
        task_id="verify_sink",
        results={"somedata": somedata.output, "footdata": footdata.output},
        wait_timeout_sec="{{ params.verify_timeout_sec }}",
        trigger_rule=TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS,
        retries=1,
        outlets=TOPIC_COLLECTIONS,
    )


kafka_pipeline()
