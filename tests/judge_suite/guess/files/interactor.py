"""ICPC interactor: args input answer feedback_dir; talks to the solution on stdin/stdout; 42 accept, 43 reject."""

import sys
from pathlib import Path

secret = int(Path(sys.argv[1]).read_text())
feedback = Path(sys.argv[3], "judgemessage.txt")
for _ in range(10):
    line = sys.stdin.readline()
    if not line:
        feedback.write_text("the solution stopped guessing")
        sys.exit(43)
    guess = int(line)
    if guess == secret:
        print("correct", flush=True)
        sys.exit(42)
    print("higher" if guess < secret else "lower", flush=True)
feedback.write_text("too many guesses")
sys.exit(43)
