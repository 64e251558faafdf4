#include <stdio.h>

/* Sums in 32 bits: right on small numbers, wrong once the total leaves int's range. */
int main(void) {
    int n, total = 0;
    if (scanf("%d", &n) != 1) return 1;
    for (int i = 0; i < n; ++i) {
        long long x;
        scanf("%lld", &x);
        total += (int)x;
    }
    printf("%d\n", total);
    return 0;
}
