"""presswatch: a media-monitoring library (ingest, extract, validate, store, summarize).

Importing it has no side effects and loads no Prefect; `flows/` is the Prefect layer over it.
"""

__version__ = "0.2.0"
