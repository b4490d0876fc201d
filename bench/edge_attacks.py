#!/usr/bin/env python3
"""Two attacks on the HTTP edge (issue 13 findings 3 and 4), run against two cogsync binaries
in the same run so the figures compare like with like:

1. Held bodies: 250 connections from one address each send all but the last byte of a ~2.1 MB
   body. Printed: the server's VmRSS growth while they hold, how many were refused, and the
   latency of another client's requests meanwhile.
2. Idle sockets: one address opens 10,000 idle connections (the default global cap). Printed:
   whether a client from another address is answered meanwhile, and how fast.

Usage: python3 bench/edge_attacks.py BASELINE_BINARY NEW_BINARY [--bodies 250] [--idle 10000]
Each binary runs with its defaults in a temporary data directory on a free loopback port; the
attackers use 127.0.0.2, the well-behaved client 127.0.0.1. Needs about 2 x --idle descriptors
(the script raises its own limit to the hard limit).
"""

import argparse
import os
import resource
import select
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

BODY_BYTES = 2 * 1024 * 1024 + 60 * 1024
ATTACKER = "127.0.0.2"
CLIENT = "127.0.0.1"
PROBE = (b"POST / HTTP/1.1\r\nHost: bench\r\nContent-Type: application/x-amz-json-1.1\r\n"
         b"X-Amz-Target: AWSCognitoIdentityService.ListIdentityPools\r\n"
         b"Connection: close\r\nContent-Length: 17\r\n\r\n{\"MaxResults\":10}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid):
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Server:
    def __init__(self, binary):
        self.binary = binary
        self.dir = tempfile.mkdtemp(prefix="cogsync-edge-bench-")
        self.port = free_port()
        env = dict(os.environ, COGSYNC_ACCESS_KEY_ID="AKIDEDGEBENCH0000001",
                   COGSYNC_SECRET_ACCESS_KEY="edge/bench/secret/0000000000000000000000")
        self.log = open(os.path.join(self.dir, "server.log"), "wb")
        self.process = subprocess.Popen(
            [binary, "serve", "--listen", f"127.0.0.1:{self.port}", "--data-dir",
             os.path.join(self.dir, "data"), "--no-access-log"],
            env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if probe(self.port, timeout=1) is not None:
                return
            time.sleep(0.05)
        raise RuntimeError(f"{binary} did not start")

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def connect(port, source, timeout=10):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout, source_address=(source, 0))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def probe(port, timeout=3.0):
    """One request from CLIENT on a new connection: seconds until a whole HTTP response came
    back, or None when the connection was refused, closed or timed out."""
    started = time.monotonic()
    try:
        with connect(port, CLIENT, timeout=timeout) as s:
            s.sendall(PROBE)
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        return time.monotonic() - started if data.startswith(b"HTTP/1.1 ") else None
    except OSError:
        return None


def probes(port, count=20):
    results = [probe(port) for _ in range(count)]
    answered = [r for r in results if r is not None]
    p50 = statistics.median(answered) * 1000 if answered else None
    return len(answered), count, p50


def refused_by_server(s):
    """Whether the server answered (a 503) or closed `s` instead of waiting for its body."""
    ready, _, _ = select.select([s], [], [], 0)
    if not ready:
        return False
    try:
        data = s.recv(64)
        return data == b"" or data.startswith(b"HTTP/1.1 503")
    except OSError:
        return True


def held_bodies(server, connections):
    for _ in range(20):
        probe(server.port)
    before = rss_kib(server.process.pid)
    head = (b"POST / HTTP/1.1\r\nHost: bench\r\nContent-Type: application/x-amz-json-1.1\r\n"
            b"X-Amz-Target: AWSCognitoIdentityService.ListIdentityPools\r\n"
            b"Content-Length: %d\r\n\r\n" % BODY_BYTES)
    body = b"x" * (BODY_BYTES - 1)
    sockets, refused = [], 0
    for _ in range(connections):
        try:
            s = connect(server.port, ATTACKER)
        except OSError:
            refused += 1
            continue
        sockets.append(s)
        try:
            s.sendall(head + body)
        except OSError:
            pass  # closed by the server: counted below
    time.sleep(1.0)
    peak = 0
    for _ in range(5):
        peak = max(peak, rss_kib(server.process.pid))
        time.sleep(0.1)
    answered, count, p50 = probes(server.port)
    for s in sockets:
        refused += refused_by_server(s)
        s.close()
    return {"rss_growth_mib": (peak - before) / 1024, "refused": refused,
            "answered": f"{answered}/{count}", "p50_ms": p50}


def idle_sockets(server, count):
    sockets = []
    try:
        for _ in range(count):
            try:
                sockets.append(connect(server.port, ATTACKER, timeout=5))
            except OSError:
                break
        time.sleep(1.0)
        answered, total, p50 = probes(server.port, 10)
        return {"opened": len(sockets), "answered": f"{answered}/{total}", "p50_ms": p50}
    finally:
        for s in sockets:
            s.close()


def fmt(value):
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("baseline")
    parser.add_argument("new")
    parser.add_argument("--bodies", type=int, default=250)
    parser.add_argument("--idle", type=int, default=10000)
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    results = {}
    for label, binary in (("baseline", args.baseline), ("new", args.new)):
        for attack in ("bodies", "idle"):
            server = Server(binary)  # a fresh server per attack: one must not skew the other
            try:
                if attack == "bodies":
                    results[(label, attack)] = held_bodies(server, args.bodies)
                else:
                    results[(label, attack)] = idle_sockets(server, args.idle)
            finally:
                server.stop()
            time.sleep(2)  # let the kernel reap the sockets of the last attack

    rows = [
        (f"{args.bodies} held ~2.1 MB bodies: VmRSS growth (MiB)", "bodies", "rss_growth_mib"),
        ("  connections refused", "bodies", "refused"),
        ("  other client answered", "bodies", "answered"),
        ("  other client p50 (ms)", "bodies", "p50_ms"),
        (f"{args.idle} idle sockets from one address: opened", "idle", "opened"),
        ("  other client answered", "idle", "answered"),
        ("  other client p50 (ms)", "idle", "p50_ms"),
    ]
    print(f"{'':58} {'baseline':>10} {'new':>10}")
    for title, attack, key in rows:
        print(f"{title:58} {fmt(results[('baseline', attack)][key]):>10} "
              f"{fmt(results[('new', attack)][key]):>10}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
