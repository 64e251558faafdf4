"""``verdict push DIR --url URL --token TOKEN``: upload a problem package from a CI job.

``DIR`` is a problem package in the ICPC problem package format (``problem.yaml`` at its root), a DMOJ problem
folder (``init.yml``), or a ready zip or tar.gz. The directory is packed into a zip in memory (sorted, fixed
timestamps: the same files give the same bytes, so re-pushing an unchanged package is a no-op on the server),
skipping ``.git``, ``__pycache__`` and editor leftovers; symbolic links are refused, as the server would refuse
them. It is then sent as
``PUT <URL>/api/problems/<slug>/package`` with ``Authorization: Bearer <TOKEN>`` (a personal access token with the
``problems:write`` scope; ``VERDICT_TOKEN`` in the environment keeps it off the command line).

Exit status: 0 uploaded (or unchanged), 1 refused by the server (the reasons are printed), 2 bad usage or no
connection. Only the standard library is used, so the command works wherever Python does.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path
from typing import Any, Final

__all__ = ["pack_directory", "push", "register"]

_SKIP_DIRS: Final = frozenset({".git", ".hg", ".svn", "__pycache__", ".idea", ".vscode", ".mypy_cache"})
_SKIP_FILES: Final = re.compile(r"(^\.DS_Store$|~$|\.pyc$|\.swp$)")
_EPOCH: Final = (1980, 1, 1, 0, 0, 0)


class PushError(Exception):
    """The push cannot be done as asked (exit status 2)."""


def register(sub: argparse._SubParsersAction[Any]) -> None:
    push_cmd = sub.add_parser(
        "push",
        help="upload a problem package (ICPC format) to a Verdict server, e.g. from CI",
        description="Upload a problem package to PUT <url>/api/problems/<slug>/package.",
    )
    push_cmd.add_argument("package", metavar="DIR", help="the package directory (or a .zip / .tar.gz of it)")
    push_cmd.add_argument("--url", required=True, help="the Verdict server, e.g. https://verdict.example.org")
    push_cmd.add_argument(
        "--token",
        default=os.environ.get("VERDICT_TOKEN"),
        help="a personal access token with the problems:write scope (default: $VERDICT_TOKEN)",
    )
    push_cmd.add_argument("--slug", help="the problem's slug (default: the directory's name)")
    push_cmd.add_argument(
        "--validate",
        action="store_true",
        help="judge the package's reference solutions first; the upload is refused if one misses its verdict",
    )
    push_cmd.add_argument(
        "--check-inputs",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="run the package's input validators on every test input (default: with --validate only); the upload "
        "is refused, naming each test file, if one rejects an input",
    )
    push_cmd.add_argument("--timeout", type=float, default=600.0, help="seconds to wait for the server (600)")
    push_cmd.set_defaults(handler=_cmd_push)


def _slug_of(path: Path) -> str:
    name = path.name
    for suffix in (".tar.gz", ".tgz", ".zip"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    slug = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")
    if not slug:
        raise PushError(f"cannot make a slug from {path.name!r}: pass --slug")
    return slug[:64]


def pack_directory(root: Path) -> bytes:
    """The package directory as a zip, byte-for-byte the same for the same files."""
    if not (root / "problem.yaml").is_file() and not (root / "init.yml").is_file():
        raise PushError(f"{root} has no problem.yaml (nor a DMOJ init.yml): is it a problem package directory?")
    entries: list[tuple[str, Path]] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        here = Path(dirpath)
        for name in list(dirnames):
            if (here / name).is_symlink():
                raise PushError(f"{here / name} is a symbolic link: packages may hold files and directories only")
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS)
        for name in filenames:
            path = here / name
            if path.is_symlink():
                raise PushError(f"{path} is a symbolic link: packages may hold files and directories only")
            if _SKIP_FILES.search(name) or not path.is_file():
                continue
            entries.append((path.relative_to(root).as_posix(), path))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, path in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, path.read_bytes())
    return buffer.getvalue()


def _archive(path: Path) -> tuple[bytes, str]:
    if path.is_dir():
        return pack_directory(path), "application/zip"
    if path.is_file():
        data = path.read_bytes()
        return data, "application/gzip" if data[:2] == b"\x1f\x8b" else "application/zip"
    raise PushError(f"{path} is neither a directory nor an archive")


def push(
    package: Path,
    *,
    url: str,
    token: str,
    slug: str | None = None,
    validate: bool = False,
    check_inputs: bool | None = None,
    timeout: float = 600.0,
) -> tuple[int, dict[str, Any]]:
    """Upload; return the HTTP status and the JSON answer (raises :class:`PushError` when it cannot be sent)."""
    body, content_type = _archive(package)
    target = f"{url.rstrip('/')}/api/problems/{urllib.parse.quote(slug or _slug_of(package), safe='')}/package"
    query = {"validate": "true"} if validate else {}
    if check_inputs is not None:
        query["check_inputs"] = "true" if check_inputs else "false"
    if query:
        target += "?" + urllib.parse.urlencode(query)
    parts = urllib.parse.urlsplit(target)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise PushError(f"--url must be an http(s) URL, got {url!r}")
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked just above
        target,
        data=body,
        method="PUT",
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": content_type,
            "Accept": "application/json",
            "User-Agent": "verdict-push",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return int(response.status), _json(response.read())
    except urllib.error.HTTPError as exc:
        return int(exc.code), _json(exc.read())
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise PushError(f"cannot reach {url}: {reason}") from None


def _json(raw: bytes) -> dict[str, Any]:
    try:
        decoded = json.loads(raw.decode("utf-8")) if raw else {}
    except (UnicodeDecodeError, json.JSONDecodeError):
        return {"detail": raw[:500].decode("utf-8", errors="replace")}
    return decoded if isinstance(decoded, dict) else {"detail": str(decoded)}


def _report(status: int, answer: dict[str, Any]) -> int:
    if status in (200, 201):
        problem = answer.get("problem", {})
        state = "created" if answer.get("created") else "updated" if answer.get("changed") else "unchanged"
        print(f"{problem.get('slug', '?')}: {state}, {answer.get('testCount', '?')} tests")
        print(f"test set {answer.get('testsetDigest')}")
        print(f"package  {answer.get('packageDigest')}")
        if answer.get("inputsChecked"):
            print(f"  ok  every test input accepted by {', '.join(answer.get('inputValidators', []))}")
        elif answer.get("inputValidators"):
            print("  --  input validators not run (push with --check-inputs or --validate to run them)")
        for outcome in answer.get("validation", []):
            print(f"  ok  {outcome['path']} ({outcome['language']}): {outcome['verdict']}")
        for skipped in answer.get("skipped", []):
            print(f"  --  {skipped['path']}: skipped, {skipped['reason']}")
        return 0
    print(f"verdict push: refused ({status}): {answer.get('detail', '')}", file=sys.stderr)
    for error in answer.get("errors", []) or []:
        where = error.get("path", "")
        field = f" [{error['field']}]" if error.get("field") else ""
        print(f"  {where}{field}: {error.get('message', error)}", file=sys.stderr)
    return 1


def _cmd_push(args: argparse.Namespace) -> int:
    if not args.token:
        print("verdict push: give a token with --token or VERDICT_TOKEN", file=sys.stderr)
        return 2
    try:
        status, answer = push(
            Path(args.package),
            url=args.url,
            token=args.token,
            slug=args.slug,
            validate=args.validate,
            check_inputs=args.check_inputs,
            timeout=args.timeout,
        )
    except PushError as exc:
        print(f"verdict push: {exc}", file=sys.stderr)
        return 2
    return _report(status, answer)
