"""A real OpenID Connect provider on loopback, standing in for Pro Santé Connect in the tests: discovery, JWKS,
authorization (it approves at once, as a signed-in e-CPS user would), token (authorization code with PKCE S256,
one use per code) and userinfo endpoints, over HTTP, with RS256 ID tokens. Knobs make it misbehave the ways a
forged or stale answer would: another signing key, another audience, an expired token, another nonce."""

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

from joserfc import jwt
from joserfc.jwk import RSAKey


class Provider:
    def __init__(self, person: dict, client_id="tetedepont", client_secret="secret-de-test"):
        self.person = person  # the userinfo claims (SubjectNameID, email, names)
        self.client_id, self.client_secret = client_id, client_secret
        self.key = RSAKey.generate_key(2048, private=True, parameters={"kid": "psc-1", "use": "sig"})
        self.other_key = RSAKey.generate_key(2048, private=True, parameters={"kid": "psc-1", "use": "sig"})
        self.codes: dict[str, dict] = {}
        self.tokens: dict[str, dict] = {}
        self.forge = self.expired = False
        self.replays = 0  # codes presented again, refused
        self.audience = self.nonce = None
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _json(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                url = urlparse(self.path)
                if url.path == "/.well-known/openid-configuration":
                    return self._json(200, provider.metadata())
                if url.path == "/jwks":
                    return self._json(200, {"keys": [provider.key.as_dict(private=False)]})
                if url.path == "/authorize":
                    query = {k: v[0] for k, v in parse_qs(url.query).items()}
                    code = secrets.token_urlsafe(16)
                    provider.codes[code] = {**query, "used": False}
                    target = query["redirect_uri"] + "?" + urlencode({"code": code, "state": query["state"]})
                    self.send_response(302)
                    self.send_header("Location", target)
                    return self.end_headers()
                if url.path == "/userinfo":
                    token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
                    if token not in provider.tokens:
                        return self._json(401, {"error": "invalid_token"})
                    return self._json(200, provider.person)
                return self._json(404, {"error": "not_found"})

            def do_POST(self):
                if urlparse(self.path).path != "/token":
                    return self._json(404, {"error": "not_found"})
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                client_id, secret = form.get("client_id"), form.get("client_secret")
                basic = self.headers.get("Authorization", "")
                if basic.startswith("Basic "):
                    client_id, _, secret = base64.b64decode(basic[6:]).decode().partition(":")
                if (client_id, secret) != (provider.client_id, provider.client_secret):
                    return self._json(401, {"error": "invalid_client"})
                grant = provider.codes.get(form.get("code", ""))
                if grant is None or grant["used"]:
                    provider.replays += grant is not None
                    return self._json(400, {"error": "invalid_grant"})  # unknown, or replayed
                grant["used"] = True
                verifier = form.get("code_verifier", "")
                challenge = (
                    base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
                )
                if grant.get("code_challenge_method") != "S256" or challenge != grant.get("code_challenge"):
                    return self._json(400, {"error": "invalid_grant", "error_description": "PKCE"})
                if form.get("redirect_uri") != grant["redirect_uri"]:
                    return self._json(400, {"error": "invalid_grant"})
                access = secrets.token_urlsafe(16)
                provider.tokens[access] = grant
                return self._json(
                    200,
                    {"access_token": access, "token_type": "Bearer", "expires_in": 300,
                     "id_token": provider.id_token(grant)},
                )  # fmt: skip

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def metadata(self) -> dict:
        return {
            "issuer": self.url,
            "authorization_endpoint": f"{self.url}/authorize",
            "token_endpoint": f"{self.url}/token",
            "userinfo_endpoint": f"{self.url}/userinfo",
            "jwks_uri": f"{self.url}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        }

    def id_token(self, grant: dict) -> str:
        now = int(time.time()) - (3600 if self.expired else 0)
        claims = {
            "iss": self.url,
            "sub": self.person["SubjectNameID"],
            "aud": self.audience or self.client_id,
            "iat": now,
            "exp": now + 300,
            "nonce": self.nonce or grant.get("nonce"),
        }
        key = self.other_key if self.forge else self.key
        return jwt.encode({"alg": "RS256", "kid": "psc-1"}, claims, key)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
