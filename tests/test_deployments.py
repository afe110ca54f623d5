"""prefect.yaml without a server: it parses, its entrypoints are flows that accept its parameters, its
schedules and triggers are valid, writers run one at a time, and `presswatch serve` serves the same."""

from __future__ import annotations

import inspect
import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from prefect import Flow
from prefect.cli.deploy._models import PrefectYamlModel
from prefect.client.schemas.objects import ConcurrencyLimitStrategy
from prefect.client.schemas.schedules import IntervalSchedule
from prefect.flows import load_flow_from_entrypoint
from prefect.settings import PREFECT_API_URL, temporary_settings

from flows.locking import ARTICLES_LANDED_EVENT, emit_articles_landed, warehouse_resource, warehouse_writer
from flows.serve import runner_deployments, schedule_from_spec, triggers_from_spec

ROOT = Path(__file__).resolve().parent.parent
PREFECT_YAML = ROOT / "prefect.yaml"
CONFIG: dict[str, Any] = yaml.safe_load(PREFECT_YAML.read_text(encoding="utf-8"))
DEPLOYMENTS: dict[str, dict[str, Any]] = {d["name"]: d for d in CONFIG["deployments"]}


def _flow(entrypoint: str, monkeypatch: pytest.MonkeyPatch) -> Flow[..., Any]:
    monkeypatch.chdir(ROOT)  # entrypoints are relative to the project, as for `prefect deploy`
    flow = load_flow_from_entrypoint(entrypoint)
    assert isinstance(flow, Flow)
    return flow


def test_prefect_yaml_validates_against_prefects_own_model():
    model = PrefectYamlModel.model_validate(CONFIG)
    assert [d.name for d in model.deployments] == list(DEPLOYMENTS)
    assert set(DEPLOYMENTS) == {"ingest-seeds", "poll-feeds", "summaries"}


def test_seeds_and_feeds_are_ingested_by_separate_deployments():
    assert DEPLOYMENTS["ingest-seeds"]["parameters"] == {"include_feeds": False}
    assert DEPLOYMENTS["poll-feeds"]["parameters"] == {"include_files": False}


def test_flows_run_in_the_folder_they_were_deployed_from():
    (build,) = CONFIG["build"]
    shell = build["prefect.deployments.steps.run_shell_script"]
    (pull,) = CONFIG["pull"]
    directory = pull["prefect.deployments.steps.set_working_directory"]["directory"]
    assert shell["script"] == "pwd"
    assert directory == "{{ " + shell["id"] + ".stdout }}"


@pytest.mark.parametrize("name", list(DEPLOYMENTS))
def test_entrypoint_imports_and_names_a_presswatch_flow(name: str, monkeypatch: pytest.MonkeyPatch):
    flow = _flow(DEPLOYMENTS[name]["entrypoint"], monkeypatch)
    assert flow.name.startswith("presswatch-")


@pytest.mark.parametrize("name", list(DEPLOYMENTS))
def test_parameters_are_accepted_by_the_flow_signature(name: str, monkeypatch: pytest.MonkeyPatch):
    spec = DEPLOYMENTS[name]
    flow = _flow(spec["entrypoint"], monkeypatch)
    parameter_sets = [spec.get("parameters") or {}]
    parameter_sets += [s.get("parameters") or {} for s in spec.get("schedules") or []]
    parameter_sets += [t.get("parameters") or {} for t in spec.get("triggers") or []]
    for params in parameter_sets:
        inspect.signature(flow.fn).bind(**params)  # unknown names fail here
        flow.validate_parameters(params)  # wrong types fail here


@pytest.mark.parametrize("name", list(DEPLOYMENTS))
def test_schedules_are_valid_and_no_more_often_than_every_15_minutes(name: str):
    schedules = DEPLOYMENTS[name].get("schedules") or []
    assert schedules, f"{name} has no schedule"
    for spec in schedules:
        schedule = schedule_from_spec(spec)
        if schedule.interval is not None:
            assert schedule.interval.total_seconds() >= 900
            IntervalSchedule(interval=schedule.interval)
        assert spec.get("slug"), "a slug keeps the schedule's identity across re-deploys"


def test_cadence_is_15_minutes_for_seeds_30_for_feeds_and_hourly_for_summaries():
    assert [s["interval"] for s in DEPLOYMENTS["ingest-seeds"]["schedules"]] == [900]
    assert [s["interval"] for s in DEPLOYMENTS["poll-feeds"]["schedules"]] == [1800]
    assert [s["interval"] for s in DEPLOYMENTS["summaries"]["schedules"]] == [3600]


@pytest.mark.parametrize("name", list(DEPLOYMENTS))
def test_writing_deployment_runs_one_at_a_time_and_queues_the_next(name: str):
    spec = DEPLOYMENTS[name]
    assert "writes-warehouse" in spec["tags"]
    limit = spec["concurrency_limit"]
    assert limit["limit"] == 1
    assert ConcurrencyLimitStrategy(limit["collision_strategy"]) is ConcurrencyLimitStrategy.ENQUEUE


def test_every_deployment_goes_to_the_presswatch_process_pool():
    assert {d["work_pool"]["name"] for d in DEPLOYMENTS.values()} == {"presswatch-pool"}


def test_summaries_run_when_an_ingest_lands_new_articles():
    (trigger,) = triggers_from_spec("summaries", DEPLOYMENTS["summaries"]["triggers"])
    assert trigger.expect == {ARTICLES_LANDED_EVENT}
    assert trigger.enabled and trigger.threshold == 1
    # The resource an ingest run's event names matches the trigger's pattern.
    pattern = trigger.match.root["prefect.resource.id"]
    assert isinstance(pattern, str) and pattern.endswith("*")
    assert warehouse_resource("/data/presswatch.duckdb")["prefect.resource.id"].startswith(pattern[:-1])


def test_served_deployments_are_the_deployed_ones():
    served = {d.name: d for d in runner_deployments(PREFECT_YAML)}
    assert set(served) == set(DEPLOYMENTS)
    for name, spec in DEPLOYMENTS.items():
        dep = served[name]
        path, func = spec["entrypoint"].split(":")
        assert dep.entrypoint == path.removesuffix(".py").replace("/", ".") + "." + func
        assert dep.parameters == (spec.get("parameters") or {})
        assert dep.tags == spec["tags"]
        assert dep.concurrency_limit == spec["concurrency_limit"]["limit"]
        assert dep.concurrency_options is not None
        assert (
            dep.concurrency_options.collision_strategy.value
            == spec["concurrency_limit"]["collision_strategy"]
        )
        intervals = [s.schedule.interval.total_seconds() for s in dep.schedules or []]  # type: ignore[union-attr]
        assert intervals == [s["interval"] for s in spec["schedules"]]
        assert [s.slug for s in dep.schedules or []] == [s["slug"] for s in spec["schedules"]]
        assert [t.name for t in dep.triggers] == [t["name"] for t in spec.get("triggers") or []]


def test_an_unknown_schedule_key_is_an_error_not_silently_dropped():
    with pytest.raises(ValueError, match="unknown keys"):
        schedule_from_spec({"interval": 900, "every": "day"})


def test_warehouse_writer_without_a_server_does_nothing_and_starts_no_api():
    from prefect.server.api.server import SubprocessASGIServer
    from prefect_server import descendants

    def running_apis() -> set[int | None]:
        return {port for port, srv in SubprocessASGIServer._instances.items() if srv.running}

    apis, children = running_apis(), {pid for pid, _ in descendants(os.getpid())}
    with (
        temporary_settings(updates={PREFECT_API_URL: None}),
        warehouse_writer() as held,
        warehouse_writer() as nested,
    ):
        assert (held, nested) == (False, False)
    # No embedded API was started for it (that takes 20-30 s here): no new server, no new process.
    assert running_apis() == apis
    assert {pid for pid, _ in descendants(os.getpid())} <= children


def test_no_event_when_nothing_landed():
    assert emit_articles_landed("/tmp/presswatch.duckdb", 0) is False


def test_cli_runs_the_flows_that_prefect_yaml_deploys() -> None:
    from presswatch.cli.pipeline import ENTRYPOINTS, load_flow

    deployed = {spec["entrypoint"] for spec in DEPLOYMENTS.values()}
    assert deployed <= set(ENTRYPOINTS.values())
    for name, entrypoint in ENTRYPOINTS.items():
        module, func = entrypoint.removesuffix(".py").split(":")[0], entrypoint.split(":")[1]
        flow = load_flow(name)
        assert flow.fn.__module__ == module.removesuffix(".py").replace("/", ".") and flow.fn.__name__ == func
