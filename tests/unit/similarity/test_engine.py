"""The similarity engine on real copydetect fingerprints: a disguised copy ranks first, independent work low."""

from __future__ import annotations

import io

import pytest

from api.domain.similarity.engine import Source, compare_sources, segments, source_text

ORIGINAL = """\
def read_numbers(line):
    values = []
    for part in line.split():
        values.append(int(part))
    return values


def running_maximum(values):
    best = values[0]
    result = []
    for value in values:
        if value > best:
            best = value
        result.append(best)
    return result


def main():
    count = int(input())
    numbers = read_numbers(input())[:count]
    print(" ".join(str(x) for x in running_maximum(numbers)))


main()
"""

# The same program: every name changed, the functions in another order, comments and blank lines added.
DISGUISED = """\
def prefix_max(seq):
    # keep the largest so far
    top = seq[0]
    out = []
    for item in seq:
        if item > top:
            top = item
        out.append(top)
    return out


def go():
    n = int(input())
    arr = parse(input())[:n]

    print(" ".join(str(y) for y in prefix_max(arr)))


def parse(text):
    nums = []
    for tok in text.split():
        nums.append(int(tok))
    return nums


go()
"""

INDEPENDENT_1 = """\
import sys
from itertools import accumulate

data = sys.stdin.read().split()
n = int(data[0])
print(*accumulate(map(int, data[1:n + 1]), max))
"""

INDEPENDENT_2 = """\
import sys


class Solver:
    def __init__(self, stream):
        self.tokens = stream.read().split()

    def solve(self):
        size = int(self.tokens[0])
        current = None
        answer = []
        index = 1
        while index <= size:
            number = int(self.tokens[index])
            current = number if current is None else max(current, number)
            answer.append(current)
            index += 1
        sys.stdout.write(" ".join(map(str, answer)) + "\\n")


Solver(sys.stdin).solve()
"""


def _sources() -> list[Source]:
    return [
        Source(key="original", name="main.py", text=ORIGINAL),
        Source(key="independent-1", name="main.py", text=INDEPENDENT_1),
        Source(key="disguised", name="main.py", text=DISGUISED),
        Source(key="independent-2", name="main.py", text=INDEPENDENT_2),
    ]


def test_a_renamed_and_reordered_copy_ranks_first_and_independent_solutions_low() -> None:
    matches = compare_sources(_sources()).matches
    top = matches[0]
    assert {top.a, top.b} == {"original", "disguised"}
    assert top.similarity_a > 0.8
    assert top.similarity_b > 0.8
    others = [m for m in matches if {m.a, m.b} != {"original", "disguised"}]
    assert all(m.score < 0.3 for m in others), [(m.a, m.b, m.score) for m in others]
    independent = [m for m in others if {m.a, m.b} == {"independent-1", "independent-2"}]
    assert not independent or independent[0].score < 0.3


def test_matched_regions_point_into_both_sources() -> None:
    top = compare_sources(_sources()).matches[0]
    by_key = {s.key: s.text for s in _sources()}
    text_a, text_b = by_key[top.a], by_key[top.b]
    assert top.slices_a
    assert top.slices_b
    assert all(0 <= s < e <= len(text_a) for s, e in top.slices_a)
    assert all(0 <= s < e <= len(text_b) for s, e in top.slices_b)
    matched_a = "".join(text_a[s:e] for s, e in top.slices_a)
    assert "append" in matched_a


STARTER = """\
import sys


def read_input():
    data = sys.stdin.read().split()
    count = int(data[0])
    return [int(x) for x in data[1 : count + 1]]


def solve(values):
    # your code here
    pass


def write_output(answer):
    sys.stdout.write(" ".join(str(v) for v in answer) + "\\n")


write_output(solve(read_input()))
"""


def test_starter_code_is_ignored() -> None:
    a = Source(key="a", name="main.py", text=STARTER.replace("pass", "return sorted(values)[::-1]"))
    b = Source(
        key="b",
        name="main.py",
        text=STARTER.replace("pass", "out = []\n    for v in values:\n        out.insert(0, v * v)\n    return out"),
    )
    with_starter = compare_sources([a, b]).matches
    without = compare_sources([a, b], boilerplate=STARTER).matches
    assert with_starter
    assert with_starter[0].score > 0.7
    assert not without or without[0].score < 0.3, without[0]


def test_only_sources_in_the_same_language_are_compared() -> None:
    cpp = Source(key="cpp", name="main.cpp", text=ORIGINAL)
    py = Source(key="py", name="main.py", text=ORIGINAL)
    assert compare_sources([cpp, py]).matches == []


def test_progress_reaches_its_total() -> None:
    seen: list[tuple[int, int]] = []
    compare_sources(_sources(), progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (8, 8)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_segments_merge_clip_and_cover_the_text() -> None:
    text = "abcdefghij"
    parts = segments(text, [(6, 8), (1, 3), (2, 4), (9, 50), (5, 5)])
    assert "".join(p for p, _ in parts) == text
    assert [p for p, hit in parts if hit] == ["bcd", "gh", "j"]
    assert segments("", [(0, 3)]) == []


def test_source_text_of_several_files_is_stable() -> None:
    assert source_text({"main.py": "x"}) == ("main.py", "x")
    name, text = source_text({"b.py": "B", "a.py": "A"})
    assert name == "a.py"
    assert text.index("A") < text.index("B")


def test_the_matrix_scores_equal_copydetects_pair_by_pair() -> None:
    from copydetect import CodeFingerprint, compare_files

    sources = _sources()
    comparison = compare_sources(sources)
    matches = {(m.a, m.b): m for m in comparison.matches}
    prints = {s.key: CodeFingerprint(s.name, 25, 1, fp=io.StringIO(s.text)) for s in sources}
    for (a, b), match in matches.items():
        overlap, (sim_a, sim_b), _ = compare_files(prints[a], prints[b])
        assert (match.overlap, match.similarity_a, match.similarity_b) == (
            int(overlap),
            round(float(sim_a), 4),
            round(float(sim_b), 4),
        )
    assert (
        comparison.pairs
        == len(matches)
        == sum(
            1
            for x, a in enumerate(sources)
            for b in sources[x + 1 :]
            if compare_files(prints[a.key], prints[b.key])[0] > 0
        )
    )


def test_a_matrix_built_in_column_blocks_scores_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    from api.domain.similarity import engine

    whole = compare_sources(_sources())
    monkeypatch.setattr(engine, "_MATRIX_CELLS", 1)  # one column at a time
    blocks = compare_sources(_sources())
    assert blocks == whole
