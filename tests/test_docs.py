"""The documents name tests for their claims: those tests must exist (a renamed test would leave a claim unproved)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_test_named_in_the_guarantees_exists():
    text = (ROOT / "docs" / "guarantees.md").read_text(encoding="utf-8")
    references = re.findall(r"`([\w/]+\.py)(?:::(\w+))?", text)
    assert len(references) > 30
    for path, name in references:
        source = ROOT / "tests" / path
        assert source.is_file(), f"docs/guarantees.md names {path}, which does not exist"
        if name:
            assert re.search(rf"^def {name}\(", source.read_text(encoding="utf-8"), re.M), f"{path}::{name} is gone"
