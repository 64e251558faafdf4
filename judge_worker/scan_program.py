"""The construct checker that runs INSIDE the sandbox: ``python3 scan.py`` reads ``scan.json`` (the language, the
source file's name and the rules) and the source, and prints the results as JSON. Standard library only, and no
import of this package: the worker copies this file into the box as it is.

Python is checked on its syntax tree (``ast``): calls and references to a forbidden name (through import aliases
too), imports of a forbidden module (``import``, ``from ... import``, ``__import__``, ``importlib.import_module``),
function definitions. Other languages are checked on tokens: comments and string literals are dropped, then a call
is a (qualified) name before ``(``, an import is ``#include <...>`` or Java's ``import``, a definition is a call-like
name whose ``)`` is followed by ``{``.
"""

from __future__ import annotations

import ast
import io
import json
import re
import sys
import tokenize
from pathlib import Path
from typing import Any

Result = dict[str, Any]

_C_LIKE_TOKEN = re.compile(
    r"""(?P<comment>//[^\n]*|/\*.*?\*/)
      |(?P<string>"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*')
      |(?P<include>\#\s*include\s*[<"](?P<header>[^>"\n]+)[>"])
      |(?P<word>[A-Za-z_$][A-Za-z_0-9$]*)
      |(?P<number>\d[\w.]*)
      |(?P<op>::|->|\.|[^\sA-Za-z_0-9$])
      |(?P<space>\s+)""",
    re.VERBOSE | re.DOTALL,
)


def _finding(rule: int, message: str, line: int = 0, column: int = 0) -> dict[str, Any]:
    return {"rule": rule, "message": message, "line": line, "column": column}


# --- Python: the syntax tree ----------------------------------------------------------------------------------
def _dotted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


class _Python(ast.NodeVisitor):
    def __init__(self) -> None:
        self.aliases: dict[str, str] = {}  # local name -> the dotted name it stands for
        self.references: list[tuple[str, int, int, bool]] = []  # (dotted name, line, column, called)
        self.imports: list[tuple[str, int, int]] = []
        self.functions: set[str] = set()

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.imports.append((alias.name, node.lineno, node.col_offset + 1))
            local = alias.asname or alias.name.split(".")[0]
            self.aliases[local] = alias.name if alias.asname else alias.name.split(".")[0]

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        self.imports.append((module, node.lineno, node.col_offset + 1))
        for alias in node.names:
            self.imports.append((f"{module}.{alias.name}", node.lineno, node.col_offset + 1))
            self.aliases[alias.asname or alias.name] = f"{module}.{alias.name}"

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self.functions.add(node.name)
        self.generic_visit(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self.functions.add(node.name)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        name = _dotted(node.func)
        if name in ("__import__", "importlib.import_module") and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                self.imports.append((first.value, node.lineno, node.col_offset + 1))
        self.generic_visit(node)

    def _reference(self, node: ast.Name | ast.Attribute) -> None:
        name = _dotted(node)
        if name is not None:
            head, _, rest = name.partition(".")
            resolved = self.aliases.get(head, head) + (f".{rest}" if rest else "")
            self.references.append((resolved, node.lineno, node.col_offset + 1, False))
            if resolved != name:
                self.references.append((name, node.lineno, node.col_offset + 1, False))

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            self._reference(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if isinstance(node.ctx, ast.Load):
            self._reference(node)
        self.generic_visit(node)


def _python_words(source: str) -> list[tuple[str, int, int]]:
    words: list[tuple[str, int, int]] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type in (tokenize.NAME, tokenize.OP):
                words.append((tok.string, tok.start[0], tok.start[1] + 1))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        pass
    return words


def _matches_module(imported: str, forbidden: str) -> bool:
    return imported == forbidden or imported.startswith(forbidden + ".")


def check_python(source: str, rules: list[dict[str, Any]]) -> list[Result]:
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, MemoryError, RecursionError) as exc:
        line = getattr(exc, "lineno", 0) or 0
        tree = None
        parse_error = f"the program does not parse ({type(exc).__name__}), so this rule cannot be checked"
    facts = _Python()
    if tree is not None:
        try:
            facts.visit(tree)
        except RecursionError:
            tree = None
            line, parse_error = 0, "the program is nested too deeply to check this rule"
    words = _python_words(source)
    results: list[Result] = []
    for index, rule in enumerate(rules):
        kind, name = str(rule.get("kind", "")), str(rule.get("name", ""))
        if kind in ("forbid_token", "require_token"):
            results.append(_token_rule(index, kind, name, words))
            continue
        if tree is None:
            results.append({"rule": index, "passed": False, "findings": [_finding(index, parse_error, line)]})
            continue
        found: list[dict[str, Any]] = []
        if kind == "forbid_call":
            seen: set[tuple[int, int]] = set()
            for ref, ref_line, col, _ in facts.references:
                if ref in {name, f"builtins.{name}"} and (ref_line, col) not in seen:
                    seen.add((ref_line, col))
                    found.append(_finding(index, f"uses {name}", ref_line, col))
            results.append({"rule": index, "passed": not found, "findings": found})
        elif kind == "forbid_import":
            for module, imp_line, col in facts.imports:
                if _matches_module(module, name):
                    found.append(_finding(index, f"imports {module}", imp_line, col))
            results.append({"rule": index, "passed": not found, "findings": found})
        elif kind == "require_function":
            ok = name in facts.functions
            message = f"defines no function named {name}"
            results.append({"rule": index, "passed": ok, "findings": [] if ok else [_finding(index, message)]})
        else:
            results.append(_unknown(index, kind))
    return results


# --- other languages: tokens ----------------------------------------------------------------------------------
def c_like_tokens(source: str) -> tuple[list[tuple[str, int, int]], list[tuple[str, int, int]]]:
    """The words and symbols of a C, C++ or Java source (comments and strings dropped), and its includes."""
    tokens: list[tuple[str, int, int]] = []
    includes: list[tuple[str, int, int]] = []
    line, line_start = 1, 0
    for match in _C_LIKE_TOKEN.finditer(source):
        text = match.group(0)
        column = match.start() - line_start + 1
        if match.group("include"):
            includes.append((match.group("header").strip(), line, column))
        elif match.group("word") or match.group("number") or match.group("op"):
            tokens.append((text, line, column))
        newlines = text.count("\n")
        if newlines:
            line += newlines
            line_start = match.start() + text.rindex("\n") + 1
    return tokens, includes


def _qualified(tokens: list[tuple[str, int, int]], at: int, parts: list[str]) -> bool:
    """Whether ``parts`` (a.b or a::b) start at token ``at``."""
    position = at
    for number, part in enumerate(parts):
        if number:
            if position >= len(tokens) or tokens[position][0] not in (".", "::"):
                return False
            position += 1
        if position >= len(tokens) or tokens[position][0] != part:
            return False
        position += 1
    return True


def _split(name: str) -> list[str]:
    return [p for p in re.split(r"::|\.", name) if p]


def _after(tokens: list[tuple[str, int, int]], at: int, count: int) -> int:
    """The index just past a qualified name of ``count`` parts starting at ``at``."""
    return at + 2 * count - 1


def _closing(tokens: list[tuple[str, int, int]], opening: int) -> int:
    depth = 0
    for index in range(opening, len(tokens)):
        if tokens[index][0] == "(":
            depth += 1
        elif tokens[index][0] == ")":
            depth -= 1
            if depth == 0:
                return index
    return len(tokens)


def check_tokens(source: str, language: str, rules: list[dict[str, Any]]) -> list[Result]:
    tokens, includes = c_like_tokens(source)
    results: list[Result] = []
    for index, rule in enumerate(rules):
        kind, name = str(rule.get("kind", "")), str(rule.get("name", ""))
        parts = _split(name)
        found: list[dict[str, Any]] = []
        if kind in ("forbid_token", "require_token"):
            results.append(_token_rule(index, kind, name, tokens))
            continue
        if not parts:
            results.append(_unknown(index, kind))
            continue
        if kind == "forbid_call":
            for at, (_, line, col) in enumerate(tokens):
                if _qualified(tokens, at, parts):
                    end = _after(tokens, at, len(parts))
                    if end < len(tokens) and tokens[end][0] in ("(", "<"):  # a call, or a template's call
                        found.append(_finding(index, f"calls {name}", line, col))
            results.append({"rule": index, "passed": not found, "findings": found})
        elif kind == "forbid_import":
            if language == "java":
                for at, (word, line, col) in enumerate(tokens):
                    if word == "import":
                        start = at + 2 if at + 1 < len(tokens) and tokens[at + 1][0] == "static" else at + 1
                        if _qualified(tokens, start, parts):
                            found.append(_finding(index, f"imports {name}", line, col))
            for header, line, col in includes:
                if header == name or header.removesuffix(".h") == name:
                    found.append(_finding(index, f"includes {header}", line, col))
            results.append({"rule": index, "passed": not found, "findings": found})
        elif kind == "require_function":
            ok = False
            for at in range(len(tokens)):
                if tokens[at][0] == parts[-1] and at + 1 < len(tokens) and tokens[at + 1][0] == "(":
                    close = _closing(tokens, at + 1)
                    rest = [t[0] for t in tokens[close + 1 : close + 8]]
                    body = next((i for i, t in enumerate(rest) if t in ("{", ";")), None)
                    if body is not None and rest[body] == "{":
                        ok = True
                        break
            message = f"defines no function named {name}"
            results.append({"rule": index, "passed": ok, "findings": [] if ok else [_finding(index, message)]})
        else:
            results.append(_unknown(index, kind))
    return results


def _token_rule(index: int, kind: str, name: str, words: list[tuple[str, int, int]]) -> Result:
    wanted = [p for p in re.split(r"(::|\.)", name) if p]
    hits = [
        (line, col)
        for at, (_, line, col) in enumerate(words)
        if [w[0] for w in words[at : at + len(wanted)]] == wanted and wanted
    ]
    if kind == "forbid_token":
        found = [_finding(index, f"uses {name}", line, col) for line, col in hits]
        return {"rule": index, "passed": not found, "findings": found}
    ok = bool(hits)
    return {"rule": index, "passed": ok, "findings": [] if ok else [_finding(index, f"never uses {name}")]}


def _unknown(index: int, kind: str) -> Result:
    return {"rule": index, "passed": False, "findings": [_finding(index, f"unknown rule kind {kind!r}")]}


def check(language: str, source: str, rules: list[dict[str, Any]]) -> list[Result]:
    if language.startswith("python"):
        return check_python(source, rules)
    return check_tokens(source, language, rules)


def main() -> int:
    job = json.loads(Path("scan.json").read_text(encoding="utf-8"))
    source = Path(str(job["source"])).read_text(encoding="utf-8", errors="replace")
    sys.stdout.write(json.dumps({"results": check(str(job["language"]), source, list(job["rules"]))}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
