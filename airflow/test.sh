#!/usr/bin/env bash
# The Airflow tests (airflow/tests), run with the stack's Airflow venv, which
# is built first when missing or stale. PYTEST_JUNIT=path writes JUnit XML
# there; extra arguments go to pytest (e.g. -k parse). Tests that need a
# service fail with the command that starts it (bash infra/stack.sh up ...);
# AIRFLOW_TESTS_ALLOW_SKIP=1 makes them skip instead (never in CI).
set -euo pipefail
cd "$(dirname "$0")/.."
bash infra/stack.sh prepare airflow >/dev/null
exec "${STACK_DIR:-.stack}/airflow/venv/bin/python" -m pytest -c airflow/pytest.ini --rootdir airflow airflow/tests \
  ${PYTEST_JUNIT:+--junitxml="$PYTEST_JUNIT"} "$@"
