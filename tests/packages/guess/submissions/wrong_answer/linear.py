guess = 1
while True:
    print("?", guess, flush=True)
    if input().strip() == "=":
        break
    guess += 1
