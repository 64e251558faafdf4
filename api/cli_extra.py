"""Sub-commands contributed by domain areas. Each ``register`` imports only the standard library at module level."""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["register_extra_commands"]


def register_extra_commands(sub: argparse._SubParsersAction[Any]) -> None:
    from api.domain.accounts.cli import register as register_accounts  # stdlib-only at import

    register_accounts(sub)

    from api.domain.problems.cli import register as register_push  # stdlib-only at import

    register_push(sub)

    from api.domain.fleet.cli import register as register_fleet  # stdlib-only at import

    register_fleet(sub)
