"""``AuthService``: registration, e-mail confirmation, sign-in, refresh, sign-out, password change and reset.

It composes the table services of one request (one database session) with the process-wide runtime (token codec,
Redis rate limits and revocations, mailer). Mail is *returned*, not sent: the controller attaches it to the response
as a background task, so an answer never waits for SMTP, and takes the same time whether or not a mail goes out.

Account existence is never revealed to someone who does not control the mailbox:
- registering answers 202 "check your mail" in every case; a new address gets a confirmation link (the account is
  created when it is used), a taken one gets an "you already have an account" notice;
- asking for a password reset answers 202 whether or not the address has an account;
- signing in with a wrong password or an unknown address is the same 401, after the same Argon2 work, and the
  per-account slow-down applies to unknown addresses too.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Final
from urllib.parse import quote
from uuid import UUID

from api.db import models as m
from api.domain.accounts.runtime import AccountsRuntime
from api.domain.accounts.schemas import LoginRequest, PasswordChange, RegisterRequest, UserCreate, UserUpdate
from api.domain.accounts.services import (
    AccountTokenService,
    UserService,
    check_password,
    clean_display_name,
    normalize_email,
)
from api.domain.accounts.sessions import IssuedSession, SessionService
from api.domain.accounts.tokens import AccessClaims
from api.lib.crypto import hash_password, password_needs_rehash, secrets_equal, verify_password
from api.lib.exceptions import ApplicationClientError, ConflictError, NotAuthenticatedError, PermissionDeniedError
from api.lib.mail import OutgoingMail
from api.lib.ratelimit import key_digest
from api.lib.timeutil import utcnow

__all__ = ["EMAIL_UNCONFIRMED", "PASSWORD_RESET_TTL", "VERIFY_EMAIL_TTL", "AuthService"]

PASSWORD_RESET_TTL: Final = timedelta(hours=1)
VERIFY_EMAIL_TTL: Final = timedelta(hours=24)
NEW_ACCOUNT_PASSWORD_TTL: Final = timedelta(hours=24)
EMAIL_UNCONFIRMED: Final = "email_unconfirmed"  # the error code of a sign-in before the address is confirmed


class AuthService:
    def __init__(
        self,
        *,
        users: UserService,
        sessions: SessionService,
        mail_tokens: AccountTokenService,
        runtime: AccountsRuntime,
    ) -> None:
        self.users = users
        self.sessions = sessions
        self.mail_tokens = mail_tokens
        self.runtime = runtime
        self._limits = runtime.limits

    def _url(self, path: str, token: str | None = None) -> str:
        base = self.runtime.settings.base_url
        return f"{base}{path}" + (f"?token={quote(token)}" if token else "")

    # --- registration ---------------------------------------------------------------------------------------
    async def register(self, data: RegisterRequest, *, ip: str) -> OutgoingMail:
        limiter = self.runtime.limiter
        await limiter.enforce(self._limits.register_ip, ip)
        email = normalize_email(data.email)
        await limiter.enforce(self._limits.register_email, key_digest(email))
        name = clean_display_name(data.display_name)
        check_password(data.password, field="password", email=email, display_name=name)
        role = self._role_for_invite(data.invite_code)
        password_hash = hash_password(data.password)  # done on both paths, so both take as long
        existing = await self.users.get_by_email(email)
        if existing is not None:
            return self.runtime.mailer.render(
                "account_exists",
                to=email,
                subject="You already have a Verdict account",
                context={
                    "display_name": existing.display_name,
                    "login_url": self._url("/login"),
                    "reset_url": self._url("/forgot-password"),
                },
            )
        return await self._confirmation_mail(email, name, role, password_hash)

    async def _confirmation_mail(self, email: str, name: str, role: m.Role, password_hash: str) -> OutgoingMail:
        raw = await self.mail_tokens.issue(
            purpose=m.AccountTokenPurpose.VERIFY_EMAIL,
            email=email,
            ttl=VERIFY_EMAIL_TTL,
            payload={"display_name": name, "role": role.value, "password_hash": password_hash},
        )
        return self.runtime.mailer.render(
            "verify_email",
            to=email,
            subject="Confirm your e-mail address for Verdict",
            context={
                "display_name": name,
                "role": role.value,
                "verify_url": self._url("/verify-email", raw),
                "token": raw,
                "expires_hours": int(VERIFY_EMAIL_TTL.total_seconds() // 3600),
            },
        )

    def _role_for_invite(self, invite_code: str | None) -> m.Role:
        if not invite_code:
            return m.Role.STUDENT
        expected = self.runtime.settings.instructor_invite_code
        if expected and secrets_equal(invite_code.strip(), expected):
            return m.Role.INSTRUCTOR
        raise ApplicationClientError(
            "the invite code is not valid: leave it out to register as a student, or ask your admin for the code",
            errors=[{"key": "inviteCode", "message": "not valid"}],
        )

    async def verify_email(self, raw: str, *, ip: str) -> m.User:
        await self.runtime.limiter.enforce(self._limits.confirm_ip, ip)
        token = await self.mail_tokens.consume(purpose=m.AccountTokenPurpose.VERIFY_EMAIL, raw=raw)
        payload = token.payload
        try:
            user = await self.users.create_user(
                email=token.email,
                display_name=str(payload["display_name"]),
                role=m.Role(payload["role"]),
                password_hash=str(payload["password_hash"]),
            )
        except ConflictError:
            raise ConflictError("an account with this address exists already: sign in instead") from None
        token.payload = {}  # the pending password hash has served its purpose
        return user

    # --- sessions ---------------------------------------------------------------------------------------------
    async def login(self, data: LoginRequest, *, ip: str, user_agent: str) -> tuple[IssuedSession, m.User]:
        limiter = self.runtime.limiter
        await limiter.enforce(self._limits.login_ip, ip)
        email = normalize_email(data.email)
        account_key = key_digest(email)
        await limiter.enforce(self._limits.login_account, account_key)
        await self.runtime.login_backoff.check(account_key)
        user = await self.users.get_by_email(email)
        pending = await self.mail_tokens.pending_registration(email) if user is None else None
        # One Argon2 check on every path (an account, a registration waiting for its confirmation, or nothing:
        # verify_password spends the same effort then), so the time taken tells nothing.
        stored = user.password_hash if user else (str(pending.payload.get("password_hash", "")) if pending else None)
        if not verify_password(stored or None, data.password):
            await self.runtime.login_backoff.failed(account_key)
            raise NotAuthenticatedError("wrong e-mail address or password")
        if user is None:
            # The right password of a registration not confirmed yet: only its owner can learn this.
            raise PermissionDeniedError(
                "confirm your e-mail address first: open the link we sent you, or have it sent again",
                errors=[{"code": EMAIL_UNCONFIRMED, "message": "the e-mail address is not confirmed yet"}],
            )
        if not user.is_active:
            raise PermissionDeniedError("this account has been deactivated; contact an administrator")
        await self.runtime.login_backoff.succeeded(account_key)
        if user.password_hash and password_needs_rehash(user.password_hash):
            user.password_hash = hash_password(data.password)
        user.last_login_at = utcnow()
        issued = await self.sessions.start(user, user_agent=user_agent, ip=ip)
        return issued, user

    async def resend_confirmation(self, data: LoginRequest, *, ip: str) -> OutgoingMail | None:
        """A new confirmation link for a registration not confirmed yet, after its password proves the owner.

        Any other case (no registration, a wrong password, an account that exists) answers the same and sends
        nothing, so this tells nobody anything about other people's addresses.
        """
        limiter = self.runtime.limiter
        await limiter.enforce(self._limits.login_ip, ip)
        email = normalize_email(data.email)
        await limiter.enforce(self._limits.register_email, key_digest(email))
        pending = await self.mail_tokens.pending_registration(email)
        stored = str(pending.payload.get("password_hash", "")) if pending else None
        if not verify_password(stored or None, data.password) or pending is None:
            return None
        if await self.users.get_by_email(email) is not None:
            return None
        name, role = str(pending.payload["display_name"]), m.Role(pending.payload["role"])
        return await self._confirmation_mail(email, name, role, str(pending.payload["password_hash"]))

    async def refresh(self, raw: str, *, ip: str, user_agent: str) -> tuple[IssuedSession, m.User]:
        return await self.sessions.rotate(raw, ip=ip, user_agent=user_agent)

    async def logout(self, claims: AccessClaims) -> None:
        await self.sessions.end(claims)

    async def logout_everywhere(self, user: m.User, claims: AccessClaims | None) -> int:
        count = await self.sessions.end_all(user.id)
        if claims is not None:
            await self.sessions.revocations.revoke_access(claims)
        return count

    # --- passwords --------------------------------------------------------------------------------------------
    async def change_password(self, user: m.User, data: PasswordChange, *, keep_session: UUID | None) -> int:
        """Set a new password after checking the current one; signs out every other session."""
        account_key = key_digest(user.email)
        await self.runtime.login_backoff.check(account_key)
        if not verify_password(user.password_hash, data.current_password):
            await self.runtime.login_backoff.failed(account_key)
            raise ApplicationClientError(
                "your current password is not right",
                errors=[{"key": "currentPassword", "message": "this is not your current password"}],
            )
        if data.new_password == data.current_password:
            raise ApplicationClientError(
                "the new password must differ from the current one",
                errors=[{"key": "newPassword", "message": "choose a password other than your current one"}],
            )
        await self.users.set_password(user, data.new_password)
        return await self.sessions.end_all(user.id, keep=keep_session)

    async def request_password_reset(self, raw_email: str, *, ip: str) -> OutgoingMail | None:
        limiter = self.runtime.limiter
        await limiter.enforce(self._limits.reset_ip, ip)
        email = normalize_email(raw_email)
        await limiter.enforce(self._limits.reset_email, key_digest(email))
        user = await self.users.get_by_email(email)
        if user is None or not user.is_active:
            return None
        raw = await self.mail_tokens.issue(
            purpose=m.AccountTokenPurpose.PASSWORD_RESET, email=email, user_id=user.id, ttl=PASSWORD_RESET_TTL
        )
        return self.runtime.mailer.render(
            "password_reset",
            to=email,
            subject="Reset your Verdict password",
            context={
                "display_name": user.display_name,
                "reset_url": self._url("/reset-password", raw),
                "token": raw,
                "expires_minutes": int(PASSWORD_RESET_TTL.total_seconds() // 60),
            },
        )

    async def confirm_password_reset(self, raw: str, new_password: str, *, ip: str) -> m.User:
        """Use a reset token: new password, every other reset link dead, every session signed out.

        A rejected password answers 400, which rolls the transaction back, so the token stays usable for a retry.
        """
        await self.runtime.limiter.enforce(self._limits.confirm_ip, ip)
        token = await self.mail_tokens.consume(purpose=m.AccountTokenPurpose.PASSWORD_RESET, raw=raw)
        user = await self.users.get(token.user_id) if token.user_id else None
        if user is None:
            raise ApplicationClientError("this link or code is not valid: ask for a new one")
        if not user.is_active:
            raise PermissionDeniedError("this account has been deactivated; contact an administrator")
        await self.users.set_password(user, new_password)
        await self.mail_tokens.retire_for_user(purpose=m.AccountTokenPurpose.PASSWORD_RESET, user_id=user.id)
        await self.sessions.end_all(user.id)
        await self.runtime.login_backoff.succeeded(key_digest(user.email))
        return user

    # --- administration ---------------------------------------------------------------------------------------
    async def create_user(self, data: UserCreate) -> tuple[m.User, OutgoingMail | None]:
        """Create a verified account (admin or CLI). Without a password, mail a link to choose one."""
        user = await self.users.create_from(data)
        if data.password is not None:
            return user, None
        raw = await self.mail_tokens.issue(
            purpose=m.AccountTokenPurpose.PASSWORD_RESET,
            email=user.email,
            user_id=user.id,
            ttl=NEW_ACCOUNT_PASSWORD_TTL,
        )
        mail = self.runtime.mailer.render(
            "account_created",
            to=user.email,
            subject="Your Verdict account",
            context={
                "display_name": user.display_name,
                "role": data.role.value,
                "reset_url": self._url("/reset-password", raw),
                "token": raw,
                "expires_minutes": int(NEW_ACCOUNT_PASSWORD_TTL.total_seconds() // 60),
            },
        )
        return user, mail

    async def update_user(self, *, actor: m.User, user_id: UUID, data: UserUpdate) -> m.User:
        """Admin change of role / active flag / name; deactivation signs the person out everywhere at once."""
        user, deactivated = await self.users.admin_update(actor=actor, user_id=user_id, data=data)
        if deactivated:
            await self.sessions.end_all(user.id)
        return user
