"""``problem.yaml`` and ``testdata.yaml``, read as the ICPC problem package format defines them.

Only what Verdict uses is interpreted; other standard keys (``uuid``, ``source_url``, ``rights_owner``...) are kept
verbatim for export. Verdict's own settings live under the single extra key ``verdict:``; unknown keys there are
errors, so a typo never silently does nothing.
"""

from __future__ import annotations

import re
from typing import Any, Final

import msgspec

from api.domain.problems._fields import Fields
from api.domain.problems._format import FormatFacts, read_format
from api.domain.problems._yaml import load_yaml
from api.domain.problems.errors import PackageIssue

__all__ = [
    "DIFFICULTIES",
    "VISIBILITIES",
    "GroupSettings",
    "ProblemConfig",
    "TestdataSettings",
    "VerdictSettings",
    "load_yaml",
    "parse_problem_yaml",
    "parse_testdata_yaml",
]

VISIBILITIES: Final = ("visible", "hidden", "after_due_date", "after_published")
DIFFICULTIES: Final = ("easy", "medium", "hard")
VALIDATION_MODES: Final = ("default", "custom", "custom interactive")
_SLUGGY: Final = re.compile(r"^[A-Za-z0-9_+#.-]{1,32}$")
_VERDICT_KEYS: Final = frozenset(
    {"languages", "language_multipliers", "visibility", "difficulty", "tags", "groups", "checker", "title"}
)
# What testdata.yaml may say: the keys Verdict reads, and those that change no verdict (input validator flags, the
# score range of a scoring problem, how much feedback contestants see).
_TESTDATA_KEYS: Final = frozenset(
    {"on_reject", "grading", "grader_flags", "accept_score", "reject_score", "range", "output_validator_flags",
     "output_validator_args", "input_validator_flags", "input_validator_args", "full_feedback"}
)  # fmt: skip
_GROUP_KEYS: Final = frozenset({"points", "depends_on", "short_circuit"})


class GroupSettings(msgspec.Struct, frozen=True, kw_only=True):
    points: float | None = None
    depends_on: tuple[str, ...] = ()
    short_circuit: bool | None = None


class VerdictSettings(msgspec.Struct, frozen=True, kw_only=True):
    """The ``verdict:`` key of ``problem.yaml``."""

    languages: tuple[str, ...] = ()  # empty: every language the fleet offers
    language_multipliers: dict[str, float] = {}
    visibility: dict[str, str] = {}  # path prefix under data/ (``sample``, ``secret/g1``) -> visibility
    difficulty: str | None = None
    tags: tuple[str, ...] = ()
    groups: dict[str, GroupSettings] = {}
    checker: str = "icpc"  # icpc | testlib: the convention the custom output validator follows
    title: str | None = None


class ProblemConfig(msgspec.Struct, frozen=True, kw_only=True):
    name: str | None
    authors: tuple[str, ...]
    time_limit_ms: int | None
    time_multiplier: float
    time_safety_margin: float
    memory_mb: int | None
    output_mb: int | None
    validation: str
    validator_flags: tuple[str, ...]
    keywords: tuple[str, ...]
    verdict: VerdictSettings
    raw: dict[str, Any]  # the whole mapping, for export
    names: dict[str, str] = {}  # language code -> name, when the package names the problem per language
    format: FormatFacts | None = None


class TestdataSettings(msgspec.Struct, frozen=True, kw_only=True):
    """The ``testdata.yaml`` keys Verdict uses (inherited by subdirectories, as the format says)."""

    __test__ = False
    on_reject: str | None = None  # break | continue; None: Verdict's default (groups break, others continue)
    accept_score: float | None = None
    grader_flags: tuple[str, ...] = ()
    output_validator_flags: tuple[str, ...] = ()
    input_validator_flags: tuple[str, ...] = ()


def _names(value: Any, fields: Fields) -> dict[str, str]:
    """``name: Title`` or, as multilingual packages write it, ``name: {en: Title, sv: Titel}`` (key ``""``: no
    language given)."""
    if value is None:
        return {}
    given = value if isinstance(value, dict) else {"": value}
    names: dict[str, str] = {}
    for language, text in given.items():
        if not isinstance(text, str) or not text.strip():
            fields.bad("name", "must be a non-empty string (or a mapping of language codes to strings)")
            continue
        if len(text.strip()) > 200:
            fields.bad("name", "must be at most 200 characters")
            continue
        names[str(language)] = text.strip()
    return names


def _name(names: dict[str, str]) -> str | None:
    return names.get("en") or names.get("") or next(iter(names.values()), None)


def _authors(data: dict[str, Any], fields: Fields) -> tuple[str, ...]:
    author = data.get("author")
    credited = data.get("credits")  # the 2023-07 format: credits: {authors: [...]} or credits: Name
    if isinstance(credited, dict) and author is None:
        author = credited.get("authors")
    elif isinstance(credited, str) and author is None:
        author = credited
    if author is None:
        return ()
    if isinstance(author, str):
        parts = re.split(r",| and ", author)
        return tuple(p.strip() for p in parts if p.strip())
    if isinstance(author, list) and all(isinstance(a, str) for a in author):
        return tuple(a.strip() for a in author if a.strip())
    fields.bad("author", "must be a string or a list of strings")
    return ()


def _validation(data: dict[str, Any], fields: Fields, facts: FormatFacts) -> str:
    raw = data.get("validation")
    if facts.version == "2023-07":  # no validation key: the type says interactive, output_validator/ says custom
        return "custom interactive" if "interactive" in facts.types else "default"
    if raw is None:
        problem_type = data.get("type")  # the 2023-07 format says ``type: interactive``
        if problem_type is not None and isinstance(problem_type, str | list):
            kinds = problem_type.split() if isinstance(problem_type, str) else [str(t) for t in problem_type]
            if "interactive" in kinds:
                return "custom interactive"
        return "default"
    if not isinstance(raw, str):
        fields.bad("validation", f"must be one of {', '.join(VALIDATION_MODES)}")
        return "default"
    normalised = " ".join(raw.split())
    if normalised not in VALIDATION_MODES:
        hint = " ('score' validation is not supported)" if "score" in normalised else ""
        fields.bad("validation", f"must be one of {', '.join(VALIDATION_MODES)}, got {raw!r}{hint}")
        return "default"
    return normalised


def _verdict_settings(data: dict[str, Any], fields: Fields) -> VerdictSettings:
    raw = data.get("verdict")
    if raw is None:
        return VerdictSettings()
    if not isinstance(raw, dict):
        fields.bad("verdict", "must be a mapping")
        return VerdictSettings()
    sub = Fields(fields.path, fields.issues, prefix="verdict.")
    for key in raw:
        if key not in _VERDICT_KEYS:
            sub.bad(str(key), f"unknown key; known keys: {', '.join(sorted(_VERDICT_KEYS))}")
    languages = sub.words(raw, "languages")
    for language in languages:
        if not _SLUGGY.match(language):
            sub.bad("languages", f"{language!r} is not a language id")
    multipliers: dict[str, float] = {}
    for language, value in sub.mapping(raw, "language_multipliers").items():
        factor = Fields(fields.path, fields.issues, prefix="verdict.language_multipliers.").number(
            {str(language): value}, str(language), minimum=0.1, maximum=20
        )
        if factor is not None:
            multipliers[str(language)] = factor
    visibility: dict[str, str] = {}
    for prefix, value in sub.mapping(raw, "visibility").items():
        if value not in VISIBILITIES:
            sub.bad(f"visibility.{prefix}", f"must be one of {', '.join(VISIBILITIES)}, got {value!r}")
            continue
        key = str(prefix).strip("/")
        if key.startswith("data/"):
            key = key[len("data/") :]
        visibility[key] = value
    difficulty = sub.text(raw, "difficulty")
    if difficulty is not None and difficulty not in DIFFICULTIES:
        sub.bad("difficulty", f"must be one of {', '.join(DIFFICULTIES)}, got {difficulty!r}")
        difficulty = None
    groups: dict[str, GroupSettings] = {}
    for name, value in sub.mapping(raw, "groups").items():
        gfields = Fields(fields.path, fields.issues, prefix=f"verdict.groups.{name}.")
        if not isinstance(value, dict):
            sub.bad(f"groups.{name}", "must be a mapping with points, depends_on or short_circuit")
            continue
        for key in value:
            if key not in _GROUP_KEYS:
                gfields.bad(str(key), f"unknown key; known keys: {', '.join(sorted(_GROUP_KEYS))}")
        key = str(name).strip("/")
        groups[key[len("data/") :] if key.startswith("data/") else key] = GroupSettings(
            points=gfields.number(value, "points", minimum=0, maximum=1e6),
            depends_on=tuple(d.strip("/") for d in gfields.words(value, "depends_on")),
            short_circuit=gfields.boolean(value, "short_circuit"),
        )
    checker = sub.text(raw, "checker") or "icpc"
    if checker not in ("icpc", "testlib"):
        sub.bad("checker", f"must be icpc or testlib, got {checker!r}")
        checker = "icpc"
    return VerdictSettings(
        languages=languages,
        language_multipliers=multipliers,
        visibility=visibility,
        difficulty=difficulty,
        tags=sub.words(raw, "tags"),
        groups=groups,
        checker=checker,
        title=sub.text(raw, "title"),
    )


def parse_problem_yaml(data: dict[str, Any], issues: list[PackageIssue], path: str = "problem.yaml") -> ProblemConfig:
    fields = Fields(path, issues)
    facts = read_format(data, fields)
    limits = fields.mapping(data, "limits")
    lfields = Fields(path, issues, prefix="limits.")
    time_limit_s = lfields.number(limits, "time_limit", minimum=0.05, maximum=60)
    memory = lfields.number(limits, "memory", minimum=16, maximum=8192)
    output = lfields.number(limits, "output", minimum=1, maximum=1024)
    if memory is not None and memory != int(memory):
        lfields.bad("memory", "must be a whole number of MiB")
    flags = fields.text(data, "validator_flags", max_length=1000)
    names = _names(data.get("name"), fields)
    return ProblemConfig(
        name=_name(names),
        names=names,
        format=facts,
        authors=_authors(data, fields),
        time_limit_ms=None if time_limit_s is None else round(time_limit_s * 1000),
        time_multiplier=facts.ac_to_time_limit,
        time_safety_margin=facts.time_limit_to_tle,
        memory_mb=None if memory is None else int(memory),
        output_mb=None if output is None else int(output),
        validation=_validation(data, fields, facts),
        validator_flags=tuple(flags.split()) if flags else (),
        keywords=fields.words(data, "keywords"),
        verdict=_verdict_settings(data, fields),
        raw=data,
    )


def parse_testdata_yaml(
    data: dict[str, Any], inherited: TestdataSettings, issues: list[PackageIssue], path: str
) -> TestdataSettings:
    fields = Fields(path, issues)
    for key in data:
        if key not in _TESTDATA_KEYS:
            fields.bad(str(key), f"unknown key; known keys: {', '.join(sorted(_TESTDATA_KEYS))}")
    on_reject = fields.text(data, "on_reject")
    if on_reject is not None and on_reject not in ("break", "continue"):
        fields.bad("on_reject", f"must be break or continue, got {on_reject!r}")
        on_reject = None
    grading = fields.text(data, "grading")
    if grading is not None and grading != "default":
        fields.bad("grading", "only the default grader is supported")
    accept = fields.number(data, "accept_score", minimum=0, maximum=1e6)
    grader_flags = fields.text(data, "grader_flags", max_length=500)
    validator_flags = fields.text(data, "output_validator_flags", max_length=1000)
    if validator_flags is None and data.get("output_validator_args") is not None:  # the 2023-07 name
        args = fields.words(data, "output_validator_args")
        validator_flags = " ".join(args)
    input_flags: tuple[str, ...] | None = None
    if data.get("input_validator_flags") is not None:  # legacy: one string of words
        input_flags = fields.words(data, "input_validator_flags")
    elif isinstance(data.get("input_validator_args"), dict):  # 2023-07: per validator name
        fields.bad(
            "input_validator_args",
            "arguments per input validator (a map) are not supported: give one list for every validator",
        )
    elif data.get("input_validator_args") is not None:
        input_flags = fields.words(data, "input_validator_args")
    return TestdataSettings(
        input_validator_flags=input_flags if input_flags is not None else inherited.input_validator_flags,
        on_reject=on_reject or inherited.on_reject,
        accept_score=accept if accept is not None else inherited.accept_score,
        grader_flags=tuple(grader_flags.split()) if grader_flags is not None else inherited.grader_flags,
        output_validator_flags=(
            tuple(validator_flags.split()) if validator_flags is not None else inherited.output_validator_flags
        ),
    )
