"""Base64 as Judge0 speaks it.

Judge0 (Ruby) encodes with MIME line breaks: a newline after every 60 characters and at the end, so ``"hello"`` is
``"aGVsbG8=\\n"``. It decodes leniently: characters outside the alphabet are skipped and decoding stops at padding,
so invalid Base64 never raises; it yields whatever bytes the valid characters spell (often nothing, which then
fails validation as "can't be blank"). Both are reproduced here, because clients depend on the first and the
second decides how bad input is answered.
"""

from __future__ import annotations

import base64
from typing import Final

__all__ = ["decode64", "encode64"]

_LINE: Final = 60  # characters per line of MIME Base64 (45 input bytes)
_ALPHABET: Final = {c: i for i, c in enumerate(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")}
_PAD: Final = ord("=")


def encode64(data: bytes | None) -> str | None:
    """Base64 with a line break after every 60 characters and one at the end (Ruby's ``Base64.encode64``)."""
    if data is None:
        return None
    encoded = base64.b64encode(data).decode("ascii")
    return "".join(encoded[i : i + _LINE] + "\n" for i in range(0, len(encoded), _LINE))


def decode64(text: str | None) -> bytes | None:
    """Lenient Base64 decoding (Ruby's ``Base64.decode64``): never fails.

    Characters outside the alphabet are skipped; ``=`` ends the input when it stands where the third or fourth
    character of a group belongs; a trailing group of two or three characters yields one or two bytes.
    """
    if text is None:
        return None
    values: list[int] = []
    out = bytearray()
    for byte in text.encode("utf-8", "surrogatepass"):
        if byte == _PAD and len(values) >= 2:  # padding only ends a group in its 3rd or 4th place
            break
        value = _ALPHABET.get(byte)
        if value is None:
            continue
        values.append(value)
        if len(values) == 4:
            a, b, c, d = values
            out += bytes(((a << 2 | b >> 4) & 0xFF, (b << 4 | c >> 2) & 0xFF, (c << 6 | d) & 0xFF))
            values.clear()
    if len(values) >= 2:
        a, b = values[0], values[1]
        out.append((a << 2 | b >> 4) & 0xFF)
        if len(values) == 3:
            out.append((b << 4 | values[2] >> 2) & 0xFF)
    return bytes(out)
