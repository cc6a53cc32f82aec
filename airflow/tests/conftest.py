"""
Shared fixtures of the Airflow tests. Run them with the Airflow venv's python:

    .stack/airflow/venv/bin/python -m pytest airflow/tests

The plugins and dags folders go on sys.path as Airflow puts them. Unit tests
get their own throw-away AIRFLOW_HOME; the end-to-end tests use the stack's
(`.stack/airflow`, see infra/services/90-airflow.sh). A test that needs a
service (Redis, MongoDB, Airflow, the pipeline) or a tool (node) that is not
there FAILS, saying which and how to start it: pytest exits 0 on skips, and a
suite that skipped its service tests must not look green. Outside CI,
AIRFLOW_TESTS_ALLOW_SKIP=1 turns those failures into skips (`need()`).
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import tempfile
import uuid
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

AIRFLOW_DIR = Path(__file__).resolve().parents[1]
REPO_DIR = AIRFLOW_DIR.parent
PLUGINS = AIRFLOW_DIR / "plugins"
DAGS = AIRFLOW_DIR / "dags"
STACK_DIR = Path(os.environ.get("STACK_DIR") or REPO_DIR / ".stack")

for path in (PLUGINS, DAGS):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

# Before anything imports airflow: a private home, so unit tests never touch the stack's.
os.environ["AIRFLOW_HOME"] = tempfile.mkdtemp(prefix="airflow-unit-home-")
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(DAGS)
os.environ["AIRFLOW__CORE__PLUGINS_FOLDER"] = str(PLUGINS)

# `make up`'s Redis requires the password infra/services/20-redis.sh generates.
_REDIS_PASSWORD_FILE = STACK_DIR / "redis-password"
REDIS_URL = os.environ.get("REDIS_URL") or (
    f"redis://:{quote(_REDIS_PASSWORD_FILE.read_text().strip(), safe='')}@127.0.0.1:6379"
    if _REDIS_PASSWORD_FILE.exists()
    else "redis://127.0.0.1:6379"
)
MONGO_TEST_URL = os.environ.get("AIRFLOW_TEST_MONGO_URL") or "mongodb://127.0.0.1:27017"
ALLOW_SKIP_VARIABLE = "AIRFLOW_TESTS_ALLOW_SKIP"


def skips_allowed() -> bool:
    return os.environ.get(ALLOW_SKIP_VARIABLE, "").strip().lower() in ("1", "true", "yes")


def need(ok: bool, reason: str) -> None:
    """
    A test's precondition: when `ok` is false the test fails with `reason`
    (how to start what is missing), or skips when AIRFLOW_TESTS_ALLOW_SKIP=1.
    """
    if ok:
        return
    if skips_allowed():
        pytest.skip(reason)
    pytest.fail(f"{reason} (or set {ALLOW_SKIP_VARIABLE}=1 to skip such tests outside CI)", pytrace=False)


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def redis_url() -> str:
    parts = urlsplit(REDIS_URL)
    need(
        port_open(parts.hostname or "127.0.0.1", parts.port or 6379),
        f"Redis is not running at {parts.hostname}:{parts.port}: start it with `bash infra/stack.sh up redis`",
    )
    return REDIS_URL


@pytest.fixture
def queue_name(redis_url):
    """A fresh queue per test; obliterated afterwards."""
    name = f"airflow-test-{uuid.uuid4().hex[:10]}"
    yield name

    async def obliterate():
        from kafka_pipeline_provider.hooks import bullmq as bullmq_hook

        queue = bullmq_hook.open_queue(redis_url, name)
        try:
            await queue.obliterate(force=True)
        finally:
            await queue.close()

    asyncio.run(obliterate())


@pytest.fixture
def redis_conn(monkeypatch, redis_url):
    """The operator and the trigger find Redis through the `redis_default` connection."""
    monkeypatch.setenv("AIRFLOW_CONN_REDIS_DEFAULT", redis_url)
    return "redis_default"


@pytest.fixture(scope="module")
def api():
    """The stack's Airflow REST API, for the end-to-end tests; fails (see `need`) when Airflow or the pipeline is not up."""
    from support import stack

    need(
        stack.airflow_healthy(),
        f"Airflow is not running at {stack.AIRFLOW_BASE}: start it with `bash infra/stack.sh up airflow`",
    )
    reason = stack.skip_reason_for_pipeline()
    need(reason is None, reason or "")
    return stack.AirflowApi()
