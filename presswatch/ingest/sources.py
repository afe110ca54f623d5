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
    paths: list[str] = field(default_factory=list)  # the input files, as str(Path) gives them
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)

    @property
    def files(self) -> list[Path]:
        return [Path(path) for path in self.paths]


def skip_reason(path: Path, root: Path) -> str | None:
    """Why the pipeline leaves this path alone by design (its own configuration, hidden files), if it does."""
    return _reason_for(path.relative_to(root).parts, path.suffix.lower())


def _reason_for(parts: tuple[str, ...], suffix: str) -> str | None:
    """skip_reason from the path's parts below the root and its lower-cased suffix."""
    if any(part.startswith(".") for part in parts):
        return "hidden file or folder: not an input"
    if any(part in CONFIG_DIRS for part in parts[:-1]):
        return "in a config/ folder: pipeline configuration, not an input"
    if suffix in CONFIG_SUFFIXES:
        return f"{suffix} file: pipeline configuration, not an input"
    return None


def _suffix(name: str) -> str:
    """Path(name).suffix, lower-cased, without building a Path."""
    dot = name.rfind(".")
    return name[dot:].lower() if 0 < dot < len(name) - 1 else ""


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
    """Input files under root in a stable order (reproducible batches and logs), and what was skipped.

    One os.scandir per folder: an entry's type comes with the listing (d_type), so a plain file costs no
    system call of its own, and paths are joined as strings (20,000 files: 0.80 -> 0.1 s). Like os.walk,
    a folder that cannot be listed is passed over, and links to folders are listed, never followed.
    """
    if not root.exists():
        raise FileNotFoundError(f"seeds directory not found: {root}")
    found = Discovery()
    if not root.is_dir():
        found.paths.append(str(root))
        return found
    real_root = root.resolve()
    top = str(root)
    prefix = "" if top == "." else top if top.endswith("/") else top + "/"  # str(root / name) for each name
    files: list[tuple[tuple[str, ...], str]] = []
    pending: list[tuple[str, ...]] = [()]
    while pending:
        parts = pending.pop()
        try:
            with os.scandir(prefix + "/".join(parts) if parts else top) as listing:
                entries = list(listing)
        except OSError:
            continue
        for entry in entries:
            rel = (*parts, entry.name)
            path = prefix + "/".join(rel)
            try:
                is_dir = entry.is_dir()  # follows a link, as os.walk sorts entries into folders and files
            except OSError:
                is_dir = False
            if is_dir:
                reason = "hidden file or folder: not an input" if entry.name.startswith(".") else None
                reason = reason or (_link_reason(Path(path), real_root) if entry.is_symlink() else None)
                if reason:
                    # One line for the folder, not one per file inside it (a .git folder holds thousands).
                    found.skipped.append((path, reason))
                else:
                    pending.append(rel)
                continue
            reason = _reason_for(rel, _suffix(entry.name))
            if reason is None and entry.is_symlink():
                reason = _link_reason(Path(path), real_root)
            elif reason is None and not entry.is_file(follow_symlinks=False):
                reason = "not a regular file (FIFO, socket or device): not read"
            if reason:
                found.skipped.append((path, reason))
            else:
                files.append((rel, path))
    files.sort()  # by path components, the order Path objects sort in
    found.paths = [path for _, path in files]
    found.skipped.sort()
    return found


def changed_since(root: Path, instant: float) -> bool:
    """Whether an input file under root was modified after `instant` (seconds since the epoch), or cannot
    be stat-ed. A guess for warming up, not the run's decision: a file copied with its old mtime kept is
    not seen here, and the flow compares every file with the warehouse's file index anyway."""
    for path in scan(root).paths:
        try:
            if os.stat(path).st_mtime > instant:
                return True
        except OSError:
            return True
    return False


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
    # Hashed once, as it was read: the document's sha256 is not computed again from `data`.
    if whole:
        return RawDocument(source=str(path), data=bytes(kept), kind="file", full_sha256=digest.hexdigest())
    return RawDocument(
        source=str(path), data=bytes(kept), kind="file", full_size=total, full_sha256=digest.hexdigest()
    )
