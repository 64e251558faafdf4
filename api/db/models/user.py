from __future__ import annotations

from advanced_alchemy.base import UUIDAuditBase
from sqlalchemy import Boolean, Enum, String
from sqlalchemy.orm import Mapped, mapped_column

from api.db.models._enums import Role

__all__ = ["User"]


class User(UUIDAuditBase):
    """A person who signs in: a student, an instructor or an admin."""

    __tablename__ = "user_account"

    email: Mapped[str] = mapped_column(String(320), unique=True, index=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str | None] = mapped_column(String(255), default=None)
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
        default=Role.STUDENT,
    )
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
