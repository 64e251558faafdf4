"""Exceptions raised by the sandbox (program failures are results, never exceptions)."""

from __future__ import annotations

__all__ = ["SandboxConfigError", "SandboxError"]


class SandboxError(RuntimeError):
    """The host cannot run the sandbox (misconfigured, not started, closed). Retry elsewhere or fix the host."""


class SandboxConfigError(ValueError):
    """A ``SANDBOX_*`` setting or a ``SandboxConfig`` field is invalid; the message says which and why."""
