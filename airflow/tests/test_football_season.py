"""
The football_season DAG: its shape (publish, verify, then an insights run),
its once-only schedule, and params that refuse what the worker's job schema
refuses (contracts/job-data/footdata-season.schema.json), before a job is added.
The DAG on a real stack (the job, the sink, the standings) is proven by
test/integration/footdata-season.test.ts and the fresh-stack timing in
docs/ARCHITECTURE.md §5b.
"""

from __future__ import annotations

import pytest

from conftest import DAGS


@pytest.fixture(scope="module")
def dag():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS))
    assert bag.import_errors == {}
    return bag.dags["football_season"]


def test_it_publishes_then_verifies_then_triggers_the_insights(dag):
    tasks = dag.task_dict
    assert set(tasks) == {"publish_season", "verify_sink", "compute_standings"}
    assert tasks["publish_season"].job_name == "footdata-season"
    assert tasks["verify_sink"].upstream_task_ids == {"publish_season"}
    assert tasks["compute_standings"].upstream_task_ids == {"verify_sink"}
    assert tasks["compute_standings"].trigger_dag_id == "insights"
    assert [outlet.name for outlet in tasks["verify_sink"].outlets] == ["pipeline.footdata"]


def test_it_runs_once_unless_FOOTBALL_SEASON_SCHEDULE_says_otherwise(monkeypatch, dag):
    from airflow.dag_processing.dagbag import DagBag

    assert dag.schedule == "@once"
    monkeypatch.setenv("FOOTBALL_SEASON_SCHEDULE", "none")
    assert DagBag(dag_folder=str(DAGS)).dags["football_season"].schedule is None


def test_the_job_data_renders_with_its_types(dag):
    from airflow.sdk import ParamsDict

    params = ParamsDict({k: v for k, v in dag.params.items()})
    params.validate()
    assert params["competitions"] == ["PL", "PD", "BL1", "FL1"]
    assert params["season"] is None


@pytest.mark.parametrize(
    "conf",
    [
        {"competitions": []},
        {"competitions": ["PL", "PL"]},
        {"competitions": ["pl"]},
        {"competitions": ["PL'; DROP"]},
        {"competitions": ["C%02d" % n for n in range(21)]},
        {"season": 1999},
        {"season": 9999},
        {"season": "2026"},
    ],
)
def test_params_refuse_what_the_worker_would_refuse(dag, conf):
    from airflow.sdk import ParamsDict

    params = ParamsDict({k: v for k, v in dag.params.items()})
    with pytest.raises(Exception):
        params.update(conf)
        params.validate()


def test_params_take_a_season_and_other_competitions(dag):
    from airflow.sdk import ParamsDict

    params = ParamsDict({k: v for k, v in dag.params.items()})
    params.update({"competitions": ["CL", "SA"], "season": 2025})
    params.validate()
