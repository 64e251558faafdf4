from pathlib import Path

a, b = map(int, Path("sum.in").read_text().split())
Path("sum.out").write_text(f"{a + b}\n")
