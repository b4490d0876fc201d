"""A test OpenID Connect issuer: an RSA key, its JWKS served over loopback HTTP, and RS256 ID
tokens signed with it, so cogsync verifies logins for real (D12) instead of trusting them."""

import base64
import json
import time
from http.server import BaseHTTPRequestHandler

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from support.loopback_http import reply, start_server, stop_server


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _uint(number):
    return _b64(number.to_bytes((number.bit_length() + 7) // 8, "big"))


class OidcIssuer:
    KID = "test-key-1"

    def __init__(self, provider="oidc.example.test"):
        self.provider = provider
        self.issuer = f"https://{provider}"
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        public = self._key.public_key().public_numbers()
        self.jwks = {"keys": [{"kty": "RSA", "alg": "RS256", "use": "sig", "kid": self.KID,
                               "n": _uint(public.n), "e": _uint(public.e)}]}
        self._server = None

    def start(self):
        document = json.dumps(self.jwks).encode()

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                reply(self, 200, document)

        self._server = start_server(Handler)
        return self

    def stop(self):
        stop_server(self._server)

    @property
    def jwks_url(self):
        return f"http://127.0.0.1:{self._server.server_address[1]}/jwks.json"

    def provider_config(self):
        """The login_providers entry of a cogsync configuration for this issuer."""
        return {"name": self.provider, "jwks_url": self.jwks_url, "issuer": self.issuer}

    def token(self, subject, audience, lifetime=3600):
        now = int(time.time())
        header = {"alg": "RS256", "typ": "JWT", "kid": self.KID}
        claims = {"iss": self.issuer, "sub": subject, "aud": audience, "iat": now,
                  "exp": now + lifetime}
        signing_input = (_b64(json.dumps(header).encode()) + "." +
                         _b64(json.dumps(claims).encode())).encode()
        signature = self._key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
        return signing_input.decode() + "." + _b64(signature)
