import sys

data = sys.stdin.read().split()
total = 0
while True:  # never finishes
    total += 1
