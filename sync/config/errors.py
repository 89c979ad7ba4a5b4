"""The configuration error every command turns into exit code 2."""

from __future__ import annotations


class ConfigError(Exception):
    """The configuration cannot be used; each problem names the file and key."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems
