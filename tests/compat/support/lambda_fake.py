"""A stand-in for AWS Lambda's Invoke API and for a plain SyncTrigger URL (D25).

LambdaFake listens on a free loopback port:
- `POST /2015-03-31/functions/<name>/invocations` is Lambda Invoke. The SigV4 signature is
  checked with botocore's own signer (same credentials, service "lambda", the configured region,
  the request's X-Amz-Date and SignedHeaders): a mismatch is answered 403 and recorded in
  `signature_failures`.
- any other POST path is the plain URL mode of `sync_trigger_urls`: the body is the event.

What the function answers is set per test with `behave(...)`; every event received is recorded.
"""

import json
import re
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from support.cogsync_server import REGION

_INVOKE_PATH = re.compile(r"^/2015-03-31/functions/([^/]+)/invocations$")
_AUTH = re.compile(r"^AWS4-HMAC-SHA256 Credential=([^,]+), ?SignedHeaders=([^,]+), ?"
                   r"Signature=([0-9a-f]{64})$")

# Behaviours.
ECHO = "echo"              # the event unchanged
MODIFY = "modify"          # modify(event) -> the answer (a dict)
MALFORMED = "malformed"    # a body that is not JSON
RAW = "raw"                # answer `body` (bytes or a dict) as it is
SLEEP = "sleep"            # sleep `seconds`, then echo
THROTTLE = "throttle"      # 429 TooManyRequestsException
FUNCTION_ERROR = "function_error"  # 200 with X-Amz-Function-Error: Unhandled
STATUS = "status"          # answer HTTP `status` with a small error body


class Invocation:
    """One request the fake received."""

    def __init__(self, kind, path, function, headers, body):
        self.kind = kind          # "lambda" or "url"
        self.path = path
        self.function = function  # the decoded function name/ARN of a Lambda Invoke
        self.headers = headers    # lower-cased names
        self.body = body
        try:
            self.event = json.loads(body)
        except ValueError:
            self.event = None


class LambdaFake:
    def __init__(self, access_key, secret_key, session_token=None, region=REGION):
        self.credentials = Credentials(access_key, secret_key, session_token or None)
        self.region = region
        self.invocations = []
        self.signature_failures = []
        self._lock = threading.Lock()
        self._behaviour = (ECHO, {})
        self._server = None
        self._thread = None

    # ----- lifecycle -----

    def start(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep the test output readable
                pass

            def do_POST(self):
                fake._handle(self)

            do_PUT = do_POST

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def url(self, path="/trigger"):
        return self.endpoint + path

    # ----- what the test controls and reads -----

    def behave(self, behaviour, **params):
        with self._lock:
            self._behaviour = (behaviour, params)

    def reset(self):
        with self._lock:
            self.invocations = []
            self.signature_failures = []
            self._behaviour = (ECHO, {})

    def events(self):
        with self._lock:
            return [i.event for i in self.invocations]

    # ----- the server side -----

    def _handle(self, handler):
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        path = handler.path
        headers = {k.lower(): v for k, v in handler.headers.items()}
        match = _INVOKE_PATH.match(urllib.parse.urlsplit(path).path)
        if match:
            invocation = Invocation("lambda", path, urllib.parse.unquote(match.group(1)),
                                    headers, body)
            problem = self._check_signature(handler, path, body)
            if problem is not None:
                with self._lock:
                    self.invocations.append(invocation)
                    self.signature_failures.append(problem)
                self._reply(handler, 403, {"Type": "User", "message": problem},
                            {"x-amzn-ErrorType": "InvalidSignatureException"})
                return
        else:
            invocation = Invocation("url", path, None, headers, body)
        with self._lock:
            self.invocations.append(invocation)
            behaviour, params = self._behaviour
        self._answer(handler, invocation, behaviour, params)

    def _check_signature(self, handler, path, body):
        """None when the request carries a valid SigV4 signature for Lambda, else why not."""
        auth = handler.headers.get("Authorization", "")
        match = _AUTH.match(auth)
        if not match:
            return f"no SigV4 Authorization header: {auth!r}"
        credential, signed_headers, signature = match.groups()
        amz_date = handler.headers.get("X-Amz-Date")
        if not amz_date:
            return "no X-Amz-Date"
        scope = credential.split("/")
        expected_scope = [self.credentials.access_key, amz_date[:8], self.region, "lambda",
                          "aws4_request"]
        if scope != expected_scope:
            return f"credential scope {credential} is not {'/'.join(expected_scope)}"
        if self.credentials.token is not None and \
                handler.headers.get("X-Amz-Security-Token") != self.credentials.token:
            return "X-Amz-Security-Token missing or wrong"
        names = signed_headers.split(";")
        if "host" not in names or "x-amz-date" not in names:
            return f"SignedHeaders {signed_headers} lacks host or x-amz-date"
        # Rebuild the request from what arrived, with exactly the headers it says it signed,
        # and let botocore compute the signature AWS would expect.
        headers = {}
        for name in names:
            value = handler.headers.get(name)
            if value is None:
                return f"signed header {name} is not in the request"
            headers[name] = value
        request = AWSRequest(method=handler.command,
                             url=f"http://{handler.headers.get('Host')}{path}",
                             headers=headers, data=body)
        request.context["timestamp"] = amz_date
        signer = SigV4Auth(self.credentials, "lambda", self.region)
        if signer.signed_headers(signer.headers_to_sign(request)) != signed_headers:
            return f"SignedHeaders {signed_headers} are not in canonical order or include " \
                   "headers AWS does not sign"
        canonical = signer.canonical_request(request)
        expected = signer.signature(signer.string_to_sign(request, canonical), request)
        if expected != signature:
            return f"signature mismatch; the canonical request AWS expects is:\n{canonical}"
        return None

    def _answer(self, handler, invocation, behaviour, params):
        event = invocation.event
        if behaviour == SLEEP:
            time.sleep(params["seconds"])
            behaviour = ECHO
        if behaviour == ECHO:
            self._reply(handler, 200, event)
        elif behaviour == MODIFY:
            self._reply(handler, 200, params["modify"](json.loads(invocation.body)))
        elif behaviour == MALFORMED:
            self._reply(handler, 200, b"this is not JSON {")
        elif behaviour == RAW:
            self._reply(handler, params.get("status", 200), params["body"])
        elif behaviour == THROTTLE:
            self._reply(handler, 429, {"Type": "User", "message": "Rate Exceeded."},
                        {"x-amzn-ErrorType": "TooManyRequestsException"})
        elif behaviour == FUNCTION_ERROR:
            self._reply(handler, 200, {"errorMessage": "boom", "errorType": "Error"},
                        {"X-Amz-Function-Error": "Unhandled"})
        elif behaviour == STATUS:
            self._reply(handler, params["status"], {"message": "failure"})
        else:
            raise AssertionError(f"unknown behaviour {behaviour}")

    @staticmethod
    def _reply(handler, status, body, headers=None):
        if not isinstance(body, bytes):
            body = json.dumps(body).encode()
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(body)
        except OSError:
            pass  # the caller gave up (a timeout test)


__all__ = ["ECHO", "FUNCTION_ERROR", "MALFORMED", "MODIFY", "RAW", "SLEEP", "STATUS",
           "THROTTLE", "LambdaFake"]
