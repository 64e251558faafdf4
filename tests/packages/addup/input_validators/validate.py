"""Input validator (ICPC convention: exit 42 when the input on stdin is valid, 43 when not)."""

import sys


def main() -> int:
    lines = sys.stdin.read().split("\n")
    try:
        n = int(lines[0])
        values = [int(v) for v in lines[1].split()]
    except (IndexError, ValueError):
        return 43
    if not 1 <= n <= 1000 or len(values) != n or any(abs(v) > 10**12 for v in values):
        return 43
    return 42


sys.exit(main())
