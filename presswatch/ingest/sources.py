"""Finding and reading input files: the raw bytes, untouched, so anything can be re-extracted later."""

from __future__ import annotations

from pathlib import Path

from presswatch.records import RawDocument

# Configuration that lives beside the documents in seeds/ (feeds, watchlist, saved searches) is not input.
CONFIG_SUFFIXES = {".yaml", ".yml", ".toml", ".json"}
CONFIG_DIRS = {"config"}


def is_input_file(path: Path, root: Path) -> bool:
    rel = path.relative_to(root)
    if any(part.startswith(".") for part in rel.parts):
        return False
    if any(part in CONFIG_DIRS for part in rel.parts[:-1]):
        return False
    return path.is_file() and path.suffix.lower() not in CONFIG_SUFFIXES


def discover_files(root: Path) -> list[Path]:
    """Every input file under root, in a stable order (so batches and logs are reproducible)."""
    if not root.exists():
        raise FileNotFoundError(f"seeds directory not found: {root}")
    if root.is_file():
        return [root]
    return sorted(p for p in root.rglob("*") if is_input_file(p, root))


def read_file(path: Path) -> RawDocument:
    return RawDocument(source=str(path), data=path.read_bytes(), kind="file")
