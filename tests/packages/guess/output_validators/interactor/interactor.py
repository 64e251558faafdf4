"""Interactor, ICPC convention: argv = input answer feedback_dir; reads the solution's output on stdin, writes to
its input on stdout; exit 42 to accept, 43 to reject."""

import sys
from pathlib import Path

LIMIT = 25


def finish(feedback_dir: str, ok: bool, message: str) -> None:
    Path(feedback_dir, "judgemessage.txt").write_text(message)
    sys.exit(42 if ok else 43)


def main() -> None:
    input_path, _answer_path, feedback_dir = sys.argv[1:4]
    secret = int(Path(input_path).read_text().split()[0])
    for asked in range(1, LIMIT + 1):
        line = sys.stdin.readline()
        if not line:
            finish(feedback_dir, False, "the solution stopped before finding the number")
        parts = line.split()
        if len(parts) != 2 or parts[0] != "?":
            finish(feedback_dir, False, f"expected '? y', got {line.strip()[:40]!r}")
        guess = int(parts[1])
        if guess == secret:
            print("=", flush=True)
            finish(feedback_dir, True, f"found in {asked} questions")
        print("<" if secret < guess else ">", flush=True)
    finish(feedback_dir, False, f"more than {LIMIT} questions")


main()
