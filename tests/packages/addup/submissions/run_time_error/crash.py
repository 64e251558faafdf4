import sys

data = sys.stdin.read().split()
raise SystemExit(3)
