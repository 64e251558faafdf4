"""Test programs (C compiled on the host with gcc, so attack programs cost no compile time in the jail).

Every attack program here only ever runs inside the sandbox.
"""

from __future__ import annotations

import functools
import hashlib
import subprocess
import tempfile
from pathlib import Path

_WORK = Path(tempfile.mkdtemp(prefix="verdict-sandbox-tests-"))


@functools.cache
def c_binary(source: str, flags: tuple[str, ...] = ("-O2",)) -> bytes:
    """Compile a C program on the host (cached) and return the executable's bytes."""
    digest = hashlib.sha256(source.encode() + repr(flags).encode()).hexdigest()[:16]
    src = _WORK / f"{digest}.c"
    exe = _WORK / digest
    src.write_text(source)
    subprocess.run(["gcc", *flags, "-o", str(exe), str(src), "-lpthread"], check=True, capture_output=True)
    return exe.read_bytes()


def main_c(body: str, includes: str = "") -> str:
    headers = "#define _GNU_SOURCE\n" + "".join(
        f"#include <{h}>\n"
        for h in (
            "errno.h",
            "fcntl.h",
            "signal.h",
            "stdio.h",
            "stdlib.h",
            "string.h",
            "sys/mman.h",
            "sys/stat.h",
            "sys/types.h",
            "sys/wait.h",
            "time.h",
            "unistd.h",
        )
    )
    return headers + includes + "\nint main(int argc, char **argv) {\n" + body + "\n}\n"


CPU_CLOCK = """
static long long cpu_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec * 1000000LL + t.tv_nsec / 1000;
}
"""

BUSY = main_c(
    """
  long long until = atoll(argv[1]) * 1000LL;
  volatile unsigned long x = 0;
  while (cpu_us() < until) for (int i = 0; i < 1000; i++) x += i;
  printf("%lld\\n", cpu_us());
  return 0;
""",
    CPU_CLOCK,
)
