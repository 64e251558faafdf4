"""Search across the manuals, on the server: every word of the query must appear in a section (its heading or its
text, case-insensitively); sections whose page title or heading holds the words rank first."""

from __future__ import annotations

import re
from typing import Final

import msgspec

from api.domain.help.manual import Manual, Page

__all__ = ["MAX_QUERY_WORDS", "Hit", "search"]

MAX_QUERY_WORDS: Final = 8
_WORD: Final = re.compile(r"[\w.+#-]+", re.UNICODE)
_SPACE: Final = re.compile(r"\s+")
_MARKUP: Final = re.compile(r"[`*|]+|\]\([^)]*\)|[\[\]]")
_SNIPPET: Final = 180


class Hit(msgspec.Struct, frozen=True, kw_only=True):
    page: Page
    anchor: str
    heading: str
    fragments: tuple[tuple[str, bool], ...]  # the snippet, as (text, is a match) pieces; the template escapes them
    score: int

    @property
    def url(self) -> str:
        return self.page.url + (f"#{self.anchor}" if self.anchor else "")


def query_words(query: str) -> list[str]:
    words = [w.lower() for w in _WORD.findall(query)]
    return list(dict.fromkeys(words))[:MAX_QUERY_WORDS]


def _fragments(text: str, words: list[str]) -> tuple[tuple[str, bool], ...]:
    lowered = text.lower()
    first = min((i for i in (lowered.find(w) for w in words) if i >= 0), default=0)
    start = max(0, first - _SNIPPET // 3)
    snippet = text[start : start + _SNIPPET]
    prefix, suffix = ("…" if start else ""), ("…" if start + _SNIPPET < len(text) else "")
    pattern = re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)), re.IGNORECASE)
    pieces: list[tuple[str, bool]] = [(prefix, False)] if prefix else []
    pos = 0
    for match in pattern.finditer(snippet):
        if match.start() > pos:
            pieces.append((snippet[pos : match.start()], False))
        pieces.append((match.group(0), True))
        pos = match.end()
    pieces.append((snippet[pos:] + suffix, False))
    return tuple(pieces)


def search(manual: Manual, query: str, *, limit: int = 30) -> list[Hit]:
    words = query_words(query)
    if not words:
        return []
    hits: list[Hit] = []
    for rendered in manual.all_rendered():
        title = rendered.page.title.lower()
        for section in rendered.sections:
            text = _SPACE.sub(" ", _MARKUP.sub(" ", section.text)).strip()
            heading = section.heading.lower()
            haystack = f"{heading} {text.lower()}"
            if not all(word in haystack or word in title for word in words):
                continue
            score = sum(5 * (w in title) + 3 * (w in heading) + min(haystack.count(w), 10) for w in words)
            fragments = _fragments(text or section.heading, words)
            hits.append(
                Hit(
                    page=rendered.page, anchor=section.anchor, heading=section.heading, fragments=fragments, score=score
                )
            )
    hits.sort(key=lambda h: (-h.score, h.page.audience, h.page.order, h.anchor))
    return hits[:limit]
