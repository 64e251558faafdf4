"""Construct rules, as the in-sandbox checker applies them: Python on its syntax tree, C, C++ and Java on tokens."""

from __future__ import annotations

from typing import Any

import pytest

from judge_worker.scan_program import c_like_tokens, check


def _passed(language: str, source: str, *rules: tuple[str, str]) -> list[bool]:
    return [r["passed"] for r in check(language, source, [{"kind": k, "name": n} for k, n in rules])]


def _lines(language: str, source: str, kind: str, name: str) -> list[int]:
    [result] = check(language, source, [{"kind": kind, "name": name}])
    return [f["line"] for f in result["findings"]]


@pytest.mark.parametrize(
    ("source", "forbidden"),
    [
        ("print(sorted([3, 1]))\n", True),
        ("xs = [3, 1]\nxs.sort()\nprint(xs)\n", False),
        ("f = sorted\nprint(f([2, 1]))\n", True),  # a reference, not only a call
        ("import builtins\nprint(builtins.sorted([2, 1]))\n", True),
        ("from builtins import sorted as s\nprint(s([2, 1]))\n", True),
        ("# sorted( in a comment\ns = 'sorted(x)'\nprint(s)\n", False),
        ("def sorted_copy(xs):\n    return list(xs)\n", False),
    ],
)
def test_python_forbid_call_sorted(source: str, forbidden: bool) -> None:
    assert _passed("python3", source, ("forbid_call", "sorted")) == [not forbidden]


def test_python_forbid_call_reports_lines_and_dotted_names() -> None:
    source = "import os\nx = eval('1')\nos.system('ls')\nimport os as o\no.system('x')\n"
    assert _lines("python3", source, "forbid_call", "eval") == [2]
    assert _lines("python3", source, "forbid_call", "os.system") == [3, 5]


@pytest.mark.parametrize(
    ("source", "forbidden"),
    [
        ("import numpy\n", True),
        ("import numpy as np\n", True),
        ("import numpy.linalg\n", True),
        ("from numpy import array\n", True),
        ("np = __import__('numpy')\n", True),
        ("import importlib\nnp = importlib.import_module('numpy')\n", True),
        ("import numpyish\n", False),
        ("import math\n", False),
    ],
)
def test_python_forbid_import_numpy(source: str, forbidden: bool) -> None:
    assert _passed("python3", source, ("forbid_import", "numpy")) == [not forbidden]


def test_python_require_function() -> None:
    source = "def solve(xs):\n    return xs\n\nclass A:\n    async def helper(self):\n        pass\n"
    assert _passed("python3", source, ("require_function", "solve"), ("require_function", "helper")) == [True, True]
    assert _passed("python3", "solve = lambda xs: xs\n", ("require_function", "solve")) == [False]


def test_python_that_does_not_parse_fails_tree_rules_but_not_token_rules() -> None:
    source = "def broken(:\n    pass\n"
    results = check(
        "python3", source, [{"kind": "forbid_call", "name": "eval"}, {"kind": "require_token", "name": "pass"}]
    )
    assert [r["passed"] for r in results] == [False, True]
    assert "does not parse" in results[0]["findings"][0]["message"]


def test_python_deep_nesting_does_not_crash_the_checker() -> None:
    source = "x = " + "(" * 5000 + "1" + ")" * 5000 + "\n"
    [result] = check("python3", source, [{"kind": "forbid_call", "name": "eval"}])
    assert result["passed"] is False


C_SOURCE = """\
#include <stdio.h>
#include <stdlib.h>
/* qsort( is mentioned in a comment */
static int cmp(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }
int solve(int *xs, int n);
int main(void) {
    int xs[3] = {3, 1, 2};
    const char *s = "goto qsort(";
    qsort(xs, 3, sizeof xs[0], cmp);
    printf("%d %s\\n", xs[0], s);
    return 0;
}
"""


def test_c_token_rules() -> None:
    assert _lines("c", C_SOURCE, "forbid_call", "qsort") == [9]
    assert _lines("c", C_SOURCE, "forbid_import", "stdlib") == [2]
    assert _lines("c", C_SOURCE, "forbid_token", "goto") == []  # only inside a string
    assert _passed("c", C_SOURCE, ("require_function", "cmp"), ("require_function", "solve")) == [True, False]


def test_cpp_qualified_calls_and_headers() -> None:
    source = (
        "#include <algorithm>\n#include <vector>\nint main() {\n  std::vector<int> v{2, 1};\n"
        "  std::sort(v.begin(), v.end());\n  return v[0];\n}\n"
    )
    assert _lines("cpp17", source, "forbid_call", "std::sort") == [5]
    assert _lines("cpp17", source, "forbid_call", "sort") == [5]
    assert _lines("cpp17", source, "forbid_import", "algorithm") == [1]
    assert _passed("cpp17", source, ("require_token", "std::vector"), ("forbid_token", "goto")) == [True, True]


def test_java_imports_and_method_calls() -> None:
    source = (
        "import java.util.Arrays;\nimport static java.lang.Math.max;\npublic class Main {\n"
        "  static int best(int[] a) { Arrays.sort(a); return a[0]; }\n"
        "  public static void main(String[] args) { System.out.println(best(new int[]{2, 1})); }\n}\n"
    )
    assert _lines("java", source, "forbid_import", "java.util.Arrays") == [1]
    assert _lines("java", source, "forbid_import", "java.lang.Math") == [2]
    assert _lines("java", source, "forbid_call", "Arrays.sort") == [4]
    assert _passed("java", source, ("require_function", "best"), ("require_function", "worst")) == [True, False]


def test_tokens_skip_comments_and_strings_and_count_lines() -> None:
    tokens, includes = c_like_tokens('// a\n/* b\n c */ int x = 1; char *s = "//";\n#include <math.h>\n')
    assert [t[0] for t in tokens] == ["int", "x", "=", "1", ";", "char", "*", "s", "=", ";"]
    assert tokens[0][1] == 3
    assert includes == [("math.h", 4, 1)]


def test_an_unknown_rule_kind_fails_with_its_name() -> None:
    results: list[Any] = check("c", "int main(){}", [{"kind": "forbid_magic", "name": "x"}])
    assert results[0]["passed"] is False
    assert "forbid_magic" in results[0]["findings"][0]["message"]
