"""Write the manuals' configuration reference (docs/operators/04-configuration.md) from .env.example.

``.env.example`` is the one list of variables; this page is generated from it, and
``tests/unit/help/test_config_reference.py`` fails when the two differ. After changing ``.env.example``::

    .venv/bin/python scripts/config_reference.py
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Final

ROOT: Final = Path(__file__).resolve().parent.parent
ENV_EXAMPLE: Final = ROOT / ".env.example"
PAGE: Final = ROOT / "docs" / "operators" / "04-configuration.md"
_SECTION: Final = re.compile(r"^# -+ (.+?) -*$")
_VARIABLE: Final = re.compile(r"^([A-Z][A-Z0-9_]*)=(.*)$")

HEADER: Final = """# Configuration reference

Generated from `.env.example` by `scripts/config_reference.py`; do not edit by hand. Every process reads these
environment variables once, at start-up. In `docker compose`, put them in `.env`. An empty value means the default.
"""


def _flush(out: list[str], comments: list[str], variables: list[tuple[str, str]]) -> None:
    if not variables:
        return
    names = ", ".join(f"`{name}`" + (f" (default `{value}`)" if value else "") for name, value in variables)
    out.append(f"- {names}" + (f": {' '.join(comments)}" if comments else ""))


def render(source: str) -> str:
    out: list[str] = [HEADER]
    comments: list[str] = []
    variables: list[tuple[str, str]] = []
    for raw in source.splitlines()[2:]:  # the first two lines describe the file itself
        line = raw.strip()
        section = _SECTION.match(line)
        if section:
            _flush(out, comments, variables)
            comments, variables = [], []
            out.append(f"\n## {section.group(1)}\n")
        elif line.startswith("#"):
            if variables:
                _flush(out, comments, variables)
                comments, variables = [], []
            comments.append(line.lstrip("#").strip().replace("|", "\\|"))
        elif match := _VARIABLE.match(line):
            variables.append((match.group(1), match.group(2)))
        elif not line:
            _flush(out, comments, variables)
            comments, variables = [], []
    _flush(out, comments, variables)
    return "\n".join(out) + "\n"


def main() -> int:
    PAGE.write_text(render(ENV_EXAMPLE.read_text(encoding="utf-8")), encoding="utf-8")
    sys.stdout.write(f"wrote {PAGE.relative_to(ROOT)}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
