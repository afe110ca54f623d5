"""Finding and reading input files: the raw bytes, untouched, so anything can be re-extracted later.

Anyone who can drop a file in the seeds folder must not be able to make a run read something else or
fail, so:
- discovery walks the folder without following links out of it: a symbolic link whose target lies
  outside the folder is skipped (and listed with its reason), as are FIFOs, sockets and devices;
- what the pipeline deliberately leaves alone (its own configuration: .yaml/.json/.toml, config/ folders,
  dotfiles) is listed as skipped too, never dropped without a word;
- a file is stat-ed before it is read: one over the size cap is hashed as a stream and only a head sample
  (`HEAD_SAMPLE_BYTES`) is kept, marked truncated, so memory stays small and no warehouse value nears
  DuckDB's 4 GiB limit.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from presswatch.records import RawDocument

# Configuration that lives beside the documents in seeds/ (feeds, watchlist, saved searches) is not input.
CONFIG_SUFFIXES = {".yaml", ".yml", ".toml", ".json"}
CONFIG_DIRS = {"config"}
HEAD_SAMPLE_BYTES = 64 * 1024
_CHUNK = 1 << 20


class OutsideFolder(OSError):
    """A path that resolves outside the folder being ingested."""


@dataclass
class Discovery:
    files: list[Path] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)


def skip_reason(path: Path, root: Path) -> str | None:
    """Why the pipeline leaves this path alone by design (its own configuration, hidden files), if it does."""
    rel = path.relative_to(root)
    if any(part.startswith(".") for part in rel.parts):
        return "hidden file or folder: not an input"
    if any(part in CONFIG_DIRS for part in rel.parts[:-1]):
        return "in a config/ folder: pipeline configuration, not an input"
    if path.suffix.lower() in CONFIG_SUFFIXES:
        return f"{path.suffix.lower()} file: pipeline configuration, not an input"
    return None


def is_input_file(path: Path, root: Path) -> bool:
    return skip_reason(path, root) is None and path.is_file()


def _link_reason(path: Path, real_root: Path) -> str | None:
    """Why a symbolic link is not followed, or None when it points at a file inside the folder."""
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return "broken symbolic link: not followed"
    if not target.is_relative_to(real_root):
        return f"symbolic link to {target}, outside the folder: not followed"
    if target.is_dir():
        return "symbolic link to a folder inside the folder: its files are read at their own path"
    if not target.is_file():
        return "symbolic link to something that is not a regular file: not followed"
    return None


def scan(root: Path) -> Discovery:
    """Input files under root in a stable order (reproducible batches and logs), and what was skipped."""
    if not root.exists():
        raise FileNotFoundError(f"seeds directory not found: {root}")
    found = Discovery()
    if not root.is_dir():
        found.files.append(root)
        return found
    real_root = root.resolve()
    for here, dirs, files in os.walk(root, followlinks=False):
        base = Path(here)
        for name in sorted(dirs):
            path = base / name
            reason = skip_reason(path, root) if name.startswith(".") else None
            reason = reason or (_link_reason(path, real_root) if path.is_symlink() else None)
            if reason:
                # One line for the folder, not one per file inside it (a .git folder holds thousands).
                found.skipped.append((str(path), reason))
                dirs.remove(name)
        for name in sorted(files):
            path = base / name
            reason = skip_reason(path, root)
            if reason is None and path.is_symlink():
                reason = _link_reason(path, real_root)
            elif reason is None and not stat.S_ISREG(path.lstat().st_mode):
                reason = "not a regular file (FIFO, socket or device): not read"
            if reason:
                found.skipped.append((str(path), reason))
            else:
                found.files.append(path)
    found.files.sort()
    found.skipped.sort()
    return found


def discover_files(root: Path) -> list[Path]:
    """Every input file under root, in a stable order (see `scan` for what is skipped and why)."""
    return scan(root).files


def read_file(path: Path, max_bytes: int | None = None, root: Path | None = None) -> RawDocument:
    """The file's bytes; over `max_bytes`, only a head sample plus the size and sha256 of all of it.

    With `root`, a path that now resolves outside it (a file swapped for a link after discovery) is
    refused with OutsideFolder, an OSError like any other unreadable file.
    """
    real = path.resolve(strict=True)
    if root is not None and not real.is_relative_to(root.resolve()):
        raise OutsideFolder(f"{path} resolves to {real}, outside {root}")
    # O_NONBLOCK: a FIFO put in place after discovery must not hang the run; O_NOFOLLOW: no link now.
    fd = os.open(real, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb", buffering=0) as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise OSError(f"{path} is not a regular file")
        # Stat first: a file already over the cap is never held whole, only hashed as it streams by.
        whole = max_bytes is None or info.st_size <= max_bytes
        digest = hashlib.sha256()
        kept = bytearray()
        total = 0
        while chunk := handle.read(_CHUNK):
            total += len(chunk)
            digest.update(chunk)
            if whole:
                kept += chunk
                if max_bytes is not None and len(kept) > max_bytes:  # it grew after the stat
                    whole = False
                    del kept[HEAD_SAMPLE_BYTES:]
            elif len(kept) < HEAD_SAMPLE_BYTES:
                kept += chunk[: HEAD_SAMPLE_BYTES - len(kept)]
    if whole:
        return RawDocument(source=str(path), data=bytes(kept), kind="file")
    return RawDocument(
        source=str(path), data=bytes(kept), kind="file", full_size=total, full_sha256=digest.hexdigest()
    )
