"""LaTeX problem statements (``problem.<lang>.tex``) converted to the Markdown Verdict stores and renders.

The converter is pandoc, from the ``pypandoc-binary`` wheel (a pinned, self-contained binary: no system package,
the same version on every host). Pandoc's LaTeX reader understands the sectioning, lists, tables, emphasis,
verbatim, ``\\includegraphics`` and math that statements use, and user macros defined with ``\\newcommand``;
the problemtools macros ``\\problemname`` and ``\\illustration`` are defined here. The output is CommonMark with
``$...$`` math, the same dialect as a Markdown statement, so it is sanitised and rendered by the one Markdown path.

A hostile statement costs little: pandoc runs with ``--sandbox`` (it reads and writes no file, so ``\\input`` of
``/etc/passwd`` is impossible), a heap cap, a time limit and a size cap on the input. What pandoc cannot render is
refused naming the file, line and column; commands pandoc would silently drop are refused by name unless they only
change the layout of a printed page (spacing, font sizes, page breaks).
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path
from typing import Final

from api.domain.problems.errors import PackageIssue

__all__ = ["LatexStatement", "latex_to_markdown"]

PANDOC_TIMEOUT_S: Final = 20
PANDOC_HEAP: Final = "512m"
_TARGET: Final = "commonmark-raw_html+tex_math_dollars+pipe_tables+strikeout"
# Defined before the statement, on the same first line, so pandoc's line numbers are the file's own.
_PRELUDE: Final = (
    r"\newcommand{\problemname}[1]{}"
    r"\newcommand{\illustration}[3]{\begin{figure}\includegraphics[width=#1\textwidth]{#2}\caption{#3}\end{figure}}"
    r"\newcommand{\nextsample}{}\newcommand{\remainingsamples}{}\newcommand{\sampletable}{}"
)
# Commands that only lay out a printed page: dropping them loses nothing on the web.
_LAYOUT_ONLY: Final = frozenset(
    {
        "vspace", "hspace", "noindent", "indent", "smallskip", "medskip", "bigskip", "newpage", "clearpage",
        "pagebreak", "linebreak", "nopagebreak", "centering", "raggedright", "raggedleft", "hfill", "vfill",
        "tiny", "scriptsize", "footnotesize", "small", "normalsize", "large", "Large", "LARGE", "huge", "Huge",
        "fontsize", "selectfont", "sloppy", "fussy", "par", "label", "protect", "relax", "vskip", "hskip",
        "setlength", "addtolength", "pagestyle", "thispagestyle", "allowbreak", "null",
    }
)  # fmt: skip
_PROBLEMNAME: Final = re.compile(r"\\problemname\s*\{((?:[^{}]|\{[^{}]*\})*)\}")
_ERROR_AT: Final = re.compile(r'Error at (?:"[^"]*" )?\(line (\d+), column (\d+)\):\s*(.*)', re.DOTALL)
_SKIPPED: Final = re.compile(r"\[INFO\] Skipped '(\\([A-Za-z@]+)[^']*)' at (?:\S+ )?line (\d+) column (\d+)")
_RAW: Final = re.compile(r'\[INFO\] Not rendering RawInline \(Format "latex"\) "\\\\([A-Za-z@]+)')
_MISSING_INCLUDE: Final = re.compile(
    r"\[WARNING\] Could not load include file (\S+) at (?:\S+ )?line (\d+) column (\d+)"
)
_IMAGE: Final = re.compile(r"!\[[^\]]*\]\(<?([^)\s>]+)>?\)")


class LatexStatement:
    """A converted statement: its Markdown, the title from ``\\problemname``, and the images it shows."""

    __slots__ = ("images", "markdown", "title")

    def __init__(self, markdown: str, title: str | None, images: tuple[str, ...]) -> None:
        self.markdown = markdown
        self.title = title
        self.images = images


@lru_cache(maxsize=1)
def _pandoc() -> str:
    """The pandoc binary the ``pypandoc-binary`` wheel ships (found without importing pypandoc, which probes it)."""
    spec = importlib.util.find_spec("pypandoc")
    for location in (spec.submodule_search_locations or []) if spec is not None else []:
        candidate = Path(location) / "files" / "pandoc"
        if candidate.is_file():
            return str(candidate)
    found = shutil.which("pandoc")
    if found is None:
        raise RuntimeError("pandoc is not installed: install the pypandoc-binary wheel (uv sync)")
    return found


def _words(message: str) -> str:
    """Pandoc's parser message (``unexpected end of input / expecting \\end{itemize}``) in one plain sentence."""
    lines = [line.strip() for line in message.strip().splitlines() if line.strip() and line.strip() != "^"]
    unexpected = next((line[len("unexpected ") :] for line in lines if line.startswith("unexpected ")), None)
    expecting = next((line[len("expecting ") :] for line in lines if line.startswith("expecting ")), None)
    if unexpected == "end of input" and expecting:
        return f"the file ends before {expecting} (an environment or brace is not closed)"
    if unexpected and expecting:
        return f"found {unexpected} where {expecting} was expected"
    if unexpected == "end of input":
        return "the file ends inside math or a group: a $ or { is not closed"
    if unexpected:
        return f"unexpected {unexpected}"
    return (lines[0] if lines else "pandoc cannot read this LaTeX")[:300]


def latex_to_markdown(source: str, path: str, issues: list[PackageIssue]) -> LatexStatement | None:
    """Convert one statement; on failure record issues naming ``path``, line and column, and return None."""
    match = _PROBLEMNAME.search(source)
    title = " ".join(match.group(1).split()) if match else None
    if title is not None and ("\\" in title or "$" in title):
        title = None  # a title with markup: the package's name (or the first heading) is used instead
    argv = [
        _pandoc(),
        "+RTS",
        f"-M{PANDOC_HEAP}",
        "-RTS",
        "--sandbox",
        "--verbose",
        "--from=latex",
        f"--to={_TARGET}",
        "--shift-heading-level-by=1",
        "--wrap=none",
    ]
    try:
        done = subprocess.run(
            argv,
            input=(_PRELUDE + source).encode(),
            capture_output=True,
            timeout=PANDOC_TIMEOUT_S,
            check=False,
            env={"LANG": "C.UTF-8"},
        )
    except subprocess.TimeoutExpired:
        issues.append(PackageIssue(path, f"the LaTeX takes more than {PANDOC_TIMEOUT_S} s to convert"))
        return None
    except OSError as exc:  # pragma: no cover - the wheel ships the binary
        raise RuntimeError(f"pandoc cannot be started: {exc}") from exc
    log = done.stderr.decode("utf-8", errors="replace")
    if done.returncode != 0:
        error = _ERROR_AT.search(log)
        if error:
            line, column = int(error.group(1)), _column(int(error.group(1)), int(error.group(2)))
            last = source.count("\n") + 1
            if line > last:  # pandoc points past the end: name the last line
                line, column = last, len(source.rsplit("\n", 1)[-1]) + 1
            issues.append(PackageIssue(path, _words(error.group(3)), line=line, column=column))
        elif "Heap exhausted" in log or "heap overflow" in log:
            issues.append(PackageIssue(path, "the LaTeX needs too much memory to convert (runaway macros?)"))
        else:
            issues.append(PackageIssue(path, f"pandoc cannot convert it: {log.strip()[:300]}"))
        return None
    before = len(issues)
    for found in _MISSING_INCLUDE.finditer(log):
        issues.append(
            PackageIssue(
                path,
                f"includes another file ({found.group(1)}): put its text in the statement itself",
                line=int(found.group(2)),
                column=_column(int(found.group(2)), int(found.group(3))),
            )
        )
    for found in _SKIPPED.finditer(log):
        command = found.group(2)
        if command in _LAYOUT_ONLY:
            continue
        line = int(found.group(3))
        end = _column(line, int(found.group(4)))  # pandoc gives the column after the command
        issues.append(
            PackageIssue(
                path,
                f"\\{command} is a LaTeX command Verdict cannot render: define it with \\newcommand or remove it",
                line=line,
                column=max(1, end - len(found.group(1).rstrip())),
            )
        )
    for command in sorted({found.group(1) for found in _RAW.finditer(log)} - _LAYOUT_ONLY):
        issues.append(PackageIssue(path, f"\\{command} cannot be shown on the web: remove it or write it out"))
    if len(issues) > before:
        return None
    markdown = done.stdout.decode("utf-8", errors="replace").strip() + "\n"
    images = tuple(dict.fromkeys(m.group(1) for m in _IMAGE.finditer(markdown)))
    return LatexStatement(markdown=markdown, title=title, images=images)


def _column(line: int, column: int) -> int:
    return max(1, column - len(_PRELUDE)) if line == 1 else column
