"""One identity pool whose SyncTrigger hangs, many clients writing to it at once, and a
well-behaved client of another pool whose latency is measured meanwhile (issue 13, finding 5).

Used by tests/compat/outbound_isolation_test.py (which asserts) and bench/slow_trigger.py (which
prints the figures for two binaries). Only server defaults are relied on, so the same scenario
runs against an older binary.

The attackers run in a child process (one thread per concurrent request), so their Python work
never holds the measuring process's interpreter lock.
"""

import http.client
import json
import multiprocessing
import statistics
import threading
import time

from support import lambda_fake
from support.cogsync_server import REGION, CogsyncServer
from support.lambda_fake import LambdaFake
from support.raw_requests import call_identity, send, sign
from sync_case import dataset_path

SLOW_ARN = "arn:aws:lambda:us-east-1:000000000000:function:slow-trigger"
OUTBOUND_KEY_ID = "AKIDOUTBOUNDSLOW0001"
OUTBOUND_SECRET = "outbound/slow/secret/0000000000000000000"
DATASET = "data"


def _dataset_path(pool_id, identity_id):
    return dataset_path(pool_id, identity_id, DATASET)


class _Endpoint:
    """What raw_requests needs of a server: its port and endpoint."""

    def __init__(self, port):
        self.port = port
        self.endpoint = f"http://127.0.0.1:{port}"

    def connection(self, timeout=10):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)


def _sync_call(endpoint, method, path, body, credentials, timeout=30):
    data = json.dumps(body) if body is not None else ""
    headers = {"Content-Type": "application/json"} if body is not None else {}
    headers = sign(endpoint, method, path, data, headers, service="cognito-sync",
                   access_key=credentials["AccessKeyId"], secret_key=credentials["SecretKey"],
                   session_token=credentials["SessionToken"])
    return send(endpoint, method, path, data, headers, timeout=timeout)


def _session_token(endpoint, pool_id, identity_id, credentials):
    response = _sync_call(endpoint, "GET", _dataset_path(pool_id, identity_id) + "/records",
                          None, credentials)
    if response.status != 200:
        raise RuntimeError(f"ListRecords failed: {response!r}")
    return response.json()["SyncSessionToken"]


def _update(endpoint, pool_id, identity_id, credentials, token, key, timeout=30):
    body = {"SyncSessionToken": token,
            "RecordPatches": [{"Op": "replace", "Key": key, "Value": "v", "SyncCount": 0}]}
    return _sync_call(endpoint, "POST", _dataset_path(pool_id, identity_id), body, credentials,
                      timeout=timeout)


def _attack(port, pool_id, identity_id, credentials, concurrency, stop, counts):
    """Child process: `concurrency` threads, each sending UpdateRecords on the slow pool one
    after another (a new key each time, so none is refused as a conflict before the trigger
    runs) until `stop` is set. A throttled request is retried after 100 ms, as an SDK would."""
    endpoint = _Endpoint(port)
    token = _session_token(endpoint, pool_id, identity_id, credentials)
    lock = threading.Lock()
    tally = {}

    def worker(n):
        i = 0
        while not stop.is_set():
            i += 1
            try:
                response = _update(endpoint, pool_id, identity_id, credentials, token,
                                   f"k{n}-{i}")
                outcome = str(response.status) if response.status == 200 else \
                    response.error_type or str(response.status)
            except OSError as e:
                outcome = type(e).__name__
            with lock:
                tally[outcome] = tally.get(outcome, 0) + 1
            if outcome != "200":
                time.sleep(0.1)

    threads = [threading.Thread(target=worker, args=(n,), daemon=True)
               for n in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    counts.update(tally)


class SlowTriggerScenario:
    """A running cogsync (binary `binary`, or $COGSYNC_BIN) whose "slow" pool has a SyncTrigger
    that answers after `trigger_seconds`, and a "quiet" pool without one."""

    def __init__(self, binary=None, trigger_seconds=2.0, extra_config=None):
        self.fake = LambdaFake(OUTBOUND_KEY_ID, OUTBOUND_SECRET)
        self.trigger_seconds = trigger_seconds
        self.binary = binary
        self.extra_config = extra_config or {}
        self.server = None

    def start(self):
        self.fake.start()
        self.fake.behave(lambda_fake.SLEEP, seconds=self.trigger_seconds)
        config = {"integrations": {
            "aws_access_key_id": OUTBOUND_KEY_ID, "aws_secret_access_key": OUTBOUND_SECRET,
            "trigger_timeout_ms": 10000,
            "sync_trigger_urls": {SLOW_ARN: self.fake.url("/slow")}}}
        config.update(self.extra_config)
        self.server = CogsyncServer(config=config, binary=self.binary)
        try:
            self.server.start()
        except Exception:
            self.fake.stop()
            raise
        developer = self.server.client("cognito-identity")
        self.public = self.server.unsigned_client()
        sync = self.server.client("cognito-sync")
        self.slow_pool = self._pool(developer, "slow")
        self.quiet_pool = self._pool(developer, "quiet")
        sync.set_cognito_events(IdentityPoolId=self.slow_pool, Events={"SyncTrigger": SLOW_ARN})
        self.attacker = self._identity(self.slow_pool)
        self.victim = self._identity(self.quiet_pool)
        self.victim_token = _session_token(self.server, self.quiet_pool, self.victim[0],
                                           self.victim[1])
        return self

    def stop(self):
        if self.server is not None:
            self.server.stop()
        self.fake.stop()

    def _pool(self, developer, name):
        pool_id = developer.create_identity_pool(
            IdentityPoolName=name, AllowUnauthenticatedIdentities=True)["IdentityPoolId"]
        developer.set_identity_pool_roles(IdentityPoolId=pool_id, Roles={
            "authenticated": "arn:aws:iam::000000000000:role/auth",
            "unauthenticated": "arn:aws:iam::000000000000:role/unauth"})
        return pool_id

    def _identity(self, pool_id):
        identity_id = self.public.get_id(IdentityPoolId=pool_id)["IdentityId"]
        credentials = self.public.get_credentials_for_identity(
            IdentityId=identity_id)["Credentials"]
        return identity_id, {k: credentials[k]
                             for k in ("AccessKeyId", "SecretKey", "SessionToken")}

    # ----- the well-behaved client -----

    def quiet_latencies(self, count, budget_seconds):
        """Sequential UpdateRecords and GetId on the quiet pool: (update seconds, get_id seconds),
        at most `count` of each and no new request after `budget_seconds`. A request that fails
        raises: the quiet client must always be served."""
        updates, get_ids = [], []
        deadline = time.monotonic() + budget_seconds
        for i in range(count):
            if time.monotonic() > deadline:
                break
            started = time.monotonic()
            response = _update(self.server, self.quiet_pool, self.victim[0], self.victim[1],
                               self.victim_token, f"q{time.time_ns()}-{i}")
            if response.status != 200:
                raise AssertionError(f"quiet UpdateRecords failed: {response!r}")
            updates.append(time.monotonic() - started)
            started = time.monotonic()
            response = call_identity(self.server, "GetId", {"IdentityPoolId": self.quiet_pool},
                                     signed=False)
            if response.status != 200:
                raise AssertionError(f"quiet GetId failed: {response!r}")
            get_ids.append(time.monotonic() - started)
        return updates, get_ids

    # ----- the attack -----

    def attack(self, concurrency=64):
        """A context manager: `concurrency` UpdateRecords in flight on the slow pool while the
        block runs. Its value's `counts` (after the block) maps outcomes (200, error codes) to
        how many requests ended so."""
        return _Attack(self, concurrency)


class _Attack:
    def __init__(self, scenario, concurrency):
        self.scenario = scenario
        self.concurrency = concurrency
        self.counts = {}

    def __enter__(self):
        ctx = multiprocessing.get_context("fork")
        self._manager = ctx.Manager()
        self._stop = self._manager.Event()
        self._counts = self._manager.dict()
        s = self.scenario
        self._process = ctx.Process(target=_attack, args=(
            s.server.port, s.slow_pool, s.attacker[0], s.attacker[1], self.concurrency,
            self._stop, self._counts), daemon=True)
        self._process.start()
        # Let every attacker get its first request in.
        time.sleep(1.0)
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._process.join(timeout=40)
        if self._process.is_alive():
            self._process.kill()
        self.counts = dict(self._counts)
        self._manager.shutdown()
        return False


def p50(values):
    return statistics.median(values) if values else float("nan")


__all__ = ["SLOW_ARN", "SlowTriggerScenario", "p50"]
