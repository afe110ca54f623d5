"""What a validation produces: per-row issues and per-expectation results, for quarantine and reporting."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class RowIssue:
    expectation: str
    column: str | None
    observed: Any
    severity: str  # "block" | "warn"


@dataclass
class ExpectationResult:
    suite: str
    expectation: str
    column: str | None
    success: bool
    unexpected_count: int
    element_count: int
    severity: str


@dataclass
class ValidationOutcome:
    blocked: dict[str, list[RowIssue]] = field(default_factory=dict)
    warnings: dict[str, list[RowIssue]] = field(default_factory=dict)
    results: list[ExpectationResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.blocked
