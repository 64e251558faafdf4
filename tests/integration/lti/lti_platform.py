"""A stand-in LTI 1.3 platform (an LMS): a small ASGI app served by uvicorn on 127.0.0.1 (own thread and loop) with
its own RSA keys. It serves its JWKS (``GET /jwks``), an OAuth2 token endpoint (``POST /token``: client_credentials
with a JWT client assertion, verified against the tool's JWKS), and signs launch id_tokens like Moodle or Canvas:
for API-level tests through ``id_token``, for a browser through the OIDC authorization page (``GET /auth``), which
posts ``next_launch`` to the tool. AGS scores, NRPS memberships and deep-linking answers are served and recorded.
"""

from __future__ import annotations

import asyncio
import html
import json
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Final
from urllib.parse import parse_qs

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tests.support.asgi_stand_in import Receive, Send, handled_lifespan, read_body, serve_in_thread

__all__ = ["CLAIM", "INSTRUCTOR", "LEARNER", "StandInPlatform", "serve_platform"]

CLAIM: Final = "https://purl.imsglobal.org/spec/lti/claim/"
LEARNER: Final = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR: Final = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"

Scope = dict[str, Any]


class _Key:
    def __init__(self) -> None:
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = uuid.uuid4().hex[:12]

    def jwk(self) -> dict[str, Any]:
        return {
            **json.loads(RSAAlgorithm.to_jwk(self.private.public_key())),
            "kid": self.kid,
            "alg": "RS256",
            "use": "sig",
        }


class StandInPlatform:
    def __init__(self) -> None:
        self.url = ""
        self.client_id = "verdict-tool-" + uuid.uuid4().hex[:6]
        self.deployment_id = "deployment-1"
        self.key = _Key()
        self.tool_jwks: dict[str, Any] = {"keys": []}  # what the test fetched from the tool's /lti/jwks
        self.token_requests: list[dict[str, Any]] = []
        self.tokens: dict[str, set[str]] = {}  # access token issued -> its scopes
        self.scores: list[dict[str, Any]] = []  # AGS scores POSTed, with "lineitem" added
        self.members: list[dict[str, Any]] = []  # NRPS memberships served at /nrps/memberships
        self.fail_next = 0  # answer 500 to this many AGS/NRPS calls
        self.stall_s = 0.0  # wait this long before every answer (a hanging LMS)
        self.deep_links: list[dict[str, Any]] = []  # verified LtiDeepLinkingResponse claims posted to /deep-link-return
        self.next_launch: dict[str, Any] = {}  # what GET /auth (a browser's launch) signs: id_token's keywords

    @property
    def issuer(self) -> str:
        return self.url

    def registration(self) -> dict[str, Any]:
        return {
            "name": "Stand-in Moodle",
            "issuer": self.issuer,
            "clientId": self.client_id,
            "authLoginUrl": f"{self.url}/auth",
            "authTokenUrl": f"{self.url}/token",
            "keySetUrl": f"{self.url}/jwks",
            "deploymentIds": [self.deployment_id],
        }

    def id_token(
        self,
        *,
        nonce: str | None,
        sub: str = "user-1",
        roles: tuple[str, ...] = (LEARNER,),
        context_id: str = "course-101",
        resource_link_id: str = "link-1",
        custom: dict[str, str] | None = None,
        key: Any = None,
        kid: str | None = None,
        aud: str | None = None,
        iss: str | None = None,
        deployment_id: str | None = None,
        exp_in: int = 300,
        email: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": iss or self.issuer,
            "aud": aud or self.client_id,
            "sub": sub,
            "iat": now - 5,
            "exp": now + exp_in,
            "name": f"Person {sub}",
            "email": email if email is not None else f"{sub}@lms.example.org",
            CLAIM + "message_type": "LtiResourceLinkRequest",
            CLAIM + "version": "1.3.0",
            CLAIM + "deployment_id": deployment_id or self.deployment_id,
            CLAIM + "target_link_uri": "https://verdict.example.org/lti/launch",
            CLAIM + "roles": list(roles),
            CLAIM + "context": {"id": context_id, "label": "CS101", "title": "Intro to Programming"},
            CLAIM + "resource_link": {"id": resource_link_id, "title": "Week 1"},
            **(extra or {}),
        }
        if nonce is not None:
            claims["nonce"] = nonce
        if custom:
            claims[CLAIM + "custom"] = custom
        return jwt.encode(claims, key or self.key.private, algorithm="RS256", headers={"kid": kid or self.key.kid})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if await handled_lifespan(scope, receive, send):
            return
        body = await read_body(receive)
        if self.stall_s:
            await asyncio.sleep(self.stall_s)
        headers = {k.decode().lower(): v.decode() for k, v in scope.get("headers", [])}
        if scope["method"] == "GET" and scope["path"] == "/auth":
            status, page = self._authorize(scope.get("query_string", b"").decode())
            content_type, payload = b"text/html; charset=utf-8", page.encode()
        else:
            status, answer = self._answer(scope["method"], scope["path"], body, headers.get("authorization", ""))
            content_type, payload = b"application/json", json.dumps(answer).encode()
        await send({"type": "http.response.start", "status": status, "headers": [(b"content-type", content_type)]})
        await send({"type": "http.response.body", "body": payload})

    def _authorize(self, query: str) -> tuple[int, str]:
        """The OIDC authorization step a browser goes through: the LMS signs ``next_launch`` for the tool's nonce and
        the page posts it, with the tool's state, to the tool's redirect URI (as Moodle and Canvas do)."""
        params = {k: v[0] for k, v in parse_qs(query).items()}
        if params.get("client_id") != self.client_id or not params.get("redirect_uri", "").startswith("http"):
            return 400, "<p>unknown client or redirect URI</p>"
        id_token = self.id_token(nonce=params.get("nonce"), **self.next_launch)
        fields = {"id_token": id_token, "state": params.get("state", "")}
        inputs = "".join(f'<input type="hidden" name="{k}" value="{html.escape(v)}">' for k, v in fields.items())
        action = html.escape(params["redirect_uri"])
        return 200, (
            f'<!doctype html><title>Stand-in LMS</title><form method="post" action="{action}">{inputs}'
            "<button>Continue to the tool</button></form><script>document.forms[0].submit()</script>"
        )

    def _answer(self, method: str, path: str, body: bytes, authorization: str = "") -> tuple[int, Any]:
        if method == "GET" and path == "/jwks":
            return 200, {"keys": [self.key.jwk()]}
        if method == "POST" and path == "/token":
            form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
            self.token_requests.append(form)
            try:
                self.verify_assertion(form.get("client_assertion", ""))
            except jwt.InvalidTokenError as exc:
                return 401, {"error": "invalid_client", "error_description": str(exc)}
            token = uuid.uuid4().hex
            self.tokens[token] = set(form.get("scope", "").split())
            return 200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600}
        if method == "POST" and path.startswith("/lineitems/") and path.endswith("/scores"):
            refused = self._refuse(authorization, "https://purl.imsglobal.org/spec/lti-ags/scope/score")
            if refused:
                return refused
            self.scores.append({**json.loads(body), "lineitem": path.removesuffix("/scores")})
            return 200, {}
        if method == "POST" and path == "/deep-link-return":  # where the browser posts the tool's signed answer
            form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
            try:
                self.deep_links.append(self.verify_deep_link_response(form.get("JWT", "")))
            except jwt.InvalidTokenError as exc:
                return 400, {"error": str(exc)}
            return 200, {"received": len(self.deep_links)}
        if method == "GET" and path == "/nrps/memberships":
            refused = self._refuse(
                authorization, "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
            )
            if refused:
                return refused
            return 200, {"id": f"{self.url}/nrps/memberships", "context": {"id": "course-101"}, "members": self.members}
        return 404, {"error": "not found"}

    def _refuse(self, authorization: str, scope: str) -> tuple[int, Any] | None:
        token = authorization.removeprefix("Bearer ").strip()
        if token not in self.tokens:
            return 401, {"error": "invalid_token"}
        if scope not in self.tokens[token]:
            return 403, {"error": "insufficient_scope"}
        if self.fail_next > 0:
            self.fail_next -= 1
            return 500, {"error": "platform busy"}
        return None

    def verify_deep_link_response(self, answer: str) -> dict[str, Any]:
        """A deep-linking response as a platform checks it: signed by a key in the tool's JWKS, from our client id
        (iss) to us (aud), for our deployment."""
        kid = jwt.get_unverified_header(answer).get("kid")
        for jwk in self.tool_jwks["keys"]:
            if jwk["kid"] == kid:
                public = RSAAlgorithm.from_jwk(json.dumps(jwk))
                claims = dict(
                    jwt.decode(answer, public, algorithms=["RS256"], audience=self.issuer, issuer=self.client_id)  # type: ignore[arg-type]
                )
                if claims.get(CLAIM + "deployment_id") != self.deployment_id:
                    raise jwt.InvalidTokenError("wrong deployment_id")
                return claims
        raise jwt.InvalidTokenError(f"no tool key {kid!r} in the tool's JWKS")

    def verify_assertion(self, assertion: str) -> dict[str, Any]:
        """The tool's client assertion, checked against the tool's JWKS (by kid), like a real platform does."""
        kid = jwt.get_unverified_header(assertion).get("kid")
        for jwk in self.tool_jwks["keys"]:
            if jwk["kid"] == kid:
                public = RSAAlgorithm.from_jwk(json.dumps(jwk))
                return dict(jwt.decode(assertion, public, algorithms=["RS256"], audience=f"{self.url}/token"))  # type: ignore[arg-type]
        raise jwt.InvalidTokenError(f"no tool key {kid!r} in the tool's JWKS")


@contextmanager
def serve_platform() -> Iterator[StandInPlatform]:
    platform = StandInPlatform()
    with serve_in_thread(platform, name="stand-in LTI platform") as url:
        platform.url = url
        yield platform
