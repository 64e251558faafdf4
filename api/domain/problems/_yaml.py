"""YAML files of a package (``problem.yaml``, ``testdata.yaml``, DMOJ's ``init.yml``) read safely, with errors in words.

The loader is PyYAML's safe loader that also refuses anchors and aliases (no expansion tricks) and a key given twice
in one mapping (PyYAML would silently keep the last). A file that does not parse is reported with its line and
column, counted from 1, and what is wrong in plain words instead of the parser's own text.
"""

from __future__ import annotations

import re
from typing import Any, Final

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode

from api.domain.problems.errors import PackageIssue

__all__ = ["MAX_YAML_BYTES", "load_yaml", "yaml_issue"]

MAX_YAML_BYTES: Final = 64 * 1024
_FOUND_CHAR: Final = re.compile(r"found character '(.+)' that cannot start any token")


class _Strict(yaml.SafeLoader):
    """A safe loader that refuses anchors, aliases and duplicate keys."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise ConstructorError(None, None, "YAML aliases (*name) are not allowed", event.start_mark)
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if getattr(event, "anchor", None):
            raise ConstructorError(None, None, "YAML anchors (&name) are not allowed", event.start_mark)
        return super().compose_node(parent, index)

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.get(key)
            except TypeError:  # an unhashable key; the base class says so
                break
            if first is not None:
                raise ConstructorError(
                    None,
                    None,
                    f"the key {key!r} is given twice (first on line {first}): keep one",
                    key_node.start_mark,
                )
            seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


def _words(problem: str, context: str) -> str:
    """PyYAML's problem text as a sentence that says what to fix."""
    if "is given twice" in problem or problem.startswith("YAML "):
        return problem
    if problem == "mapping values are not allowed here":
        return "a second ':' on one line: put quotes around a value that contains ': '"
    found = _FOUND_CHAR.match(problem)
    if found:
        char = found.group(1)
        if char in ("\\t", "\t"):
            return "a tab character: YAML indents with spaces only"
        return f"a value cannot start with {char!r}: put quotes around it"
    if "found '<stream end>'" in problem:
        return "the file ends where a value was expected: a [ or { is not closed, or a value is missing"
    if problem.startswith("could not find expected ':'"):
        return "a line that is not 'key: value' (a missing ':'?)"
    if "while scanning a quoted scalar" in context or "double-quoted" in context:
        if "unknown escape" in problem:
            return f"{problem.replace('found ', 'an ')} in a double-quoted string: use single quotes or '\\\\'"
        return "a quoted string is not closed"
    if "flow sequence" in context:
        return "a list in [ ] is not closed, or its items lack a ',' between them"
    if "flow mapping" in context:
        return "a mapping in { } is not closed, or its entries lack a ',' between them"
    if problem.startswith("expected <block end>") or "block mapping" in context or "block collection" in context:
        return "the indentation does not line up with the lines above (or a '-' item sits inside a mapping)"
    if problem.startswith("found undefined alias"):
        return "YAML aliases (*name) are not allowed"
    if "unhashable" in problem:
        return "a key must be plain text, not a list or mapping"
    return f"not valid YAML ({problem})"


def yaml_issue(exc: yaml.YAMLError, path: str) -> PackageIssue:
    """A parse error as an issue with the place where the mistake is (where a string or list began, if so)."""
    if not isinstance(exc, yaml.MarkedYAMLError):
        return PackageIssue(path, "not valid YAML")
    problem, context = exc.problem or "", exc.context or ""
    mark = exc.problem_mark
    starts_there = ("simple key", "quoted scalar", "flow sequence", "flow mapping")
    if exc.context_mark is not None and any(s in context for s in starts_there):
        mark = exc.context_mark
    if mark is None:
        return PackageIssue(path, _words(problem, context))
    return PackageIssue(path, _words(problem, context), line=mark.line + 1, column=mark.column + 1)


def load_yaml(data: bytes, path: str, issues: list[PackageIssue]) -> dict[str, Any] | None:
    """The mapping a YAML file holds (``{}`` when empty); None, with an issue recorded, when it cannot be used."""
    if len(data) > MAX_YAML_BYTES:
        issues.append(PackageIssue(path, f"over {MAX_YAML_BYTES} bytes"))
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        issues.append(PackageIssue(path, "not UTF-8 text (save it as UTF-8)", line=line))
        return None
    try:
        loaded = yaml.load(text, Loader=_Strict)  # noqa: S506 - _Strict is a SafeLoader
    except yaml.YAMLError as exc:
        issues.append(yaml_issue(exc, path))
        return None
    except RecursionError:
        issues.append(PackageIssue(path, "nested too deeply"))
        return None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        issues.append(PackageIssue(path, "must be a mapping of keys to values (key: value lines)", line=1, column=1))
        return None
    return loaded
