"""Raw-socket abuse: hostile bytes from the network must never take cogsync down.

Each test sends something no SDK would (oversized or lying framing, broken chunking, malformed
or pathological JSON, wrong types everywhere, crowds of idle or slow connections, pipelined
garbage) and checks that the server answers with the right AWS error or closes that one
connection, and that well-formed requests sent meanwhile are answered correctly. After every
test the server must still be healthy and its resident memory (VmRSS from /proc) must stay
within a fixed budget of what it used after warm-up.
"""

import gzip
import json
import os
import pathlib
import socket
import threading
import time
import unittest

import botocore

from support.cogsync_server import CogsyncServer
from support.raw_requests import call_identity, identity_headers, send, sign

# Short timeouts so that slow-loris and lying Content-Length cases end in seconds.
_READ_TIMEOUT_S = 2
_IDLE_TIMEOUT_S = 4
SERVER = CogsyncServer(config={"read_timeout_seconds": _READ_TIMEOUT_S,
                               "idle_timeout_seconds": _IDLE_TIMEOUT_S})
# Growth of VmRSS over the warmed-up server allowed at the end of any test. The body limit is
# about 2 MiB; a server that kept abusive inputs would blow far past this.
_RSS_BUDGET_KIB = 96 * 1024
_BASELINE_RSS_KIB = None


def rss_kib(pid):
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def setUpModule():
    global _BASELINE_RSS_KIB
    SERVER.start()
    # Warm up: thread pools, SQLite caches, allocator arenas.
    for _ in range(50):
        call_identity(SERVER, "ListIdentityPools", {"MaxResults": 10})
    _BASELINE_RSS_KIB = rss_kib(SERVER.process.pid)


def tearDownModule():
    SERVER.stop()


def connect(timeout=10):
    s = socket.create_connection(("127.0.0.1", SERVER.port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def read_all(s, limit=1 << 20):
    """Everything the server sends until it closes the connection (or the socket times out)."""
    chunks = []
    total = 0
    try:
        while total < limit:
            data = s.recv(65536)
            if not data:
                break
            chunks.append(data)
            total += len(data)
    except (socket.timeout, ConnectionResetError):
        pass
    return b"".join(chunks)


def responses(raw):
    """(status, lower-cased headers) of every HTTP response in a byte stream, framed by their
    Content-Length; a trailing incomplete response is ignored."""
    out = []
    while raw.startswith(b"HTTP/1.1 "):
        head, sep, rest = raw.partition(b"\r\n\r\n")
        if not sep:
            break
        lines = head.split(b"\r\n")
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            headers[name.strip().lower().decode()] = value.strip().decode("latin-1")
        length = int(headers.get("content-length", "0"))
        out.append((int(lines[0].split()[1]), headers))
        raw = rest[length:]
    return out


def statuses(raw):
    return [status for status, _ in responses(raw)]


def error_types(raw):
    return [headers.get("x-amzn-errortype") for _, headers in responses(raw)]


def signed_bytes(operation, body, extra_headers=None):
    """A complete, correctly signed Identity request as bytes (keep-alive)."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    headers = identity_headers(operation)
    headers["Host"] = f"127.0.0.1:{SERVER.port}"
    headers = sign(SERVER, "POST", "/", body, headers)
    headers["Content-Length"] = str(len(body))
    if extra_headers:
        headers.update(extra_headers)
    head = "POST / HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    return head.encode("latin-1") + body


def list_pools_ok(test):
    response = call_identity(SERVER, "ListIdentityPools", {"MaxResults": 10})
    test.assertEqual(response.status, 200, response)
    test.assertIn("IdentityPools", response.json())


class AbuseTestCase(unittest.TestCase):
    def tearDown(self):
        # The server survived and did not keep what it was sent.
        self.assertIsNone(SERVER.process.poll(), SERVER.log())
        status, _, _ = SERVER.http("GET", "/healthz")
        self.assertEqual(status, 200)
        grown = rss_kib(SERVER.process.pid) - _BASELINE_RSS_KIB
        self.assertLess(grown, _RSS_BUDGET_KIB, f"VmRSS grew by {grown} KiB")

    def assertAwsError(self, response, status, codes):
        self.assertEqual(response.status, status, response)
        if isinstance(codes, str):
            codes = (codes,)
        self.assertIn(response.error_type, codes, response)
        body = response.json()
        self.assertIn(body["__type"], codes, body)


class FramingTest(AbuseTestCase):
    def test_headers_over_the_limit(self):
        with connect() as s:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (64 * 1024) +
                      b"\r\n\r\n")
            raw = read_all(s)
        self.assertEqual(statuses(raw), [431])
        self.assertEqual(error_types(raw), ["RequestEntityTooLargeException"])
        list_pools_ok(self)

    def test_many_small_headers_over_the_limit(self):
        with connect() as s:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n" +
                      b"".join(b"X-H%d: v\r\n" % i for i in range(5000)) + b"\r\n")
            raw = read_all(s)
        self.assertEqual(statuses(raw), [431])

    def test_body_over_the_limit_is_refused_before_it_is_read(self):
        with connect() as s:
            s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.1\r\n"
                      b"X-Amz-Target: AWSCognitoIdentityService.ListIdentityPools\r\n"
                      b"Content-Length: 3000000\r\n\r\n")
            raw = read_all(s)  # answered without sending a byte of the body
        self.assertEqual(statuses(raw), [413])
        self.assertEqual(error_types(raw), ["RequestEntityTooLargeException"])

    def test_body_over_the_limit_actually_sent(self):
        with connect() as s:
            s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4000000\r\n\r\n")
            try:
                for _ in range(40):
                    s.sendall(b"x" * 100000)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the server closed the connection: what it should do
            raw = read_all(s)
        self.assertIn(statuses(raw), ([413], []))

    def test_content_length_shorter_than_the_body(self):
        # The extra bytes are read as the next request: garbage, so 400 and close.
        body = json.dumps({"MaxResults": 10}).encode()
        request = signed_bytes("ListIdentityPools", body)
        short = request.replace(f"Content-Length: {len(body)}".encode(), b"Content-Length: 5")
        with connect() as s:
            s.sendall(short + b"trailing garbage that is not HTTP\r\n\r\n")
            raw = read_all(s)
        codes = statuses(raw)
        # The truncated body fails the signature or JSON check; the rest is a malformed request.
        self.assertEqual(len(codes), 2, raw)
        self.assertIn(codes[0], (400, 403))
        self.assertEqual(codes[1], 400)
        list_pools_ok(self)

    def test_content_length_longer_than_the_body(self):
        body = json.dumps({"MaxResults": 10}).encode()
        request = signed_bytes("ListIdentityPools", body)
        long = request.replace(f"Content-Length: {len(body)}".encode(), b"Content-Length: 500")
        started = time.monotonic()
        with connect(timeout=_READ_TIMEOUT_S + 8) as s:
            s.sendall(long)
            # Meanwhile other clients are served.
            list_pools_ok(self)
            raw = read_all(s)
        self.assertEqual(statuses(raw), [408])
        self.assertEqual(error_types(raw), ["RequestTimeoutException"])
        self.assertLess(time.monotonic() - started, _READ_TIMEOUT_S + 5)

    def test_negative_and_non_numeric_content_length(self):
        for value in (b"-1", b"abc", b"99999999999999999999999999", b"10, 20"):
            with self.subTest(value=value), connect() as s:
                s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: " + value + b"\r\n\r\n{}")
                raw = read_all(s)
                self.assertIn(statuses(raw), ([400], [413]), raw)

    def test_bad_chunked_encoding(self):
        cases = [
            b"zz\r\n{}\r\n0\r\n\r\n",                 # chunk size not hex
            b"2\r\n{}XX\r\n0\r\n\r\n",                 # chunk longer than declared
            b"fffffffffffffffffffff\r\n",              # chunk size overflow
            b"5000000\r\n" + b"x" * 1000,              # chunk over the body limit
        ]
        for chunked in cases:
            with self.subTest(chunked=chunked[:30]), connect() as s:
                s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                          b"X-Amz-Target: AWSCognitoIdentityService.ListIdentityPools\r\n\r\n" +
                          chunked)
                raw = read_all(s)
                self.assertIn(statuses(raw), ([400], [413]), raw)
        list_pools_ok(self)

    def test_both_content_length_and_chunked(self):
        with connect() as s:
            s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                      b"Content-Length: 4\r\n\r\n2\r\n{}\r\n0\r\n\r\n")
            raw = read_all(s)
        # Request smuggling ground: a 400 and close, never two requests.
        self.assertLessEqual(len(statuses(raw)), 1, raw)
        self.assertNotIn(200, statuses(raw))

    def test_pipelined_garbage_after_a_good_request(self):
        good = signed_bytes("ListIdentityPools", json.dumps({"MaxResults": 10}))
        with connect() as s:
            s.sendall(good + good + b"\x00\x01\x02GARBAGE\xff\xfe\r\n\r\n" + good)
            raw = read_all(s)
        # Both good requests are answered in order, then the garbage closes the connection:
        # nothing after it is processed.
        self.assertEqual(statuses(raw), [200, 200, 400], raw[:2000])

    def test_binary_noise(self):
        noise = os.urandom(64 * 1024)
        with connect() as s:
            try:
                s.sendall(noise)
            except (BrokenPipeError, ConnectionResetError):
                pass
            raw = read_all(s)
        self.assertIn(statuses(raw), ([400], [431], []))
        list_pools_ok(self)


class JsonTest(AbuseTestCase):
    def call(self, operation, body):
        return call_identity(SERVER, operation, body)

    def test_invalid_utf8_in_a_string(self):
        body = b'{"IdentityPoolName": "bad\xff\xfeutf8", "AllowUnauthenticatedIdentities": true}'
        self.assertAwsError(self.call("CreateIdentityPool", body), 400, "SerializationException")
        # Overlong encoding of "/" and a lone surrogate, both invalid UTF-8.
        for bad in (b"\xc0\xaf", b"\xed\xa0\x80"):
            body = b'{"IdentityPoolName": "x' + bad + b'", "AllowUnauthenticatedIdentities": true}'
            self.assertAwsError(self.call("CreateIdentityPool", body), 400, "SerializationException")

    def test_nul_bytes_in_a_string(self):
        raw_nul = b'{"IdentityPoolName": "a\x00b", "AllowUnauthenticatedIdentities": true}'
        self.assertAwsError(self.call("CreateIdentityPool", raw_nul), 400, "SerializationException")
        # An escaped NUL is valid JSON; the name's pattern [\w ]+ refuses it (D3).
        escaped = '{"IdentityPoolName": "a\\u0000b", "AllowUnauthenticatedIdentities": true}'
        response = self.call("CreateIdentityPool", escaped)
        self.assertAwsError(response, 400, "ValidationException")
        self.assertIn("identityPoolName", response.json()["message"])

    def test_escaped_lone_surrogate(self):
        body = '{"IdentityPoolName": "a\\ud800b", "AllowUnauthenticatedIdentities": true}'
        response = self.call("CreateIdentityPool", body)
        self.assertEqual(response.status, 400, response)

    def test_nesting_100000_deep(self):
        for body in ("[" * 100000 + "]" * 100000, '{"a":' * 100000 + "1" + "}" * 100000,
                     '{"IdentityPoolName": ' + "[" * 100000):
            with self.subTest(body=body[:10]):
                response = self.call("CreateIdentityPool", body)
                self.assertAwsError(response, 400, "SerializationException")
        list_pools_ok(self)

    def test_huge_numbers(self):
        for number in ("1e400", "-1e400", "123456789012345678901234567890", "1" * 5000,
                       "0.0000000000000000000000001", "9223372036854775808", "-9223372036854775809",
                       "NaN", "Infinity"):
            with self.subTest(number=number[:30]):
                response = self.call("ListIdentityPools", '{"MaxResults": %s}' % number)
                self.assertEqual(response.status, 400, response)
                self.assertIn(response.error_type, ("SerializationException", "ValidationException"))

    def test_duplicate_keys(self):
        # The last value wins (as with AWS's JSON parser), consistently: validation sees it.
        response = self.call("ListIdentityPools", '{"MaxResults": 10, "MaxResults": 61}')
        self.assertAwsError(response, 400, "ValidationException")
        self.assertIn("Value '61' at 'maxResults'", response.json()["message"])
        response = self.call("ListIdentityPools", '{"MaxResults": 61, "MaxResults": "x", '
                                                   '"MaxResults": 10}')
        self.assertEqual(response.status, 200, response)
        many = "{" + ",".join('"MaxResults": %d' % (i % 60 + 1) for i in range(20000)) + "}"
        response = self.call("ListIdentityPools", many)
        self.assertEqual(response.status, 200, response)

    def test_wrong_types_everywhere(self):
        """Every member of every Cognito Identity input, given every wrong JSON type."""
        model = load_model("cognito-identity")
        samples = {"string": "text", "integer": 7, "boolean": True, "list": ["x"],
                   "map": {"k": "v"}, "structure": {"k": "v"}, "null": None, "float": 1.5}
        wrong = {
            "string": ["integer", "boolean", "list", "map", "float"],
            "integer": ["string", "boolean", "list", "map", "float"],
            "long": ["string", "boolean", "list", "map", "float"],
            "boolean": ["string", "integer", "list", "map"],
            "timestamp": ["boolean", "list", "map"],
            "list": ["string", "integer", "boolean", "map"],
            "map": ["string", "integer", "boolean", "list"],
            "structure": ["string", "integer", "boolean", "list"],
        }
        sent = 0
        for operation, spec in model["operations"].items():
            shape_name = spec.get("input", {}).get("shape")
            if not shape_name:
                continue
            members = model["shapes"][shape_name].get("members", {})
            for member, ref in members.items():
                kind = model["shapes"][ref["shape"]]["type"]
                for bad in wrong.get(kind, []):
                    response = self.call(operation, {member: samples[bad]})
                    sent += 1
                    with self.subTest(operation=operation, member=member, sent=bad):
                        self.assertEqual(response.status, 400, response)
                        self.assertIn(response.error_type,
                                      ("SerializationException", "ValidationException",
                                       "InvalidParameterException"), response)
        self.assertGreater(sent, 300)

    def test_wrong_types_in_sync_bodies(self):
        pool = self.call("CreateIdentityPool", {"IdentityPoolName": "abuse",
                                                "AllowUnauthenticatedIdentities": True}).json()
        pool_id = pool["IdentityPoolId"]
        identity = self.call("GetId", {"IdentityPoolId": pool_id}).json()["IdentityId"]
        path = f"/identitypools/{pool_id}/identities/{identity}/datasets/ds"
        bodies = ['{"SyncSessionToken": 5}', '{"RecordPatches": {"a": 1}}',
                  '{"RecordPatches": [5]}', '{"RecordPatches": [{"Op": 1, "Key": [], '
                  '"SyncCount": "x"}]}', '{"DeviceId": {}}', "[]", "null", '"x"', "{",
                  '{"RecordPatches": [' + ",".join(['{"Op":"replace","Key":"k","SyncCount":"a"}']
                                                   * 2000) + "]}"]
        for body in bodies:
            headers = sign(SERVER, "POST", path, body, {"Content-Type": "application/json"},
                           service="cognito-sync")
            response = send(SERVER, "POST", path, body, headers)
            with self.subTest(body=body[:40]):
                self.assertEqual(response.status, 400, response)
                self.assertIn(response.error_type, ("SerializationException", "ValidationException",
                                                    "InvalidParameterException"), response)
        self.call("DeleteIdentityPool", {"IdentityPoolId": pool_id})

    def test_many_maximum_size_bodies(self):
        # Bodies just under the limit, refused by validation: memory must not keep them.
        body = '{"IdentityPoolName": "' + "a" * (2 * 1024 * 1024) + '"}'
        for _ in range(30):
            response = self.call("CreateIdentityPool", body)
            self.assertAwsError(response, 400, "ValidationException")


class ConnectionsTest(AbuseTestCase):
    def test_a_thousand_idle_connections(self):
        sockets = []
        try:
            for _ in range(1000):
                sockets.append(connect())
            started = time.monotonic()
            list_pools_ok(self)
            self.assertLess(time.monotonic() - started, 2.0)
            # Each idle connection still works when it finally speaks.
            for s in sockets[:20]:
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                self.assertTrue(s.recv(4096).startswith(b"HTTP/1.1 200"))
        finally:
            for s in sockets:
                s.close()

    def test_idle_connections_are_closed_after_the_idle_timeout(self):
        with connect(timeout=_IDLE_TIMEOUT_S + 8) as s:
            started = time.monotonic()
            self.assertEqual(s.recv(1), b"")  # closed by the server, without a word
            self.assertLess(time.monotonic() - started, _IDLE_TIMEOUT_S + 5)

    def test_slow_loris(self):
        """Senders that dribble a header byte at a time are cut off at the read timeout while
        everyone else is served."""
        stop = threading.Event()
        closed_after = []

        def dribble():
            s = connect(timeout=1)
            started = time.monotonic()
            request = b"POST / HTTP/1.1\r\nHost: x\r\n" + b"X-Slow: " + b"a" * 1000
            try:
                for byte in request:
                    if stop.is_set():
                        break
                    s.sendall(bytes([byte]))
                    time.sleep(0.1)
                    try:
                        s.setblocking(False)
                        if s.recv(4096) == b"":
                            break
                    except BlockingIOError:
                        pass
                    finally:
                        s.setblocking(True)
            except (BrokenPipeError, ConnectionResetError):
                pass
            closed_after.append(time.monotonic() - started)
            s.close()

        threads = [threading.Thread(target=dribble) for _ in range(50)]
        for t in threads:
            t.start()
        try:
            served = 0
            deadline = time.monotonic() + _READ_TIMEOUT_S + 1
            while time.monotonic() < deadline:
                list_pools_ok(self)
                served += 1
            self.assertGreater(served, 5)
        finally:
            for t in threads:
                t.join(timeout=_READ_TIMEOUT_S + 10)
            stop.set()
        self.assertEqual(len(closed_after), 50)
        for seconds in closed_after:
            self.assertLess(seconds, _READ_TIMEOUT_S + 3)

    def test_slow_body_sender(self):
        body = json.dumps({"MaxResults": 10}).encode()
        request = signed_bytes("ListIdentityPools", body + b" " * 200)
        request = request.replace(f"Content-Length: {len(body)}".encode(),
                                  f"Content-Length: {len(body) + 200}".encode())
        # (Signed over the short body: irrelevant, the server must time out before checking.)
        with connect(timeout=_READ_TIMEOUT_S + 8) as s:
            head, rest = request.split(b"\r\n\r\n", 1)
            s.sendall(head + b"\r\n\r\n")
            started = time.monotonic()
            try:
                for i in range(len(rest)):
                    s.sendall(rest[i:i + 1])
                    time.sleep(0.05)
                    if time.monotonic() - started > _READ_TIMEOUT_S + 3:
                        break
            except (BrokenPipeError, ConnectionResetError):
                pass
            raw = read_all(s)
        self.assertIn(statuses(raw), ([408], []))
        self.assertLess(time.monotonic() - started, _READ_TIMEOUT_S + 6)

    def test_half_closed_clients_do_not_leak(self):
        for _ in range(300):
            s = connect()
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            s.shutdown(socket.SHUT_WR)
            s.close()
        list_pools_ok(self)


def load_model(service):
    root = pathlib.Path(botocore.__file__).parent / "data" / service
    version = sorted(p.name for p in root.iterdir())[-1]
    with gzip.open(root / version / "service-2.json.gz", "rt", encoding="utf-8") as f:
        return json.load(f)


if __name__ == "__main__":
    unittest.main()
