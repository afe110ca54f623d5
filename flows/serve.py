"""Serve every deployment of prefect.yaml from one process: `presswatch serve`.

The one-command alternative to a work pool and a worker. The deployments (schedules, parameters, tags,
triggers, per-deployment concurrency) are read from prefect.yaml, so the two ways of running presswatch
cannot drift apart. Schedules need a Prefect server's scheduler: with no PREFECT_API_URL set, a server is
started on 127.0.0.1 for as long as this process runs (its data stays in PREFECT_HOME, as with
`prefect server start`). The warehouse's global concurrency limit is created when missing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import yaml

from flows.locking import WAREHOUSE_LIMIT
from presswatch.settings import PROJECT_ROOT

if TYPE_CHECKING:
    from prefect.deployments.runner import RunnerDeployment
    from prefect.events import DeploymentTriggerTypes
    from prefect.schedules import Schedule

PREFECT_YAML = PROJECT_ROOT / "prefect.yaml"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4200
# Keys of a prefect.yaml deployment that mean something only to `prefect deploy` and a worker.
WORKER_ONLY_KEYS = {"work_pool", "build", "push", "pull", "version", "version_type"}
SERVED_KEYS = {
    "name",
    "entrypoint",
    "description",
    "tags",
    "parameters",
    "schedules",
    "concurrency_limit",
    "triggers",
}
SCHEDULE_KEYS = {
    "interval",
    "cron",
    "rrule",
    "timezone",
    "anchor_date",
    "day_or",
    "active",
    "parameters",
    "slug",
}

log = logging.getLogger("presswatch.serve")


class DeploymentSpecError(ValueError):
    """prefect.yaml holds something this module cannot serve faithfully."""


def load_deployment_specs(path: Path = PREFECT_YAML) -> list[dict[str, Any]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    specs = data.get("deployments") or []
    if not isinstance(specs, list) or not all(isinstance(s, dict) for s in specs):
        raise DeploymentSpecError(f"{path}: `deployments` must be a list of mappings")
    return specs


def entrypoint_module(entrypoint: str) -> tuple[str, str]:
    """'flows/pipeline.py:ingest_flow' -> ('flows.ingest', 'ingest_flow')."""
    path, _, attr = entrypoint.partition(":")
    if not path.endswith(".py") or not attr:
        raise DeploymentSpecError(f"entrypoint {entrypoint!r} is not 'path/to/file.py:flow_function'")
    return path.removesuffix(".py").replace("/", "."), attr


def load_flow(entrypoint: str) -> Any:
    """The flow object an entrypoint names, imported as a module of the installed package."""
    import importlib

    from prefect import Flow

    module, attr = entrypoint_module(entrypoint)
    obj = getattr(importlib.import_module(module), attr)
    if not isinstance(obj, Flow):
        raise DeploymentSpecError(f"{entrypoint} is not a Prefect flow")
    return obj


def schedule_from_spec(spec: dict[str, Any]) -> Schedule:
    from prefect.schedules import Schedule

    unknown = set(spec) - SCHEDULE_KEYS
    if unknown:
        raise DeploymentSpecError(f"schedule {spec}: unknown keys {sorted(unknown)}")
    fields = dict(spec)
    if "interval" in fields:
        fields["interval"] = dt.timedelta(seconds=float(fields["interval"]))
    if "anchor_date" in fields:
        fields["anchor_date"] = dt.datetime.fromisoformat(str(fields["anchor_date"]))
    return Schedule(**fields)


def triggers_from_spec(deployment_name: str, specs: list[dict[str, Any]]) -> list[DeploymentTriggerTypes]:
    """The same validation `prefect deploy` applies, and the same default automation names."""
    from prefect.events import DeploymentTriggerTypes
    from pydantic import TypeAdapter

    adapter: TypeAdapter[DeploymentTriggerTypes] = TypeAdapter(DeploymentTriggerTypes)
    return [
        adapter.validate_python({"name": f"{deployment_name}__automation_{i}", **spec})
        for i, spec in enumerate(specs, start=1)
    ]


def to_runner_deployment(spec: dict[str, Any]) -> RunnerDeployment:
    from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
    from prefect.deployments.runner import EntrypointType

    unknown = set(spec) - SERVED_KEYS - WORKER_ONLY_KEYS
    if unknown:
        raise DeploymentSpecError(f"deployment {spec.get('name')!r}: keys not served here: {sorted(unknown)}")
    name = str(spec["name"])
    limit = spec.get("concurrency_limit")
    concurrency: int | ConcurrencyLimitConfig | None = limit if isinstance(limit, int) else None
    if isinstance(limit, dict):
        concurrency = ConcurrencyLimitConfig(
            limit=int(limit["limit"]),
            collision_strategy=ConcurrencyLimitStrategy(limit.get("collision_strategy", "ENQUEUE")),
        )
    return load_flow(spec["entrypoint"]).to_deployment(
        name=name,
        description=spec.get("description"),
        tags=list(spec.get("tags") or []),
        parameters=dict(spec.get("parameters") or {}),
        schedules=[schedule_from_spec(s) for s in spec.get("schedules") or []],
        concurrency_limit=concurrency,
        triggers=triggers_from_spec(name, spec.get("triggers") or []),
        # Served runs import the installed package, whatever the working directory.
        entrypoint_type=EntrypointType.MODULE_PATH,
    )


def runner_deployments(path: Path = PREFECT_YAML) -> list[RunnerDeployment]:
    return [to_runner_deployment(spec) for spec in load_deployment_specs(path)]


def ensure_warehouse_limit(name: str = WAREHOUSE_LIMIT) -> bool:
    """Create the warehouse's global concurrency limit (1 slot) when missing. Returns whether it was created."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
    from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            client.read_global_concurrency_limit_by_name(name)
            return False
        except ObjectNotFound:
            pass
        try:
            client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=name, limit=1))
        except ObjectAlreadyExists:  # created meanwhile by another process
            return False
    return True


def _healthy(api_url: str) -> bool:
    try:
        return httpx.get(f"{api_url}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@contextlib.contextmanager
def local_server(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, timeout_s: float = 180) -> Iterator[str]:
    """A Prefect server for this process's lifetime, unless one already answers there. Yields its API URL."""
    api_url = f"http://{host}:{port}/api"
    if _healthy(api_url):
        yield api_url
        return
    prefect_cli = Path(sys.executable).with_name("prefect")
    cmd = [str(prefect_cli), "server", "start", "--host", host, "--port", str(port)]
    # Its own session: Ctrl-C reaches this process, which then stops the server in order.
    server = subprocess.Popen(cmd, start_new_session=True)
    try:
        deadline = time.monotonic() + timeout_s
        while not _healthy(api_url):
            if server.poll() is not None:
                raise RuntimeError(f"`{' '.join(cmd)}` exited with {server.returncode}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"Prefect server on {host}:{port} not healthy after {timeout_s:.0f} s")
            time.sleep(0.5)
        yield api_url
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()


def serve_all(
    *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, limit: int | None = 2, path: Path = PREFECT_YAML
) -> None:
    """Serve every deployment in prefect.yaml until interrupted (Ctrl-C pauses their schedules).

    limit: flow runs executing at once in this process (writes are one at a time regardless).
    """
    from prefect import serve
    from prefect.settings import PREFECT_API_URL, get_current_settings, temporary_settings

    deployments = runner_deployments(path)  # fail on a bad prefect.yaml before starting anything
    with contextlib.ExitStack() as stack:
        api_url = get_current_settings().api.url
        if not api_url:
            api_url = stack.enter_context(local_server(host, port))
            # Flow runs are child processes: they find the server through the environment.
            os.environ["PREFECT_API_URL"] = api_url
            stack.enter_context(temporary_settings(updates={PREFECT_API_URL: api_url}))
        if ensure_warehouse_limit():
            log.warning("created global concurrency limit %s (1 slot)", WAREHOUSE_LIMIT)
        ui = api_url.removesuffix("/api")
        print(f"presswatch: serving {len(deployments)} deployments on {api_url}; UI at {ui}", flush=True)
        serve(*deployments, limit=limit)


def main(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, limit: int | None = 2) -> int:
    """Entry point for `presswatch serve`."""
    serve_all(host=host, port=port, limit=limit)
    return 0
