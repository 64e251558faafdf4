"""The statement of a package: Markdown or LaTeX, in ``statement/`` (2023-07) or ``problem_statement/`` (legacy).

One statement is chosen, by language: English first, then a file with no language, then the others in order of
their code; for one language, Markdown before LaTeX (Markdown is what Verdict edits and exports, so an exported
package keeps its original ``.tex`` beside the Markdown and reads back the same). A LaTeX statement is converted to
Markdown (:mod:`api.domain.problems.latex`). Images a statement shows must be in the statement directory; they are
kept with the package and served with the statement.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Final

import msgspec

from api.domain.problems.errors import PackageIssue
from api.domain.problems.latex import latex_to_markdown

__all__ = ["STATEMENT_DIRS", "Statement", "read_statement", "statement_languages"]

STATEMENT_DIRS: Final = ("statement", "problem_statement")
MAX_STATEMENT_BYTES: Final = 256 * 1024
_STATEMENT: Final = re.compile(r"^problem(\.([a-z]{2,3}(-[A-Za-z]{2})?))?\.(md|tex)$")
_REFUSED_FORMATS: Final = {".pdf": "PDF", ".html": "HTML", ".htm": "HTML", ".docx": "Word"}
_IMAGE_EXTENSIONS: Final = (".png", ".jpg", ".jpeg", ".svg", ".gif", ".webp")
_IMAGE: Final = re.compile(r"!\[[^\]]*\]\(<?([^)\s>]+)>?\)")
_URL: Final = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)


class Statement(msgspec.Struct, frozen=True, kw_only=True):
    markdown: str = ""
    path: str = ""  # the file it was read from (a .tex for LaTeX)
    stored_path: str = ""  # where the Markdown is stored and exported: the .md beside a .tex
    title: str | None = None
    language: str | None = None
    converted_from_latex: bool = False


def _candidates(files: dict[str, bytes]) -> list[tuple[tuple[int, str, int], str, str | None]]:
    found: list[tuple[tuple[int, str, int], str, str | None]] = []
    for name in files:
        path = PurePosixPath(name)
        if len(path.parts) != 2 or path.parts[0] not in STATEMENT_DIRS:
            continue
        match = _STATEMENT.match(path.name)
        if match:
            language = match.group(2)
            rank = 0 if language == "en" else 1 if language is None else 2
            found.append(((rank, language or "", 0 if match.group(4) == "md" else 1), name, language))
    return sorted(found)


def statement_languages(files: dict[str, bytes]) -> tuple[str, ...]:
    """The languages the package has statements in (``""`` for a file with no language code)."""
    return tuple(dict.fromkeys(language or "" for _key, _name, language in _candidates(files)))


def _decode(data: bytes, path: str, issues: list[PackageIssue]) -> str | None:
    if len(data) > MAX_STATEMENT_BYTES:
        issues.append(PackageIssue(path, f"over {MAX_STATEMENT_BYTES} bytes"))
        return None
    try:
        return data.decode("utf-8").replace("\r\n", "\n")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        issues.append(PackageIssue(path, "not UTF-8 text (save it as UTF-8)", line=line))
        return None


def _check_images(
    images: tuple[str, ...], path: str, files: dict[str, bytes], issues: list[PackageIssue]
) -> dict[str, str]:
    """Every image the statement shows must be a file of its directory; LaTeX may leave out the extension.
    Returns the names to rewrite (``cat`` -> ``cat.png``)."""
    directory = str(PurePosixPath(path).parent)
    rewrites: dict[str, str] = {}
    for image in images:
        if _URL.match(image):
            continue  # a web address: the sanitiser allows http(s) only
        clean = PurePosixPath(image)
        if image.startswith("/") or ".." in clean.parts:
            issues.append(PackageIssue(path, f"the image {image!r} points outside {directory}/"))
            continue
        if f"{directory}/{clean}" in files:
            continue
        found = next((f"{clean}{ext}" for ext in _IMAGE_EXTENSIONS if f"{directory}/{clean}{ext}" in files), None)
        if found is None:
            issues.append(PackageIssue(path, f"shows the image {image!r}, which is not in {directory}/"))
        else:
            rewrites[image] = found
    return rewrites


def read_statement(files: dict[str, bytes], issues: list[PackageIssue]) -> Statement:
    candidates = _candidates(files)
    if not candidates:
        others = sorted(
            name
            for name in files
            if len(PurePosixPath(name).parts) == 2
            and PurePosixPath(name).parts[0] in STATEMENT_DIRS
            and PurePosixPath(name).suffix.lower() in _REFUSED_FORMATS
        )
        if others:
            kind = _REFUSED_FORMATS[PurePosixPath(others[0]).suffix.lower()]
            issues.append(
                PackageIssue(others[0], f"{kind} statements are not supported: add problem.en.md or problem.en.tex")
            )
        else:
            issues.append(
                PackageIssue("statement/", "no statement: add statement/problem.en.md or statement/problem.en.tex")
            )
        return Statement()
    _key, chosen, language = candidates[0]
    text = _decode(files[chosen], chosen, issues)
    if text is None:
        return Statement(path=chosen)
    if not chosen.endswith(".tex"):
        images = tuple(m.group(1) for m in _IMAGE.finditer(text))
        _check_images(images, chosen, files, issues)
        return Statement(markdown=text, path=chosen, stored_path=chosen, language=language)
    converted = latex_to_markdown(text, chosen, issues)
    if converted is None:
        return Statement(path=chosen)
    markdown = converted.markdown
    for image, actual in _check_images(converted.images, chosen, files, issues).items():
        markdown = markdown.replace(f"]({image})", f"]({actual})")
    return Statement(
        markdown=markdown,
        path=chosen,
        stored_path=chosen[: -len(".tex")] + ".md",
        title=converted.title,
        language=language,
        converted_from_latex=True,
    )
