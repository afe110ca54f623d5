"""The collector pause shared by large imports in several threads."""

from __future__ import annotations

import gc
import threading

from presswatch.gcpause import gc_paused


def test_the_collector_stays_off_until_the_last_of_overlapping_pauses_ends() -> None:
    inner_started, outer_done = threading.Event(), threading.Event()
    seen: list[bool] = []

    def other_import() -> None:
        with gc_paused():
            inner_started.set()
            outer_done.wait(5)
            seen.append(gc.isenabled())  # the first pause has ended: still off, this one is running

    assert gc.isenabled()
    with gc_paused():
        thread = threading.Thread(target=other_import)
        thread.start()
        inner_started.wait(5)
    outer_done.set()
    thread.join(5)
    assert seen == [False]
    assert gc.isenabled()


def test_a_collector_switched_off_before_stays_off() -> None:
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
