from pathlib import Path

print(sum(map(int, Path("sum.in").read_text().split())))
