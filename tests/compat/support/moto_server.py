"""moto's real server as the AWS side of cogsync's outbound integrations (Kinesis, SNS).

MotoServer runs `python3 -m moto.server` on a free loopback port. cogsync is pointed at a
switchable TCP proxy in front of it (`sink_endpoint`), never at moto itself: switching the proxy
off makes the sink unreachable (connections refused) while moto keeps its state (moto loses
everything on a restart), and the test's own clients keep reading moto directly.
"""

import http.client
import json
import os
import select
import socket
import subprocess
import sys
import tempfile
import threading
import time

import boto3
from botocore.config import Config

from support.cogsync_server import REGION, free_port

# moto accepts any credentials; these are the ones cogsync is configured with too, so a test
# can compare what arrives with what was configured.
ACCESS_KEY_ID = "testing"
SECRET_ACCESS_KEY = "testing"
_STARTUP_TIMEOUT_S = 30.0


class SwitchableProxy:
    """A loopback TCP proxy to target_port that can be switched off and on again on the same port.

    Off closes the listening socket and every open connection, so clients get ECONNREFUSED (a
    sink that is down), not a hang. On binds the same port again.
    """

    def __init__(self, target_port):
        self.target_port = target_port
        self.port = None
        self._listener = None
        self._thread = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._connections = set()

    @property
    def is_up(self):
        return self._listener is not None

    def up(self):
        if self._listener is not None:
            return self
        last_error = None
        for _ in range(50):  # the old socket may linger for a moment after off()
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                listener.bind(("127.0.0.1", self.port or 0))
                break
            except OSError as e:
                listener.close()
                last_error = e
                time.sleep(0.1)
        else:
            raise RuntimeError(f"proxy cannot bind port {self.port} again: {last_error}")
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept_loop, args=(listener, self._stop),
                                        daemon=True)
        self._thread.start()
        return self

    def down(self):
        if self._listener is None:
            return
        self._stop.set()
        self._thread.join(timeout=5)
        self._listener.close()
        self._listener = None
        with self._lock:
            connections, self._connections = self._connections, set()
        for conn in connections:
            try:
                conn.close()
            except OSError:
                pass

    def _accept_loop(self, listener, stop):
        while not stop.is_set():
            ready, _, _ = select.select([listener], [], [], 0.05)
            if not ready:
                continue
            try:
                client, _ = listener.accept()
            except OSError:
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._connections.update((client, upstream))
            threading.Thread(target=self._pump, args=(client, upstream, stop),
                             daemon=True).start()

    def _pump(self, a, b, stop):
        try:
            while not stop.is_set():
                ready, _, _ = select.select([a, b], [], [], 0.1)
                for src in ready:
                    data = src.recv(65536)
                    if not data:
                        return
                    (b if src is a else a).sendall(data)
        except (OSError, ValueError):
            pass
        finally:
            for s in (a, b):
                try:
                    s.close()
                except OSError:
                    pass
            with self._lock:
                self._connections.discard(a)
                self._connections.discard(b)


class MotoServer:
    """moto's server process plus the proxy cogsync talks to."""

    def __init__(self):
        self.port = None
        self.process = None
        self.proxy = None
        self._log = None
        self._clients = {}

    def start(self):
        self.port = free_port()
        self._log = tempfile.NamedTemporaryFile(prefix="moto-", suffix=".log", delete=False)
        env = dict(os.environ)
        env.setdefault("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID)
        env.setdefault("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=self._log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + _STARTUP_TIMEOUT_S
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"moto exited with {self.process.returncode}:\n{self.log()}")
            try:
                status, _ = self._http("GET", "/moto-api/data.json")
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"moto not ready within {_STARTUP_TIMEOUT_S} s")
            time.sleep(0.1)
        self.proxy = SwitchableProxy(self.port).up()
        return self

    def stop(self):
        if self.proxy is not None:
            self.proxy.down()
            self.proxy = None
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None
        if self._log is not None:
            self._log.close()
            try:
                os.unlink(self._log.name)
            except OSError:
                pass
            self._log = None

    def log(self):
        try:
            with open(self._log.name, "rb") as f:
                return f.read().decode("utf-8", "replace")[-4000:]
        except (OSError, AttributeError):
            return "(no log)"

    # ----- the sink as cogsync sees it -----

    @property
    def sink_endpoint(self):
        """The endpoint to configure in cogsync: the proxy, so the test can take it down."""
        return f"http://127.0.0.1:{self.proxy.port}"

    def sink_down(self):
        self.proxy.down()

    def sink_up(self):
        self.proxy.up()

    # ----- the test's own view of moto (direct, never through the proxy) -----

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.port}"

    def _http(self, method, path, body=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request(method, path, body=body)
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def client(self, service):
        if service not in self._clients:
            self._clients[service] = boto3.session.Session().client(
                service, endpoint_url=self.endpoint, region_name=REGION,
                aws_access_key_id=ACCESS_KEY_ID, aws_secret_access_key=SECRET_ACCESS_KEY,
                config=Config(retries={"total_max_attempts": 2, "mode": "standard"}))
        return self._clients[service]

    def kinesis(self):
        return self.client("kinesis")

    def sns(self):
        return self.client("sns")

    def model_data(self):
        """moto's internal model dump (/moto-api/data.json): the only way to see what was
        published to an SNS platform endpoint."""
        status, body = self._http("GET", "/moto-api/data.json")
        if status != 200:
            raise RuntimeError(f"moto data.json: {status} {body[:200]!r}")
        return json.loads(body)

    def endpoint_messages(self, endpoint_arn):
        """Every message published to an SNS platform endpoint, oldest first."""
        for endpoint in self.model_data().get("sns", {}).get("PlatformEndpoint", []):
            if endpoint.get("arn") == endpoint_arn:
                return list(endpoint.get("messages", {}).values())
        return []

    # ----- Kinesis helpers -----

    def create_stream(self, name, shards=1):
        kinesis = self.kinesis()
        kinesis.create_stream(StreamName=name, ShardCount=shards)
        deadline = time.monotonic() + 10
        while kinesis.describe_stream(StreamName=name)["StreamDescription"][
                "StreamStatus"] != "ACTIVE":
            if time.monotonic() > deadline:
                raise RuntimeError(f"stream {name} not ACTIVE")
            time.sleep(0.05)

    def stream_records(self, name):
        """Every record of every shard from TRIM_HORIZON, as (partition key, data bytes,
        sequence number) in shard order."""
        kinesis = self.kinesis()
        out = []
        shards = kinesis.describe_stream(StreamName=name)["StreamDescription"]["Shards"]
        for shard in shards:
            iterator = kinesis.get_shard_iterator(
                StreamName=name, ShardId=shard["ShardId"],
                ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
            while iterator:
                page = kinesis.get_records(ShardIterator=iterator, Limit=10000)
                for record in page["Records"]:
                    out.append((record["PartitionKey"], record["Data"],
                                record["SequenceNumber"]))
                if not page["Records"]:
                    break
                iterator = page.get("NextShardIterator")
        return out


__all__ = ["ACCESS_KEY_ID", "SECRET_ACCESS_KEY", "MotoServer", "SwitchableProxy"]
