"""The manuals: Markdown pages under ``docs/``, found by a convention, rendered by the statements' pipeline.

A page is ``docs/<audience>/NN-slug.md`` (``NN`` orders the pages of an audience) whose first line is ``# Title``.
Any such file is picked up as it is added or changed, with no code change: the index is rebuilt when a file's size
or modification time changes. A page is reached at ``/help/<audience>/<slug>``; pages are looked up by name in the
index, never by joining a path from the request, so a slug cannot leave ``docs/``.

Links between pages are written as relative file links (``[verdicts](../students/03-submitting.md#verdicts)``), so
they also work when the Markdown is read on a forge; the renderer turns them into ``/help/...`` URLs and images in
``docs/images/`` into ``/help/images/...``. A heading's anchor is its text in lowercase with dashes, or the id
given after it as ``## Languages {#languages}``.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Final
from urllib.parse import urlsplit

import msgspec
from markdown_it.token import Token

from api.domain.problems.markdown import parse_markdown, render_tokens

__all__ = [
    "AUDIENCES",
    "DOCS_DIR",
    "IMAGES_URL",
    "Audience",
    "Heading",
    "Manual",
    "Page",
    "RenderedPage",
    "Section",
    "slugify",
]

DOCS_DIR: Final = Path(__file__).resolve().parents[3] / "docs"
IMAGES_URL: Final = "/help/images/"
_FILE_NAME: Final = re.compile(r"^(\d{1,3})-([a-z0-9][a-z0-9-]{0,79})\.md$")
_SLUG: Final = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
_EXPLICIT_ID: Final = re.compile(r"\s*\{#([a-z0-9][a-z0-9-]{0,79})\}\s*$")
_NOT_SLUG: Final = re.compile(r"[^a-z0-9]+")


class Audience(msgspec.Struct, frozen=True, kw_only=True):
    key: str
    title: str
    summary: str


AUDIENCES: Final = (
    Audience(key="students", title="Students", summary="Practise, submit, read your verdicts and live results."),
    Audience(key="instructors", title="Instructors", summary="Write problems, test data and checkers."),
    Audience(key="admins", title="Administrators", summary="Accounts, roles and the platform's settings."),
    Audience(key="operators", title="Judge operators", summary="Deploy, check and scale the judge fleet."),
    Audience(key="api", title="API guide", summary="Tokens, packages from CI, the Judge0 API, live results."),
    Audience(key="developers", title="Developers", summary="Architecture, extending Verdict, the test layers."),
)
_AUDIENCE_KEYS: Final = frozenset(a.key for a in AUDIENCES)


class Heading(msgspec.Struct, frozen=True, kw_only=True):
    level: int
    anchor: str
    text: str


class Section(msgspec.Struct, frozen=True, kw_only=True):
    """The text under one heading (or before the first), for search."""

    anchor: str
    heading: str
    text: str


class Page(msgspec.Struct, frozen=True, kw_only=True):
    audience: str
    slug: str
    order: int
    title: str
    path: Path

    @property
    def url(self) -> str:
        return f"/help/{self.audience}/{self.slug}"

    @property
    def ref(self) -> str:
        """How ``help_link`` names it: ``students/submitting``."""
        return f"{self.audience}/{self.slug}"


class RenderedPage(msgspec.Struct, frozen=True, kw_only=True):
    page: Page
    html: str
    headings: tuple[Heading, ...]
    sections: tuple[Section, ...]
    links: tuple[str, ...]  # every link target as written in the Markdown
    images: tuple[str, ...]
    broken: tuple[str, ...]  # links to pages or images that do not exist (a test keeps this empty)

    @property
    def anchors(self) -> frozenset[str]:
        return frozenset(h.anchor for h in self.headings)


def slugify(text: str) -> str:
    return _NOT_SLUG.sub("-", text.lower()).strip("-")[:80] or "section"


def _title(path: Path) -> str:
    with path.open(encoding="utf-8") as handle:
        first = handle.readline().strip()
    return first[2:].strip() if first.startswith("# ") else path.stem


class Manual:
    """The index of ``root`` (default ``docs/``), rebuilt whenever a page file is added, removed or changed."""

    def __init__(self, root: Path = DOCS_DIR) -> None:
        self.root = root
        self._lock = threading.Lock()
        self._signature: tuple[tuple[str, int, int], ...] | None = None
        self._pages: dict[tuple[str, str], Page] = {}
        self._rendered: dict[tuple[str, str], RenderedPage] = {}

    def _files(self) -> Iterator[tuple[str, Path, re.Match[str]]]:
        for audience in AUDIENCES:
            folder = self.root / audience.key
            if not folder.is_dir():
                continue
            for path in folder.iterdir():
                match = _FILE_NAME.match(path.name)
                if match and path.is_file() and not path.is_symlink():
                    yield audience.key, path, match

    def _refresh(self) -> None:
        files = sorted(self._files(), key=lambda item: str(item[1]))
        signature = tuple((str(path), (st := path.stat()).st_mtime_ns, st.st_size) for _a, path, _m in files)
        with self._lock:
            if signature == self._signature:
                return
            pages: dict[tuple[str, str], Page] = {}
            for audience, path, match in files:
                order, slug = int(match.group(1)), match.group(2)
                pages[(audience, slug)] = Page(audience=audience, slug=slug, order=order, title=_title(path), path=path)
            self._pages, self._rendered, self._signature = pages, {}, signature

    def pages(self, audience: str | None = None) -> list[Page]:
        self._refresh()
        chosen = [p for p in self._pages.values() if audience is None or p.audience == audience]
        order = {a.key: i for i, a in enumerate(AUDIENCES)}
        return sorted(chosen, key=lambda p: (order[p.audience], p.order, p.slug))

    def find(self, audience: str, slug: str) -> Page | None:
        """The page named by the request, or None; the names are checked against the index, never joined as paths."""
        if audience not in _AUDIENCE_KEYS or not _SLUG.match(slug):
            return None
        self._refresh()
        return self._pages.get((audience, slug))

    def resolve(self, ref: str) -> tuple[Page, str] | None:
        """``students/submitting#languages`` to the page and the anchor ("" for none)."""
        path, _, anchor = ref.partition("#")
        audience, _, slug = path.partition("/")
        page = self.find(audience, slug)
        return (page, anchor) if page else None

    def render(self, page: Page) -> RenderedPage:
        self._refresh()
        key = (page.audience, page.slug)
        cached = self._rendered.get(key)
        if cached is None:
            cached = _render(self, page)
            self._rendered[key] = cached
        return cached

    def all_rendered(self) -> list[RenderedPage]:
        return [self.render(page) for page in self.pages()]

    def page_for_file(self, base: Page, target: str) -> Page | None:
        """The page a relative link such as ``../api/02-tokens.md`` (from ``base``) points at."""
        joined = PurePosixPath(base.audience) / target
        parts: list[str] = []
        for part in joined.parts:
            if part == "..":
                if not parts:
                    return None
                parts.pop()
            elif part not in {".", ""}:
                parts.append(part)
        if len(parts) != 2:
            return None
        match = _FILE_NAME.match(parts[1])
        page = self.find(parts[0], match.group(2)) if match else None
        return page if page is not None and page.path.name == parts[1] else None

    def image_url(self, base: Page, target: str) -> str | None:
        """``../images/x.png`` (relative to the page's folder) to ``/help/images/x.png``, if the file exists."""
        name = PurePosixPath(target)
        if name.parts[:2] != ("..", "images") or len(name.parts) != 3 or name.name.startswith("."):
            return None
        return IMAGES_URL + name.name if (self.root / "images" / name.name).is_file() else None


def _heading_anchor(inline: Token, used: set[str]) -> tuple[str, str]:
    """The anchor and the visible text of a heading; an explicit ``{#id}`` is removed from what is shown."""
    text = inline.content
    explicit = _EXPLICIT_ID.search(text)
    if explicit:
        text = text[: explicit.start()]
        children = inline.children or []
        if children and children[-1].type == "text":
            children[-1].content = _EXPLICIT_ID.sub("", children[-1].content)
    base = explicit.group(1) if explicit else slugify(text)
    anchor, n = base, 2
    while anchor in used:
        anchor, n = f"{base}-{n}", n + 1
    used.add(anchor)
    return anchor, text.strip()


def _rewrite(manual: Manual, page: Page, href: str, broken: list[str]) -> str:
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or href.startswith(("/", "#", "mailto:")):
        return href
    fragment = f"#{parts.fragment}" if parts.fragment else ""
    if parts.path.endswith(".md"):
        target = manual.page_for_file(page, parts.path)
        if target is None:
            broken.append(href)
            return href
        return target.url + fragment
    image = manual.image_url(page, parts.path)
    if image is None:
        broken.append(href)
        return href
    return image


def _render(manual: Manual, page: Page) -> RenderedPage:
    source = page.path.read_text(encoding="utf-8")
    tokens = parse_markdown(source)
    headings: list[Heading] = []
    sections: list[Section] = []
    links: list[str] = []
    images: list[str] = []
    broken: list[str] = []
    used: set[str] = set()
    current = Section(anchor="", heading=page.title, text="")
    chunks: list[str] = []
    for index, token in enumerate(tokens):
        if token.type == "heading_open":
            anchor, text = _heading_anchor(tokens[index + 1], used)
            token.attrSet("id", anchor)
            level = int(token.tag[1])
            headings.append(Heading(level=level, anchor=anchor, text=text))
            if level >= 2:
                sections.append(msgspec.structs.replace(current, text=" ".join(chunks)))
                current, chunks = Section(anchor=anchor, heading=text, text=""), []
            continue
        if token.type in {"fence", "code_block"}:
            chunks.append(token.content)
        if token.type != "inline":
            continue
        if index > 0 and tokens[index - 1].type != "heading_open":
            chunks.append(token.content)
        for child in token.children or []:
            if child.type == "link_open":
                href = str(child.attrGet("href") or "")
                links.append(href)
                child.attrSet("href", _rewrite(manual, page, href, broken))
            elif child.type == "image":
                src = str(child.attrGet("src") or "")
                images.append(src)
                child.attrSet("src", _rewrite(manual, page, src, broken))
    sections.append(msgspec.structs.replace(current, text=" ".join(chunks)))
    return RenderedPage(
        page=page,
        html=render_tokens(tokens, heading_ids=True),
        headings=tuple(headings),
        sections=tuple(s for s in sections if s.text or s.anchor),
        links=tuple(links),
        images=tuple(images),
        broken=tuple(broken),
    )
