"""The comparison itself, free of the database: fingerprint each source with copydetect (pygments tokens, names and
strings folded so renaming changes nothing, k-gram hashes winnowed), drop the starter code's fingerprints, then
compare every pair of sources in the same language.

copydetect is imported on first use: it pulls in numpy and matplotlib, which only the api-tasks worker needs."""

from __future__ import annotations

import io
import logging
import posixpath
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

__all__ = [
    "MAX_SOURCE_CHARS",
    "NOISE_THRESHOLD",
    "WINDOW",
    "Comparison",
    "Match",
    "Source",
    "compare_sources",
    "segments",
    "source_text",
]

NOISE_THRESHOLD: Final = 25  # k: matches shorter than this many (folded) characters are noise
WINDOW: Final = 1  # guarantee threshold = k: every match of k characters or more is found
MAX_SOURCE_CHARS: Final = 200_000  # a longer source is cut (submissions are capped far below this anyway)
_MATRIX_CELLS: Final = 4_000_000  # the largest position x source matrix built at once (16 MB of int32)

logging.getLogger("copydetect").setLevel(logging.ERROR)


@dataclass(frozen=True)
class Source:
    """One student's program: ``key`` names it (a submission id), ``name`` picks the tokenizer (``main.py``)."""

    key: str
    name: str
    text: str


@dataclass(frozen=True)
class Match:
    """Two sources compared: how much of each is found in the other (0..1), the overlapping tokens, and the matched
    regions of each as ``(start, end)`` character offsets into its text."""

    a: str
    b: str
    similarity_a: float
    similarity_b: float
    overlap: int
    slices_a: list[tuple[int, int]] = field(default_factory=list)
    slices_b: list[tuple[int, int]] = field(default_factory=list)

    @property
    def score(self) -> float:
        return max(self.similarity_a, self.similarity_b)


@dataclass(frozen=True)
class Comparison:
    """The pairs kept (most similar first) and how many pairs shared a fingerprint at all."""

    matches: list[Match]
    pairs: int


def source_text(files: Mapping[str, str]) -> tuple[str, str]:
    """The name (for the tokenizer) and text compared of a submission's files: one file as it is; several joined in
    name order, each after a line naming it."""
    names = sorted(files)
    if not names:
        return "main.txt", ""
    if len(names) == 1:
        return names[0], files[names[0]][:MAX_SOURCE_CHARS]
    text = "\n".join(f"# --- {name} ---\n{files[name]}" for name in names)
    return names[0], text[:MAX_SOURCE_CHARS]


def _extension(name: str) -> str:
    return posixpath.splitext(name)[1].lower()


def _fingerprint(name: str, text: str, boilerplate: frozenset[int]) -> Any:
    """copydetect's fingerprint of ``text``, less the fingerprints of the starter code. The starter's hashes are
    taken out here rather than through copydetect's ``boilerplate`` argument, whose set intersection assumes unique
    hashes and so misses repeated ones."""
    from copydetect import CodeFingerprint  # noqa: PLC0415 - heavy import, see the module docstring
    from copydetect.utils import get_token_coverage  # noqa: PLC0415

    fp = CodeFingerprint(name, NOISE_THRESHOLD, WINDOW, fp=io.StringIO(text))
    if boilerplate:
        fp.hashes = {h for h in fp.hashes if int(h) not in boilerplate}
        fp.hash_idx = {h: idx for h, idx in fp.hash_idx.items() if int(h) not in boilerplate}
        fp.token_coverage = get_token_coverage(fp.hash_idx, NOISE_THRESHOLD, len(fp.filtered_code))
    return fp


def compare_sources(
    sources: Sequence[Source],
    *,
    boilerplate: str = "",
    limit: int = 500,
    progress: Callable[[int, int], None] | None = None,
) -> Comparison:
    """The ``limit`` most similar pairs of sources in the same language (those sharing no fingerprint left out),
    most similar first, with their matched regions.

    Every pair is scored with copydetect's measure (the share of a source's fingerprinted tokens covered by the
    fingerprints it shares with the other), but at once per source, as one matrix over all the others, rather than
    pair by pair; copydetect's ``compare_files`` then gives the matched regions of the pairs kept.
    ``progress(done, total)`` is called as sources are fingerprinted and then scored; ``total`` is twice their
    number."""
    from copydetect import compare_files  # noqa: PLC0415 - heavy import

    total = 2 * len(sources)
    done = 0
    starter: dict[str, frozenset[int]] = {}
    prints: list[Any] = []
    for source in sources:
        ext = _extension(source.name)
        if ext not in starter:
            hashes = _fingerprint(source.name, boilerplate, frozenset()).hashes if boilerplate.strip() else ()
            starter[ext] = frozenset(int(h) for h in hashes)
        prints.append(_fingerprint(source.name, source.text, starter[ext]))
        done += 1
        if progress is not None:
            progress(done, total)
    groups: dict[str, list[int]] = {}
    for index, source in enumerate(sources):
        groups.setdefault(_extension(source.name), []).append(index)
    scored: list[tuple[float, int, int, int, float, float]] = []
    for members in groups.values():
        for i, j, sim_i, sim_j, overlap in _score_group([prints[k] for k in members]):
            a, b = members[i], members[j]
            scored.append((max(sim_i, sim_j), overlap, a, b, sim_i, sim_j))
        done += len(members)
        if progress is not None:
            progress(done, total)
    scored.sort(key=lambda row: (-row[0], -row[1], sources[row[2]].key, sources[row[3]].key))
    matches: list[Match] = []
    for _score, overlap, a, b, sim_a, sim_b in scored[:limit]:
        _, _, (slices_a, slices_b) = compare_files(prints[a], prints[b])
        matches.append(
            Match(
                a=sources[a].key,
                b=sources[b].key,
                similarity_a=round(sim_a, 4),
                similarity_b=round(sim_b, 4),
                overlap=overlap,
                slices_a=_pairs(slices_a),
                slices_b=_pairs(slices_b),
            )
        )
    return Comparison(matches=matches, pairs=len(scored))


def _score_group(prints: Sequence[Any]) -> list[tuple[int, int, float, float, int]]:
    """For every pair (i < j) sharing a fingerprint: copydetect's similarity of i to j and of j to i, and the
    tokens of i covered. Row i is one boolean matrix (position of i x other source: that source holds the
    fingerprint at this position), widened by k along the positions with a running sum."""
    import numpy as np  # noqa: PLC0415 - comes with copydetect

    k = NOISE_THRESHOLD
    count = len(prints)
    holders: dict[int, list[int]] = {}
    for index, fp in enumerate(prints):
        for h in fp.hashes:
            holders.setdefault(int(h), []).append(index)
    held = {h: np.asarray(v, dtype=np.int64) for h, v in holders.items()}
    similarity = np.zeros((count, count))
    overlaps = np.zeros((count, count), dtype=np.int64)
    for i, fp in enumerate(prints):
        if not fp.hash_idx or not fp.token_coverage:
            continue
        length = len(fp.filtered_code)
        rows: list[Any] = []
        cols: list[Any] = []
        for h, positions in fp.hash_idx.items():
            others = held[int(h)]
            if len(others) < 2:
                continue
            pos = np.asarray(positions, dtype=np.int64)
            rows.append(np.repeat(pos, len(others)))
            cols.append(np.tile(others, len(pos)))
        if not rows:
            continue
        all_rows, all_cols = np.concatenate(rows) + 1, np.concatenate(cols)
        ends = np.arange(1, length + 1)
        starts = np.maximum(0, ends - k)
        tokens = np.zeros(count, dtype=np.int64)
        width = max(1, _MATRIX_CELLS // (length + 1))  # columns at a time, so a long source costs no more memory
        for first in range(0, count, width):
            chosen = (all_cols >= first) & (all_cols < first + width)
            if not chosen.any():
                continue
            hit = np.zeros((length + 1, min(width, count - first)), dtype=np.int32)
            hit[all_rows[chosen], all_cols[chosen] - first] = 1
            run = np.cumsum(hit, axis=0)  # run[p + 1]: fingerprints shared up to position p
            covered = (run[ends] - run[starts]) > 0  # the token at p lies in a shared k-gram starting in (p-k, p]
            tokens[first : first + hit.shape[1]] = covered.sum(axis=0)
        tokens[i] = 0
        overlaps[i] = tokens
        similarity[i] = tokens / fp.token_coverage
    out: list[tuple[int, int, float, float, int]] = []
    for i, j in zip(*np.nonzero(np.triu(overlaps + overlaps.T, 1)), strict=True):
        out.append((int(i), int(j), float(similarity[i, j]), float(similarity[j, i]), int(overlaps[i, j])))
    return out


def _pairs(slices: Any) -> list[tuple[int, int]]:
    if len(slices) < 2 or len(slices[0]) == 0:
        return []
    return [(int(start), int(end)) for start, end in zip(slices[0], slices[1], strict=True)]


def segments(text: str, slices: Sequence[Sequence[int]]) -> list[tuple[str, bool]]:
    """``text`` cut into ``(piece, matched)`` runs along ``slices`` (sorted or not, overlapping or out of range:
    they are clipped and merged), for a page to escape and highlight."""
    spans: list[tuple[int, int]] = []
    for start, end in sorted((max(0, int(s)), min(len(text), int(e))) for s, e in slices):
        if end <= start:
            continue
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], end))
        else:
            spans.append((start, end))
    out: list[tuple[str, bool]] = []
    at = 0
    for start, end in spans:
        if start > at:
            out.append((text[at:start], False))
        out.append((text[start:end], True))
        at = end
    if at < len(text):
        out.append((text[at:], False))
    return out
