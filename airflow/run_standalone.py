"""
`airflow standalone` that stops cleanly on SIGTERM (what `infra/stack.sh down`
sends). Standalone stops its components only on Ctrl-C: on SIGTERM it would
die at once, leaving the scheduler, triggerer and api-server spinning on
their closed output pipe. Here SIGTERM becomes Ctrl-C, and a component still
alive STOP_GRACE_SEC later (the dag-processor of Airflow 3.3 ignores SIGTERM)
is killed, so the whole group is gone within the stack's stop timeout.
"""

import os
import signal
import sys
import threading
import time

STOP_GRACE_SEC = float(os.environ.get("AIRFLOW_STANDALONE_STOP_GRACE_SEC", "8"))


def kill_stragglers() -> None:
    time.sleep(STOP_GRACE_SEC)
    import psutil

    for child in psutil.Process().children(recursive=True):
        try:
            child.kill()
        except psutil.Error:
            pass


def on_sigterm(signum, frame):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # once is enough
    threading.Thread(target=kill_stragglers, daemon=True).start()
    raise KeyboardInterrupt


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, on_sigterm)
    from airflow.__main__ import main

    sys.argv = ["airflow", "standalone"]
    sys.exit(main())
