"""The two versions of the ICPC problem package format, as Kattis problemtools and DOMjudge read them.

- **legacy** (no ``problem_format_version``, or ``legacy``/``legacy-icpc``): ``validation`` (``default``,
  ``custom``, ``custom interactive``), ``validator_flags``, ``limits.time_multiplier`` and
  ``limits.time_safety_margin`` (defaults 5 and 2), ``author``, ``source`` and ``source_url``;
- **2023-07** (``problem_format_version: 2023-07`` or ``2023-07-draft``): ``type`` (``pass-fail``, ``scoring``,
  ``interactive``, ``multi-pass``, ``submit-answer``), ``limits.time_multipliers`` (``ac_to_time_limit``, default 2,
  and ``time_limit_to_tle``, default 1.5), ``credits`` and ``source`` as mappings, ``name`` per language.

Every key of either version is known here. What Verdict reads is interpreted; what only informs people (``uuid``,
``license``, ``rights_owner``...) is kept verbatim for export; what Verdict cannot honour (multi-pass and
submit-answer problems, ``constants``, ``libraries``, custom scoring validators) is refused by name, and an unknown
key is refused as a likely typo, so nothing a package says is silently ignored.
"""

from __future__ import annotations

from typing import Any, Final

import msgspec

from api.domain.problems._fields import Fields

__all__ = [
    "ICPC_LANGUAGES",
    "PROBLEM_TYPES",
    "FormatFacts",
    "read_format",
]

LEGACY_VERSIONS: Final = frozenset({"legacy", "legacy-icpc"})
MODERN_VERSIONS: Final = frozenset({"2023-07", "2023-07-draft"})
PROBLEM_TYPES: Final = ("pass-fail", "scoring", "interactive", "multi-pass", "submit-answer")
_REFUSED_TYPES: Final = {
    "multi-pass": "multi-pass problems (the output validator runs the submission again on new input) are not "
    "supported by Verdict",
    "submit-answer": "submit-answer problems (contestants submit output files, not programs) are not supported by "
    "Verdict",
}
_COMMON_KEYS: Final = frozenset(
    {"problem_format_version", "name", "uuid", "source", "license", "rights_owner", "limits", "keywords",
     "languages", "verdict", "embargo_until", "allow_file_writing"}
)  # fmt: skip
_LEGACY_KEYS: Final = frozenset({"author", "source_url", "validation", "validator_flags", "type", "credits"})
_MODERN_KEYS: Final = frozenset({"type", "version", "credits", "author"})
_REFUSED_KEYS: Final = {
    "constants": "constants ({{name}} substituted into statements and validators) are not supported: write the "
    "values out",
    "libraries": "libraries are not supported: put the code in the submission",
    "grading": "the legacy top-level 'grading' key is not supported: use testdata.yaml (accept_score, grader_flags)",
}
_LIMIT_KEYS: Final = frozenset(
    {"time_limit", "time_multiplier", "time_safety_margin", "time_multipliers", "time_resolution", "memory",
     "output", "code", "compilation_time", "compilation_memory", "validation_time", "validation_memory",
     "validation_output"}
)  # fmt: skip
_CREDIT_KEYS: Final = frozenset(
    {"authors", "contributors", "testers", "translators", "packagers", "acknowledgements"}
)  # fmt: skip
# The format's language ids (problemtools' languages.yaml) -> Verdict's.
ICPC_LANGUAGES: Final = {
    "c": "c",
    "cpp": "cpp17",
    "c++": "cpp17",
    "java": "java",
    "javascript": "javascript",
    "python3": "python3",
    "python": "python3",
    "rust": "rust",
    "go": "go",
    "kotlin": "kotlin",
    "csharp": "csharp",
    "ruby": "ruby",
}


class FormatFacts(msgspec.Struct, frozen=True, kw_only=True):
    version: str  # legacy | 2023-07
    types: tuple[str, ...]  # the 2023-07 ``type`` (legacy: derived from ``validation``)
    ac_to_time_limit: float
    time_limit_to_tle: float
    credits: dict[str, tuple[str, ...]]
    source: str | None
    languages: tuple[str, ...]  # Verdict ids from the top-level ``languages`` key; empty: all


def _version(data: dict[str, Any], fields: Fields) -> str:
    raw = data.get("problem_format_version")
    if raw is None:
        return "legacy"
    text = str(raw).strip()
    if text in LEGACY_VERSIONS:
        return "legacy"
    if text in MODERN_VERSIONS:
        return "2023-07"
    fields.bad(
        "problem_format_version",
        f"{text!r} is not a format version Verdict reads: use legacy (or leave it out) or 2023-07",
    )
    return "legacy"


def _types(data: dict[str, Any], fields: Fields) -> tuple[str, ...]:
    raw = data.get("type")
    if raw is None:
        return ("pass-fail",)
    if isinstance(raw, str):
        kinds = tuple(raw.split())
    elif isinstance(raw, list) and all(isinstance(t, str) for t in raw):
        kinds = tuple(raw)
    else:
        fields.bad("type", "must be a problem type or a list of them")
        return ("pass-fail",)
    for kind in kinds:
        if kind not in PROBLEM_TYPES:
            fields.bad("type", f"unknown problem type {kind!r}; the format defines {', '.join(PROBLEM_TYPES)}")
        elif kind in _REFUSED_TYPES:
            fields.bad("type", _REFUSED_TYPES[kind])
    if "pass-fail" in kinds and "scoring" in kinds:
        fields.bad("type", "pass-fail and scoring exclude each other")
    if "scoring" not in kinds and "pass-fail" not in kinds:
        kinds = ("pass-fail", *kinds)
    return kinds


def _people(value: Any, fields: Fields, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value.strip(),) if value.strip() else ()
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(v.strip() for v in value if v.strip())
    fields.bad(key, "must be a name or a list of names")
    return ()


def _credits(data: dict[str, Any], fields: Fields) -> dict[str, tuple[str, ...]]:
    raw = data.get("credits")
    if raw is None:
        return {}
    if isinstance(raw, str):  # 2023-07 allows one string: the author
        return {"authors": (raw.strip(),)}
    if not isinstance(raw, dict):
        fields.bad("credits", "must be a name or a mapping of authors, contributors, testers, translators...")
        return {}
    given: dict[str, tuple[str, ...]] = {}
    for key, value in raw.items():
        if key not in _CREDIT_KEYS:
            fields.bad(f"credits.{key}", f"unknown key; known keys: {', '.join(sorted(_CREDIT_KEYS))}")
        elif key == "translators" and isinstance(value, dict):  # {language: [names]}
            given[key] = tuple(n for names in value.values() for n in _people(names, fields, f"credits.{key}"))
        else:
            given[str(key)] = _people(value, fields, f"credits.{key}")
    return given


def _source(data: dict[str, Any], fields: Fields) -> str | None:
    raw = data.get("source")
    if raw is None:
        return None
    entries = raw if isinstance(raw, list) else [raw]
    names: list[str] = []
    for entry in entries:
        if isinstance(entry, str | int | float) and not isinstance(entry, bool):
            names.append(str(entry).strip())
        elif isinstance(entry, dict) and isinstance(entry.get("name"), str):
            names.append(entry["name"].strip())
        else:
            fields.bad("source", "must be text, a mapping with name (and url), or a list of them")
    return "; ".join(n for n in names if n) or None


def _languages(data: dict[str, Any], fields: Fields) -> tuple[str, ...]:
    raw = data.get("languages")
    if raw is None or raw == "all":
        return ()
    words = raw.split() if isinstance(raw, str) else raw if isinstance(raw, list) else None
    if words is None or not all(isinstance(w, str) for w in words):
        fields.bad("languages", "must be 'all' or a list of language ids")
        return ()
    chosen: list[str] = []
    for word in words:
        verdict_id = ICPC_LANGUAGES.get(word.lower())
        if verdict_id is None:
            fields.bad("languages", f"{word!r} is not a language Verdict knows ({', '.join(sorted(ICPC_LANGUAGES))})")
        else:
            chosen.append(verdict_id)
    return tuple(dict.fromkeys(chosen))


def _multipliers(limits: dict[str, Any], version: str, path: str, fields: Fields) -> tuple[float, float]:
    lfields = Fields(path, fields.issues, prefix="limits.")
    if version == "legacy":
        for key in ("time_multipliers",):
            if key in limits:
                lfields.bad(key, "is a 2023-07 key: add problem_format_version: 2023-07, or use time_multiplier")
        ac = lfields.number(limits, "time_multiplier", minimum=1, maximum=100)
        tle = lfields.number(limits, "time_safety_margin", minimum=1, maximum=100)
        return ac or 5.0, tle or 2.0
    for key in ("time_multiplier", "time_safety_margin"):
        if key in limits:
            lfields.bad(key, "is a legacy key: in 2023-07 it is limits.time_multipliers")
    raw = limits.get("time_multipliers")
    if raw is None:
        return 2.0, 1.5
    if not isinstance(raw, dict):
        lfields.bad("time_multipliers", "must be a mapping with ac_to_time_limit and time_limit_to_tle")
        return 2.0, 1.5
    mfields = Fields(path, fields.issues, prefix="limits.time_multipliers.")
    for key in raw:
        if key not in ("ac_to_time_limit", "time_limit_to_tle"):
            mfields.bad(str(key), "unknown key; known keys: ac_to_time_limit, time_limit_to_tle")
    ac = mfields.number(raw, "ac_to_time_limit", minimum=1, maximum=100)
    tle = mfields.number(raw, "time_limit_to_tle", minimum=1, maximum=100)
    return ac or 2.0, tle or 1.5


def read_format(data: dict[str, Any], fields: Fields) -> FormatFacts:
    """The version-specific part of ``problem.yaml``; every issue recorded through ``fields``."""
    version = _version(data, fields)
    known = _COMMON_KEYS | (_LEGACY_KEYS if version == "legacy" else _MODERN_KEYS)
    for key in data:
        if key in _REFUSED_KEYS:
            fields.bad(str(key), _REFUSED_KEYS[key])
        elif key not in known:
            other = _MODERN_KEYS if version == "legacy" else _LEGACY_KEYS
            hint = (
                f" (a {'2023-07' if version == 'legacy' else 'legacy'} key: check problem_format_version)"
                if key in other
                else " (put Verdict's own settings under verdict:)"
            )
            fields.bad(str(key), f"unknown key in the {version} format{hint}")
    limits = data.get("limits")
    limits = limits if isinstance(limits, dict) else {}
    for key in limits:
        if key not in _LIMIT_KEYS:
            Fields(fields.path, fields.issues, prefix="limits.").bad(
                str(key), f"unknown limit; known limits: {', '.join(sorted(_LIMIT_KEYS))}"
            )
    ac, tle = _multipliers(limits, version, fields.path, fields)
    types = _types(data, fields) if version == "2023-07" or "type" in data else ("pass-fail",)
    return FormatFacts(
        version=version,
        types=types,
        ac_to_time_limit=ac,
        time_limit_to_tle=tle,
        credits=_credits(data, fields),
        source=_source(data, fields),
        languages=_languages(data, fields),
    )
