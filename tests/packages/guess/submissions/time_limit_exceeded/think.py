print("?", 500000, flush=True)
input()
total = 0
while True:  # thinks forever before the next question
    total += 1
