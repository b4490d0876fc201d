"""A loopback HTTP proxy in front of a cogsync that plays the migration source (D29).

It forwards every POST to the source unchanged and counts the GetId calls it saw, per login
subject (the `sub` of each JWT in Logins). Faults on demand: `mode = "down"` closes each
connection without an answer, `"slow"` answers only after `slow_seconds`, and subjects listed in
`refused` get the 400 NotAuthorizedException AWS gives for a login it does not accept. `delay`
holds every forwarded call that long first, so concurrent callers overlap with it.

The migration (`cogsync migrate`) reads the source through it too: signed Identity POSTs and Sync
GETs are forwarded with their Host header (the signature covers it), every request is counted
per operation (`operations`), and `throttle_every = n` answers every nth request with AWS's 400
TooManyRequestsException instead of forwarding it.

Faults for the migration (issue 15): with `fault_every = n`, every nth request meets the next
fault of `faults` in turn: "500" (AWS's 500 InternalErrorException, not forwarded), "stall" (no
answer for `stall_seconds`, longer than the client's timeout, then the connection closes) and
"cut" (forwarded, then the answer's header and half its body are sent and the connection drops
mid-response). `injected` counts them per kind. `break_after = n` makes the source fail for good
after n requests: every later one is answered 500. `sync_answer = (status, code, message)`
answers every Cognito Sync request (a GET) with that error, as a source without Cognito Sync.
"""

import base64
import http.client
import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler

from support.loopback_http import reply, start_server, stop_server


def _subjects(body):
    try:
        logins = json.loads(body).get("Logins") or {}
    except ValueError:
        return []
    out = []
    for token in logins.values():
        try:
            payload = token.split(".")[1]
            out.append(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
                       ["sub"])
        except (IndexError, ValueError, KeyError):
            out.append(token)
    return out


def _sync_operation(path):
    """The Cognito Sync operation of a GET path (the migration reads only these)."""
    path = path.split("?", 1)[0]
    for suffix, name in (("/records", "ListRecords"), ("/datasets", "ListDatasets"),
                         ("/configuration", "GetIdentityPoolConfiguration"),
                         ("/events", "GetCognitoEvents")):
        if path.endswith(suffix):
            return name
    return "DescribeDataset" if "/datasets/" in path else "GET " + path


class SourceProxy:
    def __init__(self, source_port):
        self.source_port = source_port
        self.mode = "up"
        self.slow_seconds = 3.0
        self.delay = 0.0
        self.refused = set()
        self.get_id_calls = Counter()  # subject -> GetId calls that reached the proxy
        self.bodies = []                # every GetId body, parsed
        self.operations = Counter()     # operation -> requests that reached the proxy
        self.throttle_every = 0
        self.throttled = 0
        self.fault_every = 0
        self.faults = ["500", "stall", "cut"]
        self.stall_seconds = 1.5
        self.injected = Counter()  # fault kind -> requests it met
        self.break_after = None
        self.sync_answer = None
        self._fault_turn = 0
        self._lock = threading.Lock()
        self._server = None

    def calls(self, subject):
        with self._lock:
            return self.get_id_calls[subject]

    def start(self):
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                self.do_POST()

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                target = self.headers.get("X-Amz-Target", "")
                subjects = _subjects(body) if self.command == "POST" else []
                with proxy._lock:
                    operation = target.rsplit(".", 1)[-1] if target else _sync_operation(self.path)
                    proxy.operations[operation] += 1
                    seen = sum(proxy.operations.values())
                    throttle = proxy.throttle_every and seen % proxy.throttle_every == 0
                    if throttle:
                        proxy.throttled += 1
                    fault = None
                    if proxy.break_after is not None and seen > proxy.break_after:
                        fault = "broken"
                    elif not throttle and proxy.fault_every and seen % proxy.fault_every == 0:
                        fault = proxy.faults[proxy._fault_turn % len(proxy.faults)]
                        proxy._fault_turn += 1
                    if fault:
                        proxy.injected[fault] += 1
                if proxy.sync_answer and self.command == "GET":
                    status, code, message = proxy.sync_answer
                    reply(self, status, json.dumps({"__type": code, "message": message}).encode(),
                          {"x-amzn-ErrorType": code})
                    return
                if fault in ("500", "broken"):
                    answer = json.dumps({"__type": "InternalErrorException",
                                         "message": "Internal error"}).encode()
                    reply(self, 500, answer, {"x-amzn-ErrorType": "InternalErrorException"})
                    return
                if fault == "stall":
                    time.sleep(proxy.stall_seconds)
                    self.close_connection = True
                    return
                if throttle:
                    answer = json.dumps({"__type": "TooManyRequestsException",
                                         "message": "Rate exceeded"}).encode()
                    reply(self, 400, answer, {"x-amzn-ErrorType": "TooManyRequestsException"})
                    return
                if target.endswith(".GetId"):
                    with proxy._lock:
                        proxy.get_id_calls.update(subjects)
                        proxy.bodies.append(json.loads(body))
                if proxy.mode == "down":
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                if proxy.mode == "slow":
                    time.sleep(proxy.slow_seconds)
                if proxy.delay:
                    time.sleep(proxy.delay)
                if any(s in proxy.refused for s in subjects):
                    answer = json.dumps({"__type": "NotAuthorizedException",
                                         "message": "Invalid login token."}).encode()
                    status, headers = 400, {"x-amzn-ErrorType": "NotAuthorizedException"}
                else:
                    conn = http.client.HTTPConnection("127.0.0.1", proxy.source_port, timeout=10)
                    try:
                        conn.request(self.command, self.path,
                                     body=body if self.command == "POST" else None,
                                     headers={k: v for k, v in self.headers.items()
                                              if k.lower() != "content-length"})
                        response = conn.getresponse()
                        answer = response.read()
                        status = response.status
                        headers = {k: v for k, v in response.getheaders()
                                   if k.lower() in ("content-type", "x-amzn-errortype")}
                    finally:
                        conn.close()
                if fault == "cut":
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer[:len(answer) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                reply(self, status, answer, headers)

        self._server = start_server(Handler)
        return self

    def stop(self):
        stop_server(self._server)

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self._server.server_address[1]}/"
