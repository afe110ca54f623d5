"""Alerts from saved searches: daily spikes, and the Prefect events that announce new alerts.

Events are what users attach Automations to (notify, run a deployment): one event per new alert,
named presswatch.alert.match / presswatch.alert.spike, about the resource presswatch.search.<name>.
A first run over a large backlog can raise thousands of alerts; past MAX_EVENTS_PER_SEARCH per search,
kind and run the rest are announced by one presswatch.alert.<kind>.more event with their count, so the
Prefect server is never flooded. Every alert is a row in the alerts table either way.

Plain functions: no Prefect, no DuckDB.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from presswatch.summaries.searches import SavedSearch, detect_spikes

MAX_EVENTS_PER_SEARCH = 50
EVENT_PREFIX = "presswatch.alert"


def spike_rows(
    searches: Iterable[SavedSearch],
    daily: Mapping[str, list[tuple[date, int]]],
    first_day: date | None,
    last_day: date | None,
) -> dict[str, list[Any]]:
    """Spike days of every search, judged from the first to the last publication day in the warehouse:
    a day without matching articles is a real zero once the warehouse holds articles around it."""
    out: dict[str, list[Any]] = {"search": [], "day": [], "count": [], "baseline": [], "ratio": []}
    if first_day is None or last_day is None:
        return out
    for search in searches:
        settings = search.spike
        for spike in detect_spikes(
            daily.get(search.name, []), settings.window, settings.factor, settings.min_count,
            start=first_day, end=last_day,
        ):  # fmt: skip
            out["search"].append(search.name)
            out["day"].append(spike.date)
            out["count"].append(spike.count)
            out["baseline"].append(spike.baseline_mean)
            out["ratio"].append(spike.ratio)
    return out


def search_resource(name: str) -> dict[str, str]:
    return {"prefect.resource.id": f"presswatch.search.{name}", "prefect.resource.name": name}


def _day(value: Any) -> str | None:
    return value.isoformat() if hasattr(value, "isoformat") else (str(value) if value is not None else None)


def alert_event(alert: Mapping[str, Any]) -> dict[str, Any]:
    """emit_event() keyword arguments for one new alert row."""
    payload = {
        "alert_id": alert["alert_id"],
        "search": alert["search"],
        "day": _day(alert.get("day")),
    }
    related: list[dict[str, str]] = []
    if alert["kind"] == "match":
        payload |= {"article_id": alert["article_id"], "title": alert.get("title"), "outlet": alert.get("outlet"),
                    "url": alert.get("url")}  # fmt: skip
        related.append(
            {
                "prefect.resource.id": f"presswatch.article.{alert['article_id']}",
                "prefect.resource.role": "article",
                "prefect.resource.name": (alert.get("title") or alert["article_id"])[:100],
            }
        )
    else:
        payload |= {
            "count": alert.get("count"),
            "baseline": alert.get("baseline"),
            "ratio": alert.get("ratio"),
        }
    return {
        "event": f"{EVENT_PREFIX}.{alert['kind']}",
        "resource": search_resource(alert["search"]),
        "related": related,
        "payload": payload,
    }


def alert_events(
    alerts: Iterable[Mapping[str, Any]], cap: int = MAX_EVENTS_PER_SEARCH
) -> list[dict[str, Any]]:
    """Events for new alerts: one each up to `cap` per (search, kind), then one '.more' event with the rest."""
    by_key: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for alert in alerts:
        by_key.setdefault((alert["search"], alert["kind"]), []).append(alert)
    events: list[dict[str, Any]] = []
    for (search, kind), group in sorted(by_key.items()):
        events.extend(alert_event(a) for a in group[:cap])
        rest = group[cap:]
        if rest:
            events.append(
                {
                    "event": f"{EVENT_PREFIX}.{kind}.more",
                    "resource": search_resource(search),
                    "related": [],
                    "payload": {"count": len(rest), "first_alert_id": rest[0]["alert_id"]},
                }
            )
    return events
