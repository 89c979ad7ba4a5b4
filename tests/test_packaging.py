"""What ships: every package of the source tree is in the wheel's package list, and the Dockerfile the docs show is
the one at the root."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOP = {"connectors": "leadstage.connectors", "mapping": "leadstage.mapping", "sync": "leadstage.sync"}


def test_every_package_folder_is_listed_for_the_wheel():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    folders = {
        "leadstage."
        + ("sandbox" if top == "sandbox" else top)
        + "".join(f".{part}" for part in init.parent.relative_to(ROOT / top).parts)
        for top in (*TOP, "sandbox")
        for init in (ROOT / top).rglob("__init__.py")
    }

    assert folders <= listed, f"add to [tool.setuptools] packages: {sorted(folders - listed)}"


def test_the_dockerfile_in_the_operations_guide_is_the_one_at_the_root():
    guide = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    shown = re.search(r"```dockerfile\n(.*?)```", guide, re.S)

    assert shown is not None and shown.group(1) == (ROOT / "Dockerfile").read_text(encoding="utf-8")
