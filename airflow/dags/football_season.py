"""
### football_season

The season backfill: publishes a season of each competition through the
pipeline itself, then has the `insights` DAG compute the tables, so a fresh
stack has standings to show without waiting for the day's first finished
match and the next hourly run (how soon: bench/first-standings.sh).

```
publish_season ──> verify_sink ──> compute_standings (triggers an insights run)
```

- **publish_season** adds a `footdata-season` job to the `producer-jobs`
  queue: for each competition of `competitions`, the API's
  `/footdata/competitions/<code>/matches?season=<season>` (football-data.org
  v4 with `FOOT_TOKEN`, from the same rate budget; the simulator without),
  published as one record per match on the `footdata` topic by the same
  publisher as every poll; the sink keeps one document per match id, so a
  rerun stores nothing twice. The job waits out a spent budget
  (Retry-After) and skips, on a retry, the competitions already published.
- **verify_sink**: `kafka_pipeline`'s check of the footdata it published
  (the sink's group committed past its offsets; every match stored at its
  published state or newer), within `verify_timeout_sec`.
- **compute_standings** triggers an `insights` run. It is a manual run, so it
  gets the interval the insights' own timetable infers for one (the last
  complete hour, as a press of Trigger does): the hourly schedule and its
  intervals are left as they are, and the tables rest on every match
  finished before that hour.

Runs once (`@once`) when it first appears, i.e. right after the first
`make up` (the DAGs are unpaused at creation); trigger it again for another
`season` or other `competitions`. `FOOTBALL_SEASON_SCHEDULE` sets another
schedule (`none`: manual runs only). Connections as `kafka_pipeline`'s.
"""

from __future__ import annotations

import os
from datetime import timedelta

from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator
from airflow.sdk import Param, dag

from kafka_pipeline_provider.assets import FOOTDATA
from kafka_pipeline_provider.contracts import default_queue_name, job_field
from kafka_pipeline_provider.dag_defaults import pipeline_dag_args, schedule_from_env
from kafka_pipeline_provider.operators.bullmq import BullMQJobOperator
from kafka_pipeline_provider.sensors.sink import SinkSensor

JOB = "footdata-season"


@dag(
    schedule=schedule_from_env("FOOTBALL_SEASON_SCHEDULE", "@once"),
    **pipeline_dag_args(execution_timeout=timedelta(minutes=2)),
    max_active_runs=1,
    doc_md=__doc__,
    tags=["kafka-pipeline", "bullmq", "insights"],
    render_template_as_native_obj=True,  # the job data keeps its types (a list, a number)
    dagrun_timeout=timedelta(hours=1),
    params={
        # Bounds and defaults: the job's own (contracts/job-data/footdata-season.schema.json).
        "competitions": Param(**job_field(JOB, "competitions"), description="Competition codes whose season to publish."),
        "season": Param(**job_field(JOB, "season"), description="The year the season starts; empty: each one's current season."),
        "verify_timeout_sec": Param(
            180, type="integer", minimum=1, maximum=3600, description="How long verify_sink waits for the matches to reach MongoDB."
        ),
    },
)
def football_season():
    publish = BullMQJobOperator(
        task_id="publish_season",
        job_name=JOB,
        queue_name=os.environ.get("QUEUE_NAME") or default_queue_name(),
        job_data={"competitions": "{{ params.competitions }}", "season": "{{ params.season }}"},
        # A spent budget of football-data.org calls may hold each competition a minute or more.
        wait_timeout_sec=1800,
    )

    # The sink consumed every match the job published, and MongoDB holds each at that state or
    # newer; it waits in the triggerer, holding no worker slot (kafka_pipeline's verify_sink too).
    verify = SinkSensor(
        task_id="verify_sink",
        results={"footdata": publish.output},
        wait_timeout_sec="{{ params.verify_timeout_sec }}",
        retries=1,
        outlets=[FOOTDATA],
    )

    standings = TriggerDagRunOperator(task_id="compute_standings", trigger_dag_id="insights", retries=1)

    publish >> verify >> standings


football_season()
