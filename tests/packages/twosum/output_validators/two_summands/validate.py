"""Output validator, ICPC convention: argv = input answer feedback_dir; the team's output on stdin;
exit 42 to accept, 43 to reject (with a message in feedback_dir/judgemessage.txt)."""

import sys
from pathlib import Path


def reject(feedback_dir: str, message: str) -> None:
    Path(feedback_dir, "judgemessage.txt").write_text(message)
    sys.exit(43)


def main() -> None:
    input_path, _answer_path, feedback_dir = sys.argv[1:4]
    n = int(Path(input_path).read_text().split()[0])
    tokens = sys.stdin.read().split()
    if len(tokens) != 2:
        reject(feedback_dir, f"expected two integers, got {len(tokens)} tokens")
    try:
        a, b = int(tokens[0]), int(tokens[1])
    except ValueError:
        reject(feedback_dir, "expected integers")
        return
    if a < 1 or b < 1:
        reject(feedback_dir, f"{a} and {b} are not both positive")
    if a + b != n:
        reject(feedback_dir, f"{a} + {b} is not {n}")
    sys.exit(42)


main()
