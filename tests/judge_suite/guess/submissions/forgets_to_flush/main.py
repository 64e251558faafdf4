import sys

sys.stdout.write("500\n")
print(sys.stdin.readline())
