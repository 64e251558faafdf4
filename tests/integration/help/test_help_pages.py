"""/help over HTTP: every page of docs/ renders for anyone, the contents and search work, unknown or crafted names
are 404s, and a crawl of every link from /help finds no dead page, section or image."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.domain.help.manual import AUDIENCES, Manual

Client = AsyncTestClient[Litestar]
HTML = {"Accept": "text/html"}
MANUAL = Manual()


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.srcs: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(str(values["id"]))
        if tag == "a" and values.get("href"):
            self.hrefs.append(str(values["href"]))
        if tag == "img" and values.get("src"):
            self.srcs.append(str(values["src"]))


def _parse(html: str) -> _Links:
    links = _Links()
    links.feed(html)
    return links


@pytest.mark.parametrize("url", [p.url for p in MANUAL.pages()])
async def test_every_page_renders_for_a_signed_out_visitor(client: Client, url: str) -> None:
    resp = await client.get(url, headers=HTML)
    assert resp.status_code == 200, url
    assert resp.headers["content-type"].startswith("text/html")
    assert "script-src 'self';" in resp.headers["content-security-policy"]
    page = MANUAL.resolve(url.removeprefix("/help/"))
    assert page is not None
    assert "<h1 id=" in resp.text
    assert page[0].title.replace("'", "&#39;") in resp.text or page[0].title in resp.text


async def test_the_contents_list_every_audience_and_page(client: Client) -> None:
    index = await client.get("/help", headers=HTML)
    assert index.status_code == 200
    for audience in AUDIENCES:
        assert f'href="/help/{audience.key}"' in index.text
    for page in MANUAL.pages():
        assert f'href="{page.url}"' in index.text
    students = await client.get("/help/students", headers=HTML)
    assert 'href="/help/students/submitting#verdicts"' in students.text  # sections of each page


async def test_search_finds_a_word_and_links_to_its_section(client: Client) -> None:
    resp = await client.get("/help/search", params={"q": "SIGSEGV"}, headers=HTML)
    assert resp.status_code == 200
    assert 'href="/help/api/judge0#statuses"' in resp.text
    assert "<mark>SIGSEGV</mark>" in resp.text
    nothing = await client.get("/help/search", params={"q": "zzqxnothing"}, headers=HTML)
    assert "Nothing found" in nothing.text


async def test_search_shows_a_query_as_text(client: Client) -> None:
    resp = await client.get("/help/search", params={"q": "<script>alert(1)</script> verdict"}, headers=HTML)
    assert resp.status_code == 200
    assert "<script>alert(1)" not in resp.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in resp.text
    long = await client.get("/help/search", params={"q": "x" * 201}, headers=HTML)
    assert long.status_code == 400


@pytest.mark.parametrize(
    "path",
    [
        "/help/students/no-such-page",
        "/help/nobody",
        "/help/nobody/submitting",
        "/help/students/01-getting-started",
        "/help/students/getting-started.md",
        "/help/students/..%2F..%2Fapi%2Fsettings",
        "/help/students/%2e%2e",
        "/help/..%2F..%2Fetc%2Fpasswd",
        "/help/images/..%2F..%2F.env.example",
        "/help/images/../../README.md",
        "/help/images/%2e%2e/students/01-getting-started.md",
        "/help/students/.%2e",
    ],
)
async def test_unknown_and_crafted_names_are_404(client: Client, path: str) -> None:
    resp = await client.get(path, headers=HTML)
    assert resp.status_code == 404, (path, resp.status_code)
    assert "SECRET_KEY" not in resp.text
    assert "# Getting started" not in resp.text


async def test_images_are_served_from_docs_images(client: Client) -> None:
    resp = await client.get("/help/images/architecture.svg")
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("image/svg+xml")
    assert "<svg" in resp.text


async def test_a_crawl_from_help_finds_no_dead_link(client: Client) -> None:
    seen: dict[str, set[str]] = {}
    todo = ["/help"]
    anchors: list[tuple[str, str, str]] = []
    while todo:
        url = todo.pop()
        if url in seen:
            continue
        resp = await client.get(url, headers=HTML)
        assert resp.status_code == 200, f"{url}: {resp.status_code}"
        links = _parse(resp.text)
        seen[url] = links.ids
        for src in links.srcs:
            if src.startswith("/help/images/"):
                image = await client.get(src)
                assert image.status_code == 200, f"{url}: image {src}"
        for href in links.hrefs:
            target, fragment = urldefrag(href)
            target = target or url
            if urlsplit(target).scheme or not target.startswith("/help") or target.startswith("/help/search"):
                continue
            if fragment:
                anchors.append((url, target, fragment))
            if target not in seen:
                todo.append(target)
    assert len(seen) >= len(MANUAL.pages()) + len(AUDIENCES) + 1
    for source, target, fragment in anchors:
        assert fragment in seen[target], f"{source} links to {target}#{fragment}: no such section"
    assert all(re.fullmatch(r"/help(/[a-z]+(/[a-z0-9-]+)?)?", url) for url in seen)


async def test_the_help_links_of_the_pages_lead_to_existing_sections(client: Client) -> None:
    profile_template = (MANUAL.root.parent / "web/templates/accounts/profile.html.j2").read_text(encoding="utf-8")
    assert 'help_link("students/account#profile"' in profile_template
    page = await client.get("/help/students/account", headers=HTML)
    assert 'id="profile"' in page.text
