"""Jinja filters of the pages: program output as inert text, and small formatting helpers.

``inert`` is how every byte a program (or a compiler) wrote reaches a page: HTML-escaped, control and invisible
characters made visible as symbols (so output cannot hide text, fake a layout or reorder a line), and cut at a
limit; templates say "truncated" when ``text|length > limit``. ``web/static/js/text.js`` does the same for output
that arrives live.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Final

from litestar.plugins.jinja import JinjaTemplateEngine
from markupsafe import Markup, escape

from api.domain.problems.languages import language_name
from api.domain.problems.schemas import SLUG_RULE
from api.pages.difference import first_difference

__all__ = [
    "OUTPUT_LIMIT",
    "VERDICT_NAMES",
    "format_memory",
    "format_ms",
    "format_when",
    "inert",
    "register_template_filters",
]

VERDICT_NAMES: Final = {
    "AC": "Accepted",
    "WA": "Wrong answer",
    "TLE": "Time limit exceeded",
    "MLE": "Memory limit exceeded",
    "OLE": "Output limit exceeded",
    "RTE": "Run-time error",
    "CE": "Compilation error",
    "IE": "Internal error (the judge failed, not your program)",
}
OUTPUT_LIMIT: Final = 20_000  # characters of one output shown on a page
# C0 controls except tab and newline, DEL, C1 controls, and the invisible or direction-changing characters that
# could make output look like something it is not.
_SPECIAL: Final = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f\x80-\x9f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)


def _visible(match: re.Match[str]) -> str:
    char = match.group(0)
    code = ord(char)
    if code < 0x20:
        symbol = chr(0x2400 + code)  # the Unicode "control pictures": ␀ ␁ ... ␍ ... ␛
    elif code == 0x7F:
        symbol = "\u2421"  # ␡
    else:
        symbol = f"U+{code:04X}"
    kind = "control character" if code < 0xA0 else "invisible character"
    return f'<span class="ctl" title="{kind} U+{code:04X}">{symbol}</span>'


def inert(value: str | bytes | None, limit: int = OUTPUT_LIMIT) -> Markup:
    """``value`` as safe HTML text for a ``<pre>``: escaped, special characters visible, at most ``limit`` chars."""
    if value is None:
        return Markup("")
    text = value.decode("utf-8", errors="replace") if isinstance(value, bytes) else str(value)
    escaped = str(escape(text[:limit]))
    return Markup(_SPECIAL.sub(_visible, escaped))  # noqa: S704 - escaped above; only our own spans are added


def format_when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value is not None else ""


def format_ms(value: int | None) -> str:
    """CPU or wall time in milliseconds, as every page shows it (``formatMs`` in web/static/js/format.js)."""
    return "—" if value is None else f"{value:,} ms"


def format_memory(value_kib: int | None) -> str:
    """Memory, always in MiB with one decimal, so one table never mixes units (``formatMemory`` in format.js)."""
    return "—" if not value_kib else f"{value_kib / 1024:,.1f} MiB"


def register_template_filters(engine: JinjaTemplateEngine) -> None:
    filters: dict[str, Any] = {
        "inert": inert,
        "when": format_when,
        "ms": format_ms,
        "memory": format_memory,
        "language_name": language_name,
    }
    engine.engine.filters.update(filters)
    engine.engine.globals["verdict_names"] = VERDICT_NAMES
    engine.engine.globals["slug_rule"] = SLUG_RULE
    engine.engine.globals["first_difference"] = first_difference
