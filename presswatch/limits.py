"""The one input size rule: extraction refuses, and validation quarantines, by the same function."""

from __future__ import annotations


def over_size_cap(n_bytes: int, cap: int) -> str | None:
    """Why an input of `n_bytes` is refused under `cap` (settings.max_input_bytes), or None when it fits.

    The cap exists because trafilatura's time grows with the input: an 8.4 MB page took it 32 s.
    """
    if n_bytes > cap:
        return f"input too large: {n_bytes:,} bytes (limit {cap:,})"
    return None
