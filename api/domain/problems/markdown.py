"""Problem statements: Markdown to sanitised HTML.

CommonMark plus tables and strikethrough, raw HTML off. Math is kept as TeX text in ``<span class="math-inline">``
and ``<div class="math-display">`` (``$...$`` and ``$$...$$``), for the web UI to typeset locally; fenced code
blocks carry ``class="language-<name>"``. The result then passes through nh3 with an allow-list of tags and
attributes, so whatever the renderer did, no script, event handler or ``javascript:`` URL reaches a browser.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from html import escape
from typing import Any, Final

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

__all__ = ["parse_markdown", "render_markdown", "render_tokens", "sanitise_html"]

_TAGS: Final = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "code", "del", "div", "em", "h1", "h2", "h3", "h4", "h5", "h6",
        "hr", "i", "img", "kbd", "li", "ol", "p", "pre", "s", "span", "strong", "sub", "sup", "table", "tbody",
        "td", "th", "thead", "tr", "ul",
    }
)  # fmt: skip
_ATTRIBUTES: Final = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "td": {"style"},
    "th": {"style"},
}
_CLASS_VALUES: Final = re.compile(r"^(language-[a-z0-9+#_-]{1,32}|math-inline|math-display)$")
_CLASS_TAGS: Final = frozenset({"code", "span", "div"})
_ALIGN: Final = re.compile(r"^text-align:(left|right|center)$")
_LANG: Final = re.compile(r"[^a-z0-9+#_-]")
_HEADING_TAGS: Final = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_HEADING_ID: Final = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "id":  # only headings carry one, and only when asked for (the manuals' section anchors)
        return value if tag in _HEADING_TAGS and _HEADING_ID.match(value) else None
    if attribute == "class":
        return value if tag in _CLASS_TAGS and _CLASS_VALUES.match(value) else None
    if attribute == "style":  # markdown-it writes table alignment as a style; keep only that
        return value if _ALIGN.match(value.replace(" ", "")) else None
    return value


def _math_inline(state: StateInline, silent: bool) -> bool:
    """``$x$`` (no space just inside either dollar, no digit right after the closing one) and ``$$x$$``."""
    src, start = state.src, state.pos
    if src[start] != "$":
        return False
    display = src.startswith("$$", start)
    opener = 2 if display else 1
    content_start = start + opener
    if content_start >= state.posMax:
        return False
    if not display and src[content_start] in " \t\n":
        return False
    pos = content_start
    while True:
        pos = src.find("$$" if display else "$", pos, state.posMax)
        if pos == -1:
            return False
        if src[pos - 1] == "\\":  # an escaped dollar inside the math
            pos += 1
            continue
        if not display and src.startswith("$$", pos):  # inline math never runs into display math
            return False
        if not display and (src[pos - 1] in " \t\n" or (pos + 1 < len(src) and src[pos + 1].isdigit())):
            pos += 1
            continue
        break
    if pos == content_start:
        return False
    if not silent:
        token = state.push("math_display_inline" if display else "math_inline", "span", 0)
        token.content = src[content_start:pos]
        token.markup = "$$" if display else "$"
    state.pos = pos + opener
    return True


def _math_block(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """A block opening with ``$$`` at the start of a line and closing with a line that ends in ``$$``."""
    begin = state.bMarks[start_line] + state.tShift[start_line]
    maximum = state.eMarks[start_line]
    if state.sCount[start_line] - state.blkIndent >= 4:
        return False
    if not state.src.startswith("$$", begin):
        return False
    first = state.src[begin + 2 : maximum]
    if first.strip().endswith("$$"):
        if silent:
            return True
        content = first.strip()[:-2]
        next_line = start_line + 1
    else:
        next_line = start_line
        lines = [first]
        found = False
        while True:
            next_line += 1
            if next_line >= end_line:
                break
            line_begin = state.bMarks[next_line] + state.tShift[next_line]
            line = state.src[line_begin : state.eMarks[next_line]]
            if line.rstrip().endswith("$$"):
                lines.append(line.rstrip()[:-2])
                found = True
                break
            lines.append(line)
        if not found:
            return False
        if silent:
            return True
        content = "\n".join(lines)
        next_line += 1
    state.line = next_line
    token = state.push("math_block", "div", 0)
    token.block = True
    token.content = content.strip()
    token.map = [start_line, state.line]
    token.markup = "$$"
    return True


def _render_math_inline(_self: Any, tokens: Sequence[Token], idx: int, _options: Any, _env: Any) -> str:
    return f'<span class="math-inline">{escape(tokens[idx].content, quote=False)}</span>'


def _render_math_display_inline(_self: Any, tokens: Sequence[Token], idx: int, _options: Any, _env: Any) -> str:
    return f'<span class="math-display">{escape(tokens[idx].content, quote=False)}</span>'


def _render_math_display(_self: Any, tokens: Sequence[Token], idx: int, _options: Any, _env: Any) -> str:
    return f'<div class="math-display">{escape(tokens[idx].content, quote=False)}</div>\n'


def _render_fence(_self: Any, tokens: Sequence[Token], idx: int, _options: Any, _env: Any) -> str:
    token = tokens[idx]
    info = token.info.strip().split(maxsplit=1)[0].lower() if token.info.strip() else ""
    language = _LANG.sub("", info)[:32]
    css = f' class="language-{language}"' if language else ""
    return f"<pre><code{css}>{escape(token.content, quote=False)}</code></pre>\n"


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.inline.ruler.before("escape", "math_inline", _math_inline)
    md.block.ruler.before("fence", "math_block", _math_block, {"alt": ["paragraph", "reference", "blockquote"]})
    md.add_render_rule("math_inline", _render_math_inline)
    md.add_render_rule("math_display_inline", _render_math_display_inline)
    md.add_render_rule("math_block", _render_math_display)
    md.add_render_rule("fence", _render_fence)
    return md


def sanitise_html(html: str, *, heading_ids: bool = False) -> str:
    """The allow-list: known tags and attributes only, http(s)/mailto URLs, Verdict's own classes (and, with
    ``heading_ids``, an ``id`` of lowercase letters, digits and dashes on headings)."""
    attributes = {tag: set(attrs) for tag, attrs in _ATTRIBUTES.items()} | {tag: {"class"} for tag in _CLASS_TAGS}
    if heading_ids:
        attributes |= {tag: {"id"} for tag in _HEADING_TAGS}
    return nh3.clean(
        html,
        tags=set(_TAGS),
        attributes=attributes,
        attribute_filter=_attribute_filter,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def parse_markdown(source: str) -> list[Token]:
    """The token stream of ``source``, for callers that adjust it (links, heading ids) before :func:`render_tokens`."""
    return _parser().parse(source)


def render_tokens(tokens: Sequence[Token], *, heading_ids: bool = False) -> str:
    """Tokens from :func:`parse_markdown` to sanitised HTML (the same allow-list as :func:`render_markdown`)."""
    parser = _parser()
    return sanitise_html(parser.renderer.render(tokens, parser.options, {}), heading_ids=heading_ids)


@lru_cache(maxsize=256)
def render_markdown(source: str) -> str:
    """Render a statement to HTML that is safe to insert into a page as is."""
    return sanitise_html(_parser().render(source))
