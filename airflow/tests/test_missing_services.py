"""
A test that needs a service fails when the service is down, so `make test`
cannot stay green on a machine where those tests never ran.
AIRFLOW_TESTS_ALLOW_SKIP=1 (never set in CI) turns those failures back into skips.
"""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import AIRFLOW_DIR

CLOSED = "127.0.0.1:1"  # nothing listens there


def run_pytest(*selection: str, **env: str) -> subprocess.CompletedProcess:
    run_env = {k: v for k, v in os.environ.items() if k != "AIRFLOW_TESTS_ALLOW_SKIP"}
    run_env.update(env)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-c", str(AIRFLOW_DIR / "pytest.ini"), "--rootdir", str(AIRFLOW_DIR),
         "-p", "no:cacheprovider", *selection],
        capture_output=True, text=True, env=run_env, cwd=AIRFLOW_DIR.parent, timeout=300,
    )


def test_without_redis_the_redis_tests_fail_naming_the_service():
    done = run_pytest(
        str(AIRFLOW_DIR / "tests" / "test_bullmq_operator.py"), "-k", "carries_the_run_id", REDIS_URL=f"redis://{CLOSED}"
    )
    assert done.returncode != 0, done.stdout[-2000:]
    assert "Redis is not running at 127.0.0.1:1" in done.stdout


def test_without_mongodb_the_sink_tests_fail_naming_the_service():
    done = run_pytest(
        str(AIRFLOW_DIR / "tests" / "test_sink_rules.py"), "-k", "every_published_event_is_stored",
        AIRFLOW_TEST_MONGO_URL=f"mongodb://{CLOSED}",
    )
    assert done.returncode != 0, done.stdout[-2000:]
    assert "MongoDB/FerretDB is not running at mongodb://127.0.0.1:1" in done.stdout


def test_the_explicit_opt_out_skips_them_instead():
    done = run_pytest(
        str(AIRFLOW_DIR / "tests" / "test_bullmq_operator.py"), "-k", "carries_the_run_id",
        REDIS_URL=f"redis://{CLOSED}", AIRFLOW_TESTS_ALLOW_SKIP="1",
    )
    assert done.returncode == 0, done.stdout[-2000:]
    assert "1 skipped" in done.stdout
