"""Start-up of a `presswatch run`: the embedded Prefect API server starts while the flows are imported.

Without PREFECT_API_URL, the first flow call starts Prefect's embedded server (a uvicorn subprocess) and
waits for it; importing the flows (Prefect, pandas, DuckDB) comes before that. Both are seconds of CPU on
their own, in two processes: started together, they overlap instead of adding up.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import flows  # noqa: F401  (its quiet environment first: telemetry off, startup timeout)


def start_api_early() -> Callable[[], None]:
    """Start the embedded server in the background, if one will be needed; returns a wait for it.

    Call the wait before the first flow call: the flow's client would otherwise take a server that is
    starting but not yet answering for a ready one.
    """

    def start() -> None:
        try:
            from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_ENABLED

            if PREFECT_API_URL.value() or not PREFECT_SERVER_EPHEMERAL_ENABLED.value():
                return
            from prefect.server.api.server import SubprocessASGIServer

            SubprocessASGIServer().start()  # the same instance the flow's client will use
        except Exception:  # the flow's own client starts it again and reports what fails
            return

    thread = threading.Thread(target=start, name="prefect-api-start", daemon=True)
    thread.start()
    return thread.join
