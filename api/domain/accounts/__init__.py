"""Accounts: registration, sign-in (JWT + rotating refresh tokens, cookies with CSRF for browsers), sign-out,
password change and reset, profiles, user administration, personal access tokens, rate limits.

For other areas:
- guards in :mod:`api.domain.accounts.guards` (``requires_active_user``, ``requires_instructor``, ``requires_admin``,
  ``requires_scope(scope)``, ``requires_session``; ownership helpers ``ensure_owner_or_staff``, ``is_staff``);
- dependencies in :mod:`api.domain.accounts.deps` (``current_user``, ``optional_user``, ``current_principal``,
  ``rate_limiter``);
- wiring: :class:`api.domain.accounts.plugin.AccountsPlugin` in ``create_app``.
"""
