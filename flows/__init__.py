"""presswatch: a media-monitoring pipeline run as Prefect flows over a DuckDB warehouse."""

from flows.settings import apply_quiet_env

apply_quiet_env()

__version__ = "0.1.0"
