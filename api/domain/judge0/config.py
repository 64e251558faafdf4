"""What ``GET /config_info`` reports, and every knob of the Judge0 API, built once from :class:`Settings`.

``ConfigInfo`` carries exactly the keys Judge0 CE 1.13.1 returns, in its order, with Verdict's values: features
Verdict's sandbox does not have (compiler options, command-line arguments, additional files, network, per-process
limits) are reported off, and requests that ask for them are refused the way Judge0 refuses a disabled feature.
"""

from __future__ import annotations

from typing import Final

import msgspec

from api.domain.judge0.languages import default_verdict_languages
from api.settings import Settings

__all__ = ["VERSION", "ConfigInfo", "Judge0Config", "judge0_config"]

VERSION: Final = "1.13.1"


class ConfigInfo(msgspec.Struct, frozen=True, kw_only=True):
    maintenance_mode: bool = False
    enable_wait_result: bool = True
    enable_compiler_options: bool = False
    allowed_languages_for_compile_options: tuple[str, ...] = ()
    enable_command_line_arguments: bool = False
    enable_submission_delete: bool = True
    enable_callbacks: bool = False
    callbacks_max_tries: int = 3
    callbacks_timeout: float = 5.0
    enable_additional_files: bool = False
    max_queue_size: int = 100
    cpu_time_limit: float = 5.0
    max_cpu_time_limit: float = 15.0
    cpu_extra_time: float = 1.0
    max_cpu_extra_time: float = 5.0
    wall_time_limit: float = 10.0
    max_wall_time_limit: float = 20.0
    memory_limit: int = 128000
    max_memory_limit: int = 512000
    stack_limit: int = 64000
    max_stack_limit: int = 128000
    max_processes_and_or_threads: int = 60
    max_max_processes_and_or_threads: int = 120
    enable_per_process_and_thread_time_limit: bool = False
    allow_enable_per_process_and_thread_time_limit: bool = False
    enable_per_process_and_thread_memory_limit: bool = False
    allow_enable_per_process_and_thread_memory_limit: bool = False
    max_file_size: int = 1024
    max_max_file_size: int = 4096
    number_of_runs: int = 1
    max_number_of_runs: int = 20
    redirect_stderr_to_stdout: bool = False
    max_extract_size: int = 10240
    enable_batched_submissions: bool = True
    max_submission_batch_size: int = 20
    submission_cache_duration: float = 0.0  # Verdict answers from the database, uncached
    use_docs_as_homepage: bool = False
    allow_enable_network: bool = False
    enable_network: bool = False


class Judge0Config(msgspec.Struct, frozen=True, kw_only=True):
    info: ConfigInfo = ConfigInfo()
    wait_timeout_s: float = 30.0
    retention_hours: int = 168
    callback_allowed_hosts: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    max_source_bytes: int = 256 * 1024
    max_stdin_bytes: int = 1024 * 1024


def judge0_config(settings: Settings) -> Judge0Config:
    info = ConfigInfo(
        enable_submission_delete=settings.judge0_enable_submission_delete,
        enable_callbacks=bool(settings.judge0_callback_allowed_hosts),
        max_queue_size=settings.judge0_max_queue_size,
        max_cpu_time_limit=settings.judge0_max_cpu_time_limit,
        max_wall_time_limit=settings.judge0_max_wall_time_limit,
        max_memory_limit=settings.judge0_max_memory_limit,
        max_number_of_runs=settings.judge0_max_number_of_runs,
    )
    # The defaults never exceed the maxima an operator lowered.
    info = msgspec.structs.replace(
        info,
        cpu_time_limit=min(info.cpu_time_limit, info.max_cpu_time_limit),
        wall_time_limit=min(info.wall_time_limit, info.max_wall_time_limit),
        memory_limit=min(info.memory_limit, info.max_memory_limit),
        number_of_runs=min(info.number_of_runs, info.max_number_of_runs),
    )
    return Judge0Config(
        info=info,
        wait_timeout_s=float(settings.judge0_wait_timeout_s),
        retention_hours=settings.judge0_retention_hours,
        callback_allowed_hosts=settings.judge0_callback_allowed_hosts,
        languages=settings.judge0_languages or default_verdict_languages(),
        max_source_bytes=settings.judge0_max_source_bytes,
        max_stdin_bytes=settings.judge0_max_stdin_bytes,
    )
