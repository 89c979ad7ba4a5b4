"""Checks a contact's canonical fields must pass before it is evaluated; a failing contact is quarantined."""

from __future__ import annotations

from dataclasses import dataclass

from .conditions import parse_number
from .model import Contact


@dataclass(frozen=True, slots=True)
class FieldRules:
    """Fields every contact must have, and fields whose values must be numbers ("100-500", "1,200" are)."""

    required: tuple[str, ...] = ("email",)
    numeric: tuple[str, ...] = ("employees", "annual_revenue")


def problems(contact: Contact, rules: FieldRules) -> list[str]:
    """Why the contact cannot be evaluated as it is (empty when it can)."""
    found: list[str] = []
    for name in rules.required:
        if contact.get(name) is None:
            found.append(f"{name} is missing")
    for name in rules.numeric:
        value = contact.get(name)
        if value is not None and parse_number(value) is None:
            found.append(f"{name} is not a number: {value[:40]!r}")
    return found
