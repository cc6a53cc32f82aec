"""
What the pipeline's DAGs share: a schedule read from the environment, and the
`@dag` arguments every one of them takes (start date, no catch-up, the
default task arguments). Each DAG adds its own schedule type, timeouts, tags
and params.
"""

from __future__ import annotations

import os
from datetime import timedelta

import pendulum

MANUAL_ONLY = ("none", "manual", "null")


def schedule_from_env(variable: str, default: str) -> str | None:
    """The cron expression or preset in `variable` (`default` when unset or blank); None for manual runs only."""
    value = os.environ.get(variable, "").strip() or default
    return None if value.lower() in MANUAL_ONLY else value


def pipeline_dag_args(*, execution_timeout: timedelta) -> dict:
    """The `@dag` arguments common to the pipeline's DAGs; `execution_timeout` bounds each task try."""
    return {
        "start_date": pendulum.datetime(2026, 1, 1, tz="UTC"),
        "catchup": False,
        "default_args": {
            "owner": "kafka-pipeline",
            "retries": 2,
            "retry_delay": timedelta(seconds=30),
            "execution_timeout": execution_timeout,
        },
    }
