"""ICPC output validator: args input answer feedback_dir, the submission's output on stdin; 42 accept, 43 reject."""

import sys
from pathlib import Path

n = int(Path(sys.argv[1]).read_text())
words = sys.stdin.read().split()


def reject(message: str) -> None:
    Path(sys.argv[3], "judgemessage.txt").write_text(message)
    sys.exit(43)


if len(words) != 1 or not words[0].isdigit():
    reject("expected exactly one number")
d = int(words[0])
if not 1 < d < n or n % d:
    reject(f"{d} does not divide {n} properly")
sys.exit(42)
