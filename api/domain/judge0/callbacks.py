"""``callback_url``: which hosts may be called, and the call itself (a ``PUT`` of the submission, as Judge0 sends).

The allow-list (``JUDGE0_CALLBACK_ALLOWED_HOSTS``) holds exact host names, ``*.example.com`` wildcards, IP addresses
and CIDR ranges. A URL is accepted at creation only when its host is listed. At call time the host is resolved and
every address must be public, or itself listed as an IP or CIDR: a listed *name* that resolves to a private,
loopback or link-local address is not called (no server-side requests into the private network by DNS trickery),
and the request goes to the address that was checked, so a second resolution cannot swap it.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from collections.abc import Sequence
from typing import Final
from urllib.parse import urlsplit, urlunsplit

import httpx
import msgspec

__all__ = ["CallbackRefusedError", "callback_url_problem", "deliver_callback", "resolve_callback_target"]

logger = logging.getLogger("verdict.judge0.callbacks")

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_MAX_URL: Final = 2048


class CallbackRefusedError(Exception):
    """The callback must not be sent (the host is not allowed, or resolves to a private address)."""


class _Rules(msgspec.Struct, frozen=True):
    names: frozenset[str]
    suffixes: tuple[str, ...]
    networks: tuple[IPNetwork, ...]


def _rules(allowed: Sequence[str]) -> _Rules:
    names: set[str] = set()
    suffixes: list[str] = []
    networks: list[IPNetwork] = []
    for entry in allowed:
        item = entry.strip().lower().rstrip(".")
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item.strip("[]"), strict=False))
            continue
        except ValueError:
            pass
        if item.startswith("*."):
            suffixes.append(item[1:])
        else:
            names.add(item)
    return _Rules(names=frozenset(names), suffixes=tuple(suffixes), networks=tuple(networks))


def _ip(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def _is_public(address: IPAddress) -> bool:
    return address.is_global and not address.is_multicast


def _listed_address(address: IPAddress, rules: _Rules) -> bool:
    return any(address in network for network in rules.networks)


def _listed_name(host: str, rules: _Rules) -> bool:
    return host in rules.names or any(host.endswith(suffix) for suffix in rules.suffixes)


def callback_url_problem(url: str, allowed: Sequence[str]) -> str | None:
    """Why ``url`` may not be a callback (a message for the 422 answer), or ``None`` when it may."""
    if len(url) > _MAX_URL:
        return f"is too long (maximum is {_MAX_URL} characters)"
    try:
        parts = urlsplit(url.strip())
        _ = parts.port
    except ValueError:
        return "is not a valid URL"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "must be an http:// or https:// URL with a host"
    if parts.username is not None or parts.password is not None:
        return "must not carry credentials"
    host = parts.hostname.lower().rstrip(".")
    rules = _rules(allowed)
    address = _ip(host)
    allowed_host = _listed_address(address, rules) if address is not None else _listed_name(host, rules)
    if not allowed_host:
        return f"host {host} is not in the callback allow-list"
    return None


async def resolve_callback_target(url: str, allowed: Sequence[str]) -> tuple[str, str]:
    """(URL to connect to, host name to present): the host resolved once and every address checked.

    Raises :class:`CallbackRefusedError` when the URL is no longer allowed or resolves to a private address that is
    not itself listed.
    """
    problem = callback_url_problem(url, allowed)
    if problem is not None:
        raise CallbackRefusedError(f"callback_url {problem}")
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().rstrip(".")
    rules = _rules(allowed)
    literal = _ip(host)
    if literal is not None:
        addresses: list[IPAddress] = [literal]
    else:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise CallbackRefusedError(f"callback host {host} does not resolve: {exc}") from None
        addresses = []
        for info in infos:
            resolved = _ip(str(info[4][0]).split("%", 1)[0])
            if resolved is not None:
                addresses.append(resolved)
    if not addresses:
        raise CallbackRefusedError(f"callback host {host} has no address")
    for address in addresses:
        if not _is_public(address) and not _listed_address(address, rules):
            raise CallbackRefusedError(f"callback host {host} resolves to the non-public address {address}")
    chosen = addresses[0]
    shown = f"[{chosen}]" if chosen.version == 6 else str(chosen)
    netloc = shown if parts.port is None else f"{shown}:{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, "")), host


async def deliver_callback(
    url: str,
    body: bytes,
    *,
    allowed: Sequence[str],
    tries: int,
    timeout_s: float,
    transport: httpx.AsyncBaseTransport | None = None,
) -> bool:
    """``PUT`` ``body`` (JSON) to ``url`` at most ``tries`` times; ``True`` once the host answered at all.

    As in Judge0, any answer counts as delivered (the status code is not checked) and only failures to connect or
    time-outs are retried. Redirects are not followed.
    """
    try:
        target, host = await resolve_callback_target(url, allowed)
    except CallbackRefusedError as exc:
        logger.warning("judge0 callback not sent: %s", exc)
        return False
    port = urlsplit(url.strip()).port
    host_header = host if port is None else f"{host}:{port}"
    extensions = {"sni_hostname": host} if target.startswith("https") else {}
    async with httpx.AsyncClient(timeout=timeout_s, follow_redirects=False, transport=transport) as client:
        for attempt in range(1, max(1, tries) + 1):
            try:
                await client.put(
                    target,
                    content=body,
                    headers={"Content-Type": "application/json", "Host": host_header},
                    extensions=extensions,
                )
            except httpx.HTTPError as exc:
                logger.info("judge0 callback to %s failed (try %d of %d): %s", host, attempt, tries, exc)
                continue
            return True
    return False
