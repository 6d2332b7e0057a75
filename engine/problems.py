"""Problems found in a procedure package, reported to process designers (in Vietnamese).

A `Problem` is one finding, with the line of process.bpmn and the BPMN element id when they are
known; `PackageInvalid` carries every problem found, so a designer can fix a package in one round.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Problem:
    message: str
    line: int | None = None
    element: str | None = None

    def to_dict(self) -> dict:
        """`{line?, element?, message}`: keys whose value is None are left out."""
        data = {"line": self.line, "element": self.element, "message": self.message}
        return {key: value for key, value in data.items() if value is not None}

    def __str__(self) -> str:
        where = []
        if self.line is not None:
            where.append(f"dòng {self.line}")
        if self.element is not None:
            where.append(f"phần tử «{self.element}»")
        return f"{self.message} ({', '.join(where)})" if where else self.message


class PackageInvalid(Exception):
    """A package that cannot be published; `problems` lists every reason."""

    def __init__(self, problems: list[Problem] | Problem, message: str | None = None):
        if isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        if message is None:
            message = "; ".join(str(p) for p in self.problems) or "Gói thủ tục không hợp lệ"
        super().__init__(message)

    def to_dicts(self) -> list[dict]:
        return [problem.to_dict() for problem in self.problems]
