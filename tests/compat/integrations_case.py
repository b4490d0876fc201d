"""Shared helpers of the outbound-integration suites (integrations_*_test.py, D24-D26).

cogsync is configured with an "integrations" object pointing at real components started by the
test (moto for Kinesis and SNS, a Lambda fake, a webhook receiver). The outbox settings are
shortened so redelivery after a failure takes fractions of a second instead of the production
backoff.
"""

import base64
import datetime
import json
import os
import signal
import time

from botocore.exceptions import ClientError, EndpointConnectionError

from support.cogsync_server import CogsyncServer
from sync_case import SyncTestCase

# The credentials cogsync signs its outbound calls with (D25).
OUTBOUND_KEY_ID = "AKIDOUTBOUND00000001"
OUTBOUND_SECRET = "outbound/secret/key/0000000000000000000"
STREAMS_ROLE = "arn:aws:iam::000000000000:role/CognitoStreamsRole"
PUSH_ROLE = "arn:aws:iam::000000000000:role/CognitoPushRole"
TRIGGER_ARN = "arn:aws:lambda:us-east-1:000000000000:function:sync-trigger"
FAST_OUTBOX = {"outbox_retry_initial_ms": 100, "outbox_retry_max_ms": 500, "outbox_poll_ms": 100}


def integrations_config(fast=True, **integrations):
    """A server config with an "integrations" object: the outbound credentials, the fast outbox
    settings (unless fast=False: the production defaults) and the keys given."""
    section = {"aws_access_key_id": OUTBOUND_KEY_ID, "aws_secret_access_key": OUTBOUND_SECRET}
    if fast:
        section.update(FAST_OUTBOX)
    section.update(integrations)
    return {"integrations": section}


def start_behind_moto(moto, **integrations):
    """Starts moto's server, then a cogsync whose integrations point at it (the keys given name
    moto's proxied endpoint, e.g. kinesis_endpoint=True); stops moto again if cogsync fails.
    Returns the started CogsyncServer."""
    moto.start()
    keys = {k: (moto.sink_endpoint if v is True else v) for k, v in integrations.items()}
    server = CogsyncServer(config=integrations_config(**keys))
    try:
        server.start()
    except Exception:
        moto.stop()
        raise
    return server


def decode_stream_data(data):
    """A Kinesis record's Data (bytes from boto3) as the Cognito Streams JSON record."""
    if isinstance(data, str):
        data = base64.b64decode(data)
    return json.loads(data)


def epoch_ms(value):
    """A boto3 timestamp (datetime) as epoch milliseconds."""
    if isinstance(value, datetime.datetime):
        return round(value.timestamp() * 1000)
    return value


def wait_until(probe, timeout=20.0, interval=0.05):
    """Calls probe() until it returns something truthy or the time is up; returns the last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


def kill_hard(server):
    """SIGKILL the server process (no graceful shutdown), keeping its data directory."""
    process = server.process
    process.send_signal(signal.SIGKILL)
    process.wait()
    server._terminate()  # only closes the log file: the process is gone
    server._clients.clear()


def stop_gracefully(server):
    """SIGTERM the server process (as restart() does), keeping its data directory."""
    server._terminate()
    server._clients.clear()


def read_jsonl(path):
    if not os.path.exists(path):
        return []
    with open(path, "r", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


class IntegrationTestCase(SyncTestCase):
    """SyncTestCase plus pool configuration and update helpers for the integration suites."""

    @staticmethod
    def _delete_quietly(client, pool_id):
        # A test that restarted its server has a new port: the client of the old one cannot
        # connect, and the server's data directory goes away with it anyway.
        try:
            client.delete_identity_pool(IdentityPoolId=pool_id)
        except (ClientError, EndpointConnectionError):
            pass

    def use_server(self, server):
        """Points this test's clients at `server` (after starting or restarting it)."""
        self.server, self.cognito = server, server.client()
        self.public, self.sync = server.unsigned_client(), server.client("cognito-sync")

    def own_server(self, fast=True, **integrations):
        """A started server of this test's own (to kill, restart or configure apart), stopped at
        cleanup, with this test's clients pointed at it."""
        server = CogsyncServer(config=integrations_config(fast=fast, **integrations)).start()
        self.addCleanup(server.stop)
        self.use_server(server)
        return server

    def enable_streams(self, pool_id, stream_name, status="ENABLED"):
        return self.sync.set_identity_pool_configuration(
            IdentityPoolId=pool_id, CognitoStreams={
                "StreamName": stream_name, "RoleArn": STREAMS_ROLE, "StreamingStatus": status})

    def set_trigger(self, pool_id, arn=TRIGGER_ARN):
        self.sync.set_cognito_events(IdentityPoolId=pool_id, Events={"SyncTrigger": arn})

    def patch(self, pool_id, identity_id, dataset, patches, client=None, **kwargs):
        """UpdateRecords with a fresh SyncSessionToken; patches are RecordPatch dicts."""
        client = client or self.sync
        token = self.list_records(pool_id, identity_id, dataset, client=client,
                                  MaxResults=1)["SyncSessionToken"]
        return client.update_records(IdentityPoolId=pool_id, IdentityId=identity_id,
                                     DatasetName=dataset, SyncSessionToken=token,
                                     RecordPatches=patches, **kwargs)

    def dataset_state(self, pool_id, identity_id, dataset):
        """(DatasetExists, DatasetSyncCount, {key: value of live records})."""
        listed = self.list_records(pool_id, identity_id, dataset)
        live = {r["Key"]: r["Value"] for r in listed["Records"] if "Value" in r}
        return listed["DatasetExists"], listed["DatasetSyncCount"], live


__all__ = ["FAST_OUTBOX", "IntegrationTestCase", "OUTBOUND_KEY_ID", "OUTBOUND_SECRET", "PUSH_ROLE",
           "STREAMS_ROLE", "TRIGGER_ARN", "decode_stream_data", "epoch_ms",
           "integrations_config", "kill_hard", "read_jsonl", "stop_gracefully", "wait_until"]
