"""
What the end-to-end tests need from the running stack: which services answer,
the environment of the stack's Airflow (infra/services/90-airflow.sh), the
admin password, a REST client, and `airflow dags test` in a private home.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from conftest import REPO_DIR, STACK_DIR

VENV_BIN = STACK_DIR / "airflow" / "venv" / "bin"
AIRFLOW_BASE = os.environ.get("AIRFLOW_BASE_URL", "http://127.0.0.1:8080")
SERVICES = {
    "api": (f"http://127.0.0.1:{os.environ.get('API_PORT', '5000')}/readyz", "api"),
    "workers": (f"http://127.0.0.1:{os.environ.get('WORKER_PORT', '3001')}/healthz", "workers"),
    "consumer": (f"http://127.0.0.1:{os.environ.get('CONSUMER_PORT', '1111')}/readyz", "consumer"),
}


def http_ok(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return 200 <= response.status < 300
    except (urllib.error.URLError, OSError, ValueError):
        return False


def missing_pipeline_services() -> list[str]:
    """The pipeline services (API, workers, consumer) that do not answer their health check."""
    return [name for name, (url, _) in SERVICES.items() if not http_ok(url)]


def skip_reason_for_pipeline() -> str | None:
    missing = missing_pipeline_services()
    if missing:
        return (
            f"the pipeline is not running ({', '.join(missing)} not healthy): "
            f"start it with `bash infra/stack.sh up {' '.join(SERVICES[m][1] for m in missing)}` (or `make up`)"
        )
    return None


def airflow_health() -> dict:
    """Airflow's /monitor/health answer, or {"error": why} when there is none."""
    try:
        with urllib.request.urlopen(f"{AIRFLOW_BASE}/api/v2/monitor/health", timeout=3) as response:
            return json.load(response)
    except (urllib.error.URLError, OSError, ValueError) as error:
        return {"error": str(error)}


def airflow_healthy() -> bool:
    health = airflow_health()
    return all((health.get(p) or {}).get("status") == "healthy" for p in ("metadatabase", "scheduler", "triggerer", "dag_processor"))


def stack_airflow_env() -> dict[str, str]:
    """The environment 90-airflow.sh gives Airflow (connections, folders), as a dict."""
    script = (
        f'REPO_DIR={sh(REPO_DIR)} STACK_DIR={sh(STACK_DIR)} INFRA_DIR={sh(REPO_DIR / "infra")}; '
        f'source {sh(REPO_DIR / "infra" / "services" / "90-airflow.sh")}; airflow_env; env -0'
    )
    out = subprocess.run(["bash", "-c", script], capture_output=True, check=True, env=dict(os.environ)).stdout
    return dict(item.split("=", 1) for item in out.decode().split("\0") if "=" in item)


def sh(path: Path | str) -> str:
    return "'" + str(path).replace("'", "'\\''") + "'"


def admin_password() -> str:
    users = os.environ.get("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS", "admin:admin")
    user = users.split(",")[0].split(":")[0]
    generated = STACK_DIR / "airflow" / "simple_auth_manager_passwords.json.generated"
    return json.loads(generated.read_text())[user]


class AirflowApi:
    """A minimal client of the REST API v2, authenticated with a JWT from /auth/token."""

    def __init__(self, base: str = AIRFLOW_BASE, username: str = "admin", password: str | None = None):
        self.base = base
        token = self._call("POST", "/auth/token", {"username": username, "password": password or admin_password()})
        self.token = token["access_token"]

    def _call(self, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
        request = urllib.request.Request(
            self.base + path,
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                answer = response.read()
                return json.loads(answer) if answer else None  # DELETE answers 204, no body
        except urllib.error.HTTPError as error:
            raise AssertionError(f"{method} {path}: HTTP {error.code} {error.read().decode()[:1000]}") from None

    def get(self, path: str) -> Any:
        return self._call("GET", path, token=self.token)

    def post(self, path: str, body: Any) -> Any:
        return self._call("POST", path, body, token=self.token)

    def patch(self, path: str, body: Any) -> Any:
        return self._call("PATCH", path, body, token=self.token)

    def delete(self, path: str) -> None:
        self._call("DELETE", path, token=self.token)

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            run = self.get(f"/api/v2/dags/{dag_id}/dagRuns/{urllib.request.quote(run_id, safe='')}")
            if run["state"] in ("success", "failed") or time.monotonic() > deadline:
                return run
            time.sleep(3)

    def task_states(self, dag_id: str, run_id: str) -> dict[str, str]:
        tis = self.get(f"/api/v2/dags/{dag_id}/dagRuns/{urllib.request.quote(run_id, safe='')}/taskInstances")
        return {ti["task_id"]: ti["state"] for ti in tis["task_instances"]}


def trigger_somedata_run(api: AirflowApi, run_id: str, events: int, verify_timeout_sec: int, note: str) -> None:
    """A kafka_pipeline run of the somedata producer alone, `events` events, through POST .../dagRuns."""
    api.post(
        "/api/v2/dags/kafka_pipeline/dagRuns",
        {
            "dag_run_id": run_id,
            "logical_date": None,
            "conf": {
                "producers": ["somedata"],
                "somedata_duration_sec": 30,
                "somedata_interval_sec": 0.2,
                "somedata_max_events": events,
                "verify_timeout_sec": verify_timeout_sec,
            },
            "note": note,
        },
    )


def task_instance(api: AirflowApi, dag_id: str, run_id: str, task_id: str) -> dict:
    return api.get(f"/api/v2/dags/{dag_id}/dagRuns/{urllib.request.quote(run_id, safe='')}/taskInstances/{task_id}")


def dags_test(
    home: Path, dag_id: str, dags_folder: Path, env: dict[str, str], conf: dict | None = None, timeout: float = 900
) -> tuple[int, str, str | None]:
    """`airflow dags test` in a private AIRFLOW_HOME; (exit code, output, run id)."""
    run_env = {
        **env,
        **private_home(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags_folder),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO_DIR / "airflow" / "plugins"),
    }
    for key in ("AIRFLOW__CORE__EXECUTION_API_SERVER_URL", "AIRFLOW__API_AUTH__JWT_SECRET"):
        run_env.pop(key, None)  # dags test runs in-process; nothing of the stack's API server
    command = [str(VENV_BIN / "airflow"), "dags", "test", dag_id]
    if conf is not None:
        command += ["--conf", json.dumps(conf)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=run_env, cwd=REPO_DIR)
    output = done.stdout + done.stderr
    found = re.search(r"DagRun Finished: dag_id=\S+, logical_date=[^,]*, run_id=([^,]+),", output)
    return done.returncode, output, found.group(1) if found else None


def private_home(home: Path) -> dict[str, str]:
    """The variables that make an airflow command use `home` and its own database, whatever the environment names."""
    return {
        "AIRFLOW_HOME": str(home),
        # The stack's environment (stack_airflow_env) names the stack's database.
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    }


def migrate(home: Path) -> None:
    env = {**os.environ, **private_home(home)}
    subprocess.run([str(VENV_BIN / "airflow"), "db", "migrate"], capture_output=True, check=True, env=env, timeout=300)
