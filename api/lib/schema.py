"""Base classes for wire formats: msgspec Structs whose fields are camelCase in JSON (``displayName``)."""

from __future__ import annotations

import msgspec

__all__ = ["CamelizedBaseStruct"]


class CamelizedBaseStruct(msgspec.Struct, rename="camel", kw_only=True):
    """Python attributes stay snake_case; JSON keys are camelCase, as the web UI and API clients see them."""
