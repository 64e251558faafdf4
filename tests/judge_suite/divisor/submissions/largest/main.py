n = int(input())
print(max(d for d in range(2, n) if n % d == 0))
