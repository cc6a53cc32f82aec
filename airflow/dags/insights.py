"""
### insights

For each data interval (hourly by default), computes from MongoDB what the
pipeline's collections say, and stores it beside them:

```
standings ─┐
somedata_hourly ─┤   (independent; each reads pipeline.footdata / pipeline.somedata)
pipeline_volume ─┘
```

- **standings**: the league table of every competition and season from the
  stored matches that are `FINISHED` and kicked off before the interval's end
  (points 3/1/0; ordered by points, goal difference, goals for, name) into
  `standings`, one document per competition and season, with the interval and
  the number of matches it rests on. An older interval never replaces the
  table of a newer one.
- **somedata_hourly**: events per hour (`producedAt`), `data` term and source
  into `somedata_hourly`, one document per hour and term.
- **pipeline_volume**: documents stored per hour (`storedAt`), per topic and
  per run into `pipeline_volume_hourly`.

Every run recomputes the whole hours of its interval and replaces their
documents: a run repeated, or a backfill (UI: *Backfill*; REST: `POST
/api/v2/backfills`), leaves exactly what the scheduled runs left. The
computations are in `plugins/kafka_pipeline_provider/insights/`.

The schedule comes from `INSIGHTS_SCHEDULE` (cron or preset; `none` for manual
runs and backfills only; default hourly), always with data intervals. MongoDB:
the `mongo_default` connection, as `kafka_pipeline`'s verify_sink; the param
`database` overrides the database (the tests use it).
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import CronDataIntervalTimetable, Param, dag, task

from kafka_pipeline_provider.assets import FOOTDATA, PIPELINE_VOLUME_HOURLY, SOMEDATA, SOMEDATA_HOURLY, STANDINGS
from kafka_pipeline_provider.dag_defaults import pipeline_dag_args, schedule_from_env

DEFAULT_SCHEDULE = "@hourly"
PRESETS = {"@hourly": "0 * * * *", "@daily": "0 0 * * *", "@weekly": "0 0 * * 0", "@monthly": "0 0 1 * *"}


def insights_timetable() -> CronDataIntervalTimetable | None:
    """INSIGHTS_SCHEDULE: a cron expression or preset, run with data intervals; `none` = manual runs only."""
    value = schedule_from_env("INSIGHTS_SCHEDULE", DEFAULT_SCHEDULE)
    return None if value is None else CronDataIntervalTimetable(PRESETS.get(value, value), timezone="UTC")


@dag(
    schedule=insights_timetable(),
    **pipeline_dag_args(execution_timeout=timedelta(minutes=30)),
    max_active_runs=3,
    doc_md=__doc__,
    tags=["kafka-pipeline", "insights"],
    dagrun_timeout=timedelta(hours=1),
    params={
        "database": Param(
            None,
            type=["null", "string"],
            pattern="^[A-Za-z0-9_-]{1,63}$",
            description="The MongoDB database to read and write; empty: the one of `mongo_default` (pipeline).",
        ),
        "page_size": Param(1000, type="integer", minimum=10, maximum=10000, description="Documents read per page."),
    },
)
def insights():
    def compute(which: str, params, data_interval_start, data_interval_end) -> dict:
        from kafka_pipeline_provider.insights.run import run

        if data_interval_start is None or data_interval_end is None:
            raise ValueError("the insights need a data interval (a scheduled, manual or backfill run)")
        return run(
            which, data_interval_start, data_interval_end, database=params["database"], page_size=params["page_size"]
        )

    @task(inlets=[FOOTDATA], outlets=[STANDINGS])
    def standings(params=None, data_interval_start=None, data_interval_end=None) -> dict:
        """League tables of the finished matches kicked off before the interval's end."""
        return compute("standings", params, data_interval_start, data_interval_end)

    @task(inlets=[SOMEDATA], outlets=[SOMEDATA_HOURLY])
    def somedata_hourly(params=None, data_interval_start=None, data_interval_end=None) -> dict:
        """Events per hour, term and source."""
        return compute("somedata_hourly", params, data_interval_start, data_interval_end)

    @task(inlets=[SOMEDATA, FOOTDATA], outlets=[PIPELINE_VOLUME_HOURLY])
    def pipeline_volume(params=None, data_interval_start=None, data_interval_end=None) -> dict:
        """Documents stored per hour, topic and run."""
        return compute("pipeline_volume", params, data_interval_start, data_interval_end)

    standings()
    somedata_hourly()
    pipeline_volume()


insights()
