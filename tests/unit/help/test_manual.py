"""The manual's index and renderer, on a docs tree of the test's own: new files appear with no code change, names
from a request never leave the tree, links between pages become /help URLs and broken ones are reported."""

from __future__ import annotations

import os
from html.parser import HTMLParser
from pathlib import Path

import pytest

from api.domain.help.manual import Manual
from api.domain.help.search import search
from api.domain.problems.markdown import sanitise_html


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


def _write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    _write(tmp_path, "students/01-start.md", "# Start here\n\nWelcome. See [verdicts](02-verdicts.md#tle).\n")
    _write(
        tmp_path,
        "students/02-verdicts.md",
        "# Verdicts\n\n## Time limit exceeded {#tle}\n\nToo slow: a faster algorithm.\n\n## Wrong answer\n\nOops.\n",
    )
    _write(tmp_path, "images/shot.png", "not really a png")
    return tmp_path


def test_pages_are_found_by_the_convention_in_order(docs: Path) -> None:
    manual = Manual(docs)
    assert [(p.ref, p.title, p.order) for p in manual.pages()] == [
        ("students/start", "Start here", 1),
        ("students/verdicts", "Verdicts", 2),
    ]


def test_a_new_file_is_picked_up_without_any_code_change(docs: Path) -> None:
    manual = Manual(docs)
    assert manual.find("instructors", "checkers") is None
    _write(docs, "instructors/03-checkers.md", "# Checkers\n\nTokens are compared.\n")
    found = manual.find("instructors", "checkers")
    assert found is not None
    assert found.title == "Checkers"
    assert [hit.page.ref for hit in search(manual, "tokens compared")] == ["instructors/checkers"]


def test_a_changed_file_is_rendered_again(docs: Path) -> None:
    manual = Manual(docs)
    page = manual.find("students", "start")
    assert page is not None
    assert "Welcome" in manual.render(page).html
    path = docs / "students/01-start.md"
    path.write_text("# Start here\n\nHello again, a longer text.\n", encoding="utf-8")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    page = manual.find("students", "start")
    assert page is not None
    assert "Hello again" in manual.render(page).html


@pytest.mark.parametrize(
    "name",
    ["start.md", "01-Start.md", "01-start.txt", "01-start.md.bak", ".01-start.md", "01-..md", "01_start.md"],
)
def test_files_off_the_convention_are_not_pages(tmp_path: Path, name: str) -> None:
    _write(tmp_path, f"students/{name}", "# Not a page\n")
    assert Manual(tmp_path).pages() == []


def test_a_symlink_is_not_a_page(tmp_path: Path) -> None:
    secret = _write(tmp_path, "outside.md", "# Secret\n")
    (tmp_path / "students").mkdir()
    (tmp_path / "students" / "01-secret.md").symlink_to(secret)
    assert Manual(tmp_path).pages() == []


@pytest.mark.parametrize(
    ("audience", "slug"),
    [
        ("students", "../students/start"),
        ("students", "..%2Fstart"),
        ("students", "01-start"),
        ("students", "start.md"),
        ("..", "students"),
        ("images", "shot"),
        ("students", "START"),
        ("nobody", "start"),
        ("students", ""),
    ],
)
def test_names_from_a_request_never_become_paths(docs: Path, audience: str, slug: str) -> None:
    assert Manual(docs).find(audience, slug) is None


def test_links_become_help_urls_and_headings_get_anchors(docs: Path) -> None:
    manual = Manual(docs)
    start = manual.find("students", "start")
    verdicts = manual.find("students", "verdicts")
    assert start is not None
    assert verdicts is not None
    html = manual.render(start).html
    assert 'href="/help/students/verdicts#tle"' in html
    rendered = manual.render(verdicts)
    assert [h.anchor for h in rendered.headings] == ["verdicts", "tle", "wrong-answer"]
    assert '<h2 id="tle">Time limit exceeded</h2>' in rendered.html  # the {#tle} marker is not shown
    assert manual.resolve("students/verdicts#tle") == (verdicts, "tle")


def test_broken_links_and_images_are_reported(docs: Path) -> None:
    _write(
        docs,
        "students/03-broken.md",
        "# Broken\n\n[gone](09-gone.md) [out](../../../etc/passwd.md) ![x](../images/missing.png)"
        " ![ok](../images/shot.png) [web](https://example.org) [here](#broken) [app](/problems)\n",
    )
    manual = Manual(docs)
    page = manual.find("students", "broken")
    assert page is not None
    rendered = manual.render(page)
    assert rendered.broken == ("09-gone.md", "../../../etc/passwd.md", "../images/missing.png")
    assert 'src="/help/images/shot.png"' in rendered.html


def test_script_in_a_page_stays_inert(docs: Path) -> None:
    _write(docs, "students/04-x.md", '# X\n\n<script>alert(1)</script> [a](javascript:alert(1)) {#"onload=x}\n')
    manual = Manual(docs)
    page = manual.find("students", "x")
    assert page is not None
    elements = _Elements()
    elements.feed(manual.render(page).html)
    assert "script" not in [tag for tag, _attrs in elements.found]
    for _tag, attrs in elements.found:
        assert not any(name.startswith("on") for name in attrs)
        assert not any((value or "").startswith("javascript") for value in attrs.values())


def test_search_needs_every_word_and_points_at_the_section(docs: Path) -> None:
    manual = Manual(docs)
    hits = search(manual, "faster ALGORITHM")
    assert [(h.page.ref, h.anchor) for h in hits] == [("students/verdicts", "tle")]
    assert ("algorithm", True) in hits[0].fragments
    assert hits[0].url == "/help/students/verdicts#tle"
    assert search(manual, "faster nonexistentword") == []
    assert search(manual, "   ") == []


def test_ids_survive_sanitising_only_on_headings_and_only_when_asked() -> None:
    html = '<h2 id="languages">L</h2><p id="x">p</p><h3 id="Bad Id">b</h3><h4 id="a&quot;onclick">c</h4>'
    kept = sanitise_html(html, heading_ids=True)
    assert '<h2 id="languages">' in kept
    assert "<p>p</p>" in kept
    assert "<h3>b</h3>" in kept
    assert "<h4>c</h4>" in kept
    assert 'id="' not in sanitise_html(html)  # problem statements keep no ids at all
