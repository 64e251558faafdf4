"""Run untrusted code under nsjail and report neutral facts (no verdicts, no storage, no network).

Typical use (the judge worker)::

    config = SandboxConfig.from_env(os.environ)        # at start-up
    async with Sandbox(config) as sandbox:
        statuses = await sandbox.available_languages()  # self-tests; offer only what passed
        spec = LANGUAGES["cpp17"]
        build = await sandbox.compile(spec, {spec.source: source})
        if build.ok:
            result = await sandbox.execute(spec, build.artifacts, stdin=test_input, limits=Limits(cpu_time_ms=1000))
"""

from sandbox.check import CheckItem, HostReport, check_host
from sandbox.config import SandboxConfig
from sandbox.errors import SandboxConfigError, SandboxError
from sandbox.languages import LANGUAGES, LanguageSpec, SelfTest, Toolchain
from sandbox.limits import KIB, MIB, Limits
from sandbox.nsjail import Mount
from sandbox.result import CompileOutcome, LanguageStatus, LimitKind, RunResult, RunStatus
from sandbox.runner import Sandbox

__all__ = [
    "KIB",
    "LANGUAGES",
    "MIB",
    "CheckItem",
    "CompileOutcome",
    "HostReport",
    "LanguageSpec",
    "LanguageStatus",
    "LimitKind",
    "Limits",
    "Mount",
    "RunResult",
    "RunStatus",
    "Sandbox",
    "SandboxConfig",
    "SandboxConfigError",
    "SandboxError",
    "SelfTest",
    "Toolchain",
    "check_host",
]
