"""``verdict users create`` and ``verdict tokens create``: operators' access to accounts, against ``DATABASE_URL``.

- ``verdict users create --email E --role R [--password P] [--name N]`` creates a verified, active account (the
  first admin comes from here). Without ``--password`` it asks twice on a terminal; when stdin is not a terminal
  it generates a strong password and prints it once. The password policy applies to a given password.
- ``verdict tokens create --email E --scope S [--scope S ...] [--expires-days N] [--name N]`` prints only the new
  personal access token (so ``TOKEN=$(verdict tokens create ...)`` works); messages go to stderr.

Only the standard library is imported at module level; the API side is imported when a command runs.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import secrets
import sys
from typing import Any

__all__ = ["register"]

ROLES = ("student", "instructor", "admin")
SCOPES = ("read", "problems:write", "submissions:write", "judge0")


def register(sub: argparse._SubParsersAction[Any]) -> None:
    users = sub.add_parser("users", help="manage accounts (against DATABASE_URL)")
    users_sub = users.add_subparsers(title="actions", metavar="ACTION")
    create = users_sub.add_parser("create", help="create an account (e.g. the first admin)")
    create.add_argument("--email", required=True)
    create.add_argument("--role", required=True, choices=ROLES)
    create.add_argument("--password", help="default: asked on a terminal, else generated and printed")
    create.add_argument("--name", help="display name (default: the part of the address before @)")
    create.set_defaults(handler=_cmd_users_create)
    users.set_defaults(handler=_help(users))

    tokens = sub.add_parser("tokens", help="manage personal access tokens (against DATABASE_URL)")
    tokens_sub = tokens.add_subparsers(title="actions", metavar="ACTION")
    token_create = tokens_sub.add_parser("create", help="create a token for an account; prints only the token")
    token_create.add_argument("--email", required=True)
    token_create.add_argument("--scope", action="append", required=True, choices=SCOPES, dest="scopes")
    token_create.add_argument("--expires-days", type=int, default=None, help="default: no expiry")
    token_create.add_argument("--name", default="created with verdict tokens create")
    token_create.set_defaults(handler=_cmd_tokens_create)
    tokens.set_defaults(handler=_help(tokens))


def _help(parser: argparse.ArgumentParser) -> Any:
    def show(_args: argparse.Namespace) -> int:
        parser.print_help()
        return 2

    return show


def _fail(message: str) -> int:
    print(f"verdict: {message}", file=sys.stderr)
    return 1


def _cmd_users_create(args: argparse.Namespace) -> int:
    password: str | None = args.password
    generated = False
    if password is None:
        if sys.stdin.isatty():
            password = getpass.getpass("Password: ")
            if getpass.getpass("Repeat it: ") != password:
                return _fail("the passwords differ")
        else:
            password = secrets.token_urlsafe(18)
            generated = True
    name = args.name or args.email.partition("@")[0] or args.email
    try:
        email = asyncio.run(_create_user(email=args.email, role=args.role, password=password, name=name))
    except _errors() as exc:
        return _fail(getattr(exc, "detail", str(exc)))
    print(f"created {args.role} {email}")
    if generated:
        print(f"generated password (shown once): {password}")
    return 0


def _cmd_tokens_create(args: argparse.Namespace) -> int:
    if args.expires_days is not None and not 1 <= args.expires_days <= 3650:
        return _fail("--expires-days must be between 1 and 3650")
    try:
        token = asyncio.run(_create_token(email=args.email, scopes=args.scopes, days=args.expires_days, name=args.name))
    except _errors() as exc:
        return _fail(getattr(exc, "detail", str(exc)))
    print(token)
    return 0


def _errors() -> tuple[type[Exception], ...]:
    from api.lib.exceptions import ApplicationError

    return (ApplicationError,)


async def _create_user(*, email: str, role: str, password: str, name: str) -> str:
    from api.db import models as m
    from api.db.engine import create_engine, session_factory
    from api.domain.accounts.schemas import UserCreate
    from api.domain.accounts.services import UserService
    from api.settings import load_settings

    engine = create_engine(load_settings())
    try:
        async with session_factory(engine)() as session:
            user = await UserService(session=session).create_from(
                UserCreate(email=email, display_name=name, role=m.Role(role), password=password)
            )
            await session.commit()
            return user.email
    finally:
        await engine.dispose()


async def _create_token(*, email: str, scopes: list[str], days: int | None, name: str) -> str:
    from datetime import timedelta

    from api.db import models as m
    from api.db.engine import create_engine, session_factory
    from api.domain.accounts.services import ApiTokenService, UserService, normalize_email
    from api.lib.exceptions import ApplicationClientError
    from api.lib.timeutil import utcnow
    from api.settings import load_settings

    engine = create_engine(load_settings())
    try:
        async with session_factory(engine)() as session:
            user = await UserService(session=session).get_by_email(normalize_email(email))
            if user is None:
                raise ApplicationClientError(f"no account has the address {email}")
            if not user.is_active:
                raise ApplicationClientError(f"the account {email} is deactivated")
            expires_at = utcnow() + timedelta(days=days) if days else None
            _token, raw = await ApiTokenService(session=session).create_token(
                user=user, name=name, scopes=[m.ApiScope(s) for s in scopes], expires_at=expires_at
            )
            await session.commit()
            return raw
    finally:
        await engine.dispose()
