"""Non-blocking pipe plumbing on the event loop: capped capture, stdin feeding, process-exit watching.

Every stream is read concurrently with the others straight from its fd (no pipe deadlock), counted while it
streams, and the program is stopped as soon as a cap is passed; what comes after the cap is drained and dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Callable

__all__ = ["Capture", "ExitWatcher", "Feeder", "close_quietly"]

_CHUNK = 1 << 16


def close_quietly(fd: int | None) -> None:
    if fd is not None and fd >= 0:
        with contextlib.suppress(OSError):
            os.close(fd)


class Capture:
    """Read ``fd`` to EOF, keeping at most ``cap`` bytes; ``on_overflow`` is called once when the cap is passed."""

    def __init__(
        self, loop: asyncio.AbstractEventLoop, fd: int, cap: int, on_overflow: Callable[[], None] | None
    ) -> None:
        self._loop = loop
        self._fd = fd
        self._cap = cap
        self._on_overflow = on_overflow
        self._chunks: list[bytes] = []
        self._size = 0
        self.truncated = False
        self.done: asyncio.Future[None] = loop.create_future()
        os.set_blocking(fd, False)
        loop.add_reader(fd, self._readable)

    def _readable(self) -> None:
        try:
            data = os.read(self._fd, _CHUNK)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self.close()
            return
        room = self._cap - self._size
        if room > 0:
            kept = data[:room]
            self._chunks.append(kept)
            self._size += len(kept)
        if len(data) > room and not self.truncated:
            self.truncated = True
            if self._on_overflow is not None:
                self._on_overflow()

    def close(self) -> None:
        if self._fd >= 0:
            self._loop.remove_reader(self._fd)
            close_quietly(self._fd)
            self._fd = -1
        if not self.done.done():
            self.done.set_result(None)

    @property
    def data(self) -> bytes:
        return b"".join(self._chunks)


class Feeder:
    """Write ``data`` to the pipe ``fd`` as the reader takes it, then close it (EOF). A reader that is gone is fine."""

    def __init__(self, loop: asyncio.AbstractEventLoop, fd: int, data: bytes) -> None:
        self._loop = loop
        self._fd = fd
        self._view = memoryview(data)
        self.done: asyncio.Future[None] = loop.create_future()
        os.set_blocking(fd, False)
        if self._view:
            loop.add_writer(fd, self._writable)
            self._writable()
        else:
            self.close()

    def _writable(self) -> None:
        if self._fd < 0:
            return
        try:
            while self._view:
                written = os.write(self._fd, self._view[:_CHUNK])
                self._view = self._view[written:]
        except BlockingIOError:
            return
        except OSError:  # EPIPE: the program closed stdin or exited
            pass
        self.close()

    def close(self) -> None:
        if self._fd >= 0:
            self._loop.remove_writer(self._fd)
            close_quietly(self._fd)
            self._fd = -1
        if not self.done.done():
            self.done.set_result(None)


class ExitWatcher:
    """Resolve ``done`` when the process behind ``pidfd`` exits, without reaping it (it stays a zombie)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, pidfd: int) -> None:
        self._loop = loop
        self._pidfd = pidfd
        self.done: asyncio.Future[None] = loop.create_future()
        loop.add_reader(pidfd, self._readable)

    def _readable(self) -> None:
        self._loop.remove_reader(self._pidfd)
        if not self.done.done():
            self.done.set_result(None)

    def close(self) -> None:
        self._loop.remove_reader(self._pidfd)
        close_quietly(self._pidfd)
        if not self.done.done():
            self.done.cancel()
