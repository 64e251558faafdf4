"""A link checker over the real manuals in docs/: the naming convention, titles, links between pages (and their
anchors), images, the "?" links of the templates, and the configuration reference generated from .env.example."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from api.domain.help.manual import AUDIENCES, DOCS_DIR, Manual
from scripts.config_reference import ENV_EXAMPLE, PAGE, render
from scripts.screenshots import MANUAL_DIR, MANUAL_SHOTS

ROOT = DOCS_DIR.parent
TEMPLATES = ROOT / "web" / "templates"
_HELP_LINK = re.compile(r"""help_link\(\s*["']([^"']+)["']""")
_FILE_NAME = re.compile(r"^\d{1,3}-[a-z0-9][a-z0-9-]*\.md$")
MANUAL = Manual()


def test_every_audience_has_pages() -> None:
    for audience in AUDIENCES:
        assert MANUAL.pages(audience.key), f"docs/{audience.key}/ has no NN-slug.md page"


@pytest.mark.parametrize("path", sorted(p for a in AUDIENCES for p in (DOCS_DIR / a.key).glob("*")), ids=str)
def test_every_file_follows_the_convention(path: Path) -> None:
    assert _FILE_NAME.match(path.name), f"{path}: name it NN-slug.md (lowercase, dashes)"
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# "), f"{path}: line 1 must be '# Title'"
    assert first[2:].strip(), f"{path}: line 1 must be '# Title'"


@pytest.mark.parametrize("ref", [p.ref for p in MANUAL.pages()])
def test_links_between_pages_and_images_resolve(ref: str) -> None:
    found = MANUAL.resolve(ref)
    assert found is not None
    rendered = MANUAL.render(found[0])
    assert rendered.broken == (), f"docs/{ref}: links to missing pages or images: {rendered.broken}"
    for href in rendered.links:
        parts = urlsplit(href)
        if parts.scheme or href.startswith("/"):
            continue
        if parts.path.endswith(".md"):
            target = MANUAL.page_for_file(found[0], parts.path)
            assert target is not None
            anchors = MANUAL.render(target).anchors
        else:
            anchors = rendered.anchors
        if parts.fragment:
            assert parts.fragment in anchors, f"docs/{ref}: {href}: no such section (has {sorted(anchors)})"


def test_every_image_is_used() -> None:
    used = {Path(src).name for rendered in MANUAL.all_rendered() for src in rendered.images}
    present = {p.name for p in (DOCS_DIR / "images").iterdir() if not p.name.startswith(".")}
    assert present - used == set(), "images in docs/images that no page shows"


def test_every_help_link_of_the_templates_opens_an_existing_section() -> None:
    targets = {
        (template.relative_to(ROOT), target)
        for template in TEMPLATES.rglob("*.j2")
        for target in _HELP_LINK.findall(template.read_text(encoding="utf-8"))
        if template.name != "_help.html.j2"
    }
    assert len(targets) >= 8  # the pages use them
    for template, target in sorted(targets):
        found = MANUAL.resolve(target)
        assert found is not None, f"{template}: help_link({target!r}): no such page"
        page, anchor = found
        if anchor:
            assert anchor in MANUAL.render(page).anchors, f"{template}: help_link({target!r}): no such section"


def test_the_configuration_reference_is_generated_from_env_example() -> None:
    expected = render(ENV_EXAMPLE.read_text(encoding="utf-8"))
    assert PAGE.read_text(encoding="utf-8") == expected, "run: .venv/bin/python scripts/config_reference.py"
    for name in re.findall(r"^([A-Z][A-Z0-9_]*)=", ENV_EXAMPLE.read_text(encoding="utf-8"), re.MULTILINE):
        assert f"`{name}`" in expected


def test_the_screenshot_script_makes_the_manuals_images() -> None:
    assert MANUAL_DIR == DOCS_DIR / "images"
    for name in MANUAL_SHOTS:
        assert (MANUAL_DIR / f"{name}.png").is_file(), f"run scripts/screenshots.py --manual ({name}.png missing)"
