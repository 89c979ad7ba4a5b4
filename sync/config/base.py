"""The base of every config table: unknown keys are errors, so a typo never silently disables anything."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Section(BaseModel):
    """A config table: unknown keys are errors; validated values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class StrictSection(Section):
    """A table of the qualification model: values are not coerced either (``points = "25"`` is an error)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)
