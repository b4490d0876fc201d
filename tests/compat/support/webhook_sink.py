"""An HTTP receiver for cogsync's push webhook (push_webhook_url, D25).

WebhookSink records the JSON body of every POST that it accepts, in arrival order. `fail_first(n)`
makes it answer 500 to the next n requests (recorded in `rejected`), to exercise redelivery.
"""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler

from support.loopback_http import reply, start_server, stop_server


class WebhookSink:
    def __init__(self):
        self.received = []   # (path, parsed JSON body) of every accepted request
        self.rejected = []   # (path, raw body) of every request answered 500
        self._failures_left = 0
        self._lock = threading.Lock()
        self._server = None

    def start(self):
        sink = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with sink._lock:
                    if sink._failures_left > 0:
                        sink._failures_left -= 1
                        sink.rejected.append((self.path, body))
                        status = 500
                    else:
                        try:
                            parsed = json.loads(body)
                        except ValueError:
                            parsed = {"unparseable": body.decode("utf-8", "replace")}
                        sink.received.append((self.path, parsed))
                        status = 200
                reply(self, status, b"{}")

        self._server = start_server(Handler)
        return self

    def stop(self):
        stop_server(self._server)
        self._server = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self._server.server_address[1]}/push"

    def fail_first(self, n):
        with self._lock:
            self._failures_left = n

    def bodies(self):
        with self._lock:
            return [body for _, body in self.received]

    def wait_for(self, predicate, timeout=15.0):
        """Polls until predicate(bodies) is true; returns the bodies (the caller asserts)."""
        deadline = time.monotonic() + timeout
        while True:
            bodies = self.bodies()
            if predicate(bodies) or time.monotonic() > deadline:
                return bodies
            time.sleep(0.05)


__all__ = ["WebhookSink"]
