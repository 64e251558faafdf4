"""Statements render to safe HTML: math and code survive for the web UI, scripts and handlers never do."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from api.domain.problems.markdown import render_markdown, sanitise_html


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))


def _elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Elements()
    parser.feed(html)
    return parser.elements


def _assert_inert(html: str) -> None:
    for tag, attrs in _elements(html):
        assert tag not in {"script", "iframe", "object", "embed", "style", "form", "input"}, html
        for name, value in attrs.items():
            assert not name.startswith("on"), html
            assert name != "style" or "url" not in (value or ""), html
            if name in {"href", "src"}:
                assert (value or "").lower().startswith(("http://", "https://", "mailto:", "/", "#")) or ":" not in (
                    value or ""
                ), html


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("Sum $a + b$.", '<p>Sum <span class="math-inline">a + b</span>.</p>'),
        ("$x < y$", '<p><span class="math-inline">x &lt; y</span></p>'),
        ("It costs \\$5 or $10, not $20.", "<p>It costs $5 or $10, not $20.</p>"),
        ("$ a $ stays text", "<p>$ a $ stays text</p>"),
        ("Inline $$\\sum_i x_i$$ display", '<p>Inline <span class="math-display">\\sum_i x_i</span> display</p>'),
        ("$$\nx^2\n\\le y\n$$", '<div class="math-display">x^2\n\\le y</div>'),
        ("$$a_1 * b_2$$", '<div class="math-display">a_1 * b_2</div>'),
    ],
)
def test_math_is_kept_as_text_in_classed_spans(source: str, expected: str) -> None:
    assert render_markdown(source).strip() == expected


def test_markdown_emphasis_does_not_break_math() -> None:
    html = render_markdown("$a_1 * b_2 * c$ and *em*")
    assert '<span class="math-inline">a_1 * b_2 * c</span>' in html
    assert "<em>em</em>" in html


def test_code_blocks_keep_their_language_class_and_escape_html() -> None:
    html = render_markdown('```python\nprint("<b>")\n```')
    assert html.strip() == '<pre><code class="language-python">print("&lt;b&gt;")\n</code></pre>'


def test_a_hostile_language_name_cannot_inject_attributes() -> None:
    html = render_markdown('```x" onmouseover="alert(1)\ncode\n```')
    assert "onmouseover" not in html
    assert 'class="language-x"' in html


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "![x](javascript:alert(1))",
        '<a href="javascript:alert(1)">x</a>',
        "<iframe src='https://evil.example'></iframe>",
        '<div style="background:url(javascript:alert(1))">x</div>',
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
    ],
)
def test_no_script_handler_or_dangerous_url_survives(source: str) -> None:
    html = render_markdown(source)
    _assert_inert(html)
    assert "<script" not in html.lower()  # raw HTML is shown as text, never as markup


@pytest.mark.parametrize(
    "html",
    [
        "<p>ok<script>alert(1)</script></p>",
        '<img src="x" onerror="alert(1)">',
        '<a href="javascript:alert(1)">x</a>',
        '<a href=" JAVASCRIPT:alert(1)">x</a>',
        '<svg><g onload="alert(1)"></g></svg>',
        '<div style="background:url(javascript:alert(1))" onclick="x()">x</div>',
        '<code class="language-py evil">x</code><span class="steal">y</span>',
        "<iframe src=https://evil.example></iframe><form action=/x><input name=p></form>",
        "<td style='position:fixed;top:0'>x</td>",
    ],
)
def test_the_sanitiser_strips_what_the_renderer_never_makes(html: str) -> None:
    cleaned = sanitise_html(html)
    _assert_inert(cleaned)
    assert "evil" not in cleaned
    assert "steal" not in cleaned
    assert "position" not in cleaned


def test_links_tables_and_lists_render() -> None:
    html = render_markdown("[docs](https://example.org)\n\n| a | b |\n|:-:|--:|\n| 1 | 2 |\n\n1. one\n2. two")
    assert '<a href="https://example.org" rel="noopener noreferrer nofollow">docs</a>' in html
    assert '<th style="text-align:center">a</th>' in html
    assert "<ol>" in html
    assert "<li>two</li>" in html


def test_only_known_classes_are_kept() -> None:
    assert sanitise_html('<span class="math-inline">x</span>') == '<span class="math-inline">x</span>'
    assert sanitise_html('<span class="math-inline evil">x</span>') == "<span>x</span>"
