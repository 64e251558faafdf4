"""Sub-commands contributed by domain areas. Each ``register`` imports only the standard library at module level.

The judge image ships the CLI without the API's domain packages (no database code on a judge): there, the domain
commands are simply not offered, and ``verdict worker judge`` and ``verdict sandbox`` work as everywhere."""

from __future__ import annotations

import argparse
import importlib
from typing import Any

__all__ = ["register_extra_commands"]

_DOMAIN_COMMANDS = ("api.domain.accounts.cli", "api.domain.problems.cli", "api.domain.fleet.cli")


def register_extra_commands(sub: argparse._SubParsersAction[Any]) -> None:
    for name in _DOMAIN_COMMANDS:
        try:
            module = importlib.import_module(name)  # stdlib-only at import
        except ModuleNotFoundError as exc:
            if exc.name is not None and name.startswith(exc.name):
                continue  # this install has no such domain package (the judge image)
            raise
        module.register(sub)
