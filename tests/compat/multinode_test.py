"""Three cogsync processes on one PostgreSQL database, driven by unchanged boto3 clients.

(a) A client's flows spread across the nodes: the pool created on one node, the identity and
its credentials on another, ListRecords on a third and UpdateRecords with that SyncSessionToken
back on the first; NextTokens carried from node to node; minted credentials accepted everywhere.
Everything a client holds (sealed tokens, credentials) must work on any node, since the server
secrets live in the database.

(b) Client threads bound round-robin to the nodes hammer ONE dataset of one identity with
ListRecords -> UpdateRecords cycles. Every answer must be 200 or 409 ResourceConflictException;
afterwards the SyncCounts of the 200 answers are exactly 1..N, DatasetSyncCount is N, and no
acknowledged write is lost. With Cognito Streams on, the stream (a JSON-lines file in a directory
all nodes share) holds every revision 1..N of the dataset in order, although three nodes wrote
them: one node at a time dispatches the outbox (D24).
"""

import json
import os
import shutil
import tempfile
import threading
import time
import unittest

import boto3
from botocore.exceptions import ClientError

from support.cogsync_server import (ACCESS_KEY_ID, NO_RETRY, REGION, SECRET_ACCESS_KEY,
                                    CogsyncServer)
from support.identity_case import role_arn, unique_name
from support.postgres_server import PostgresServer

_NODES = 3
_THREADS = 12
_HAMMER_SECONDS = 5.0
_CONFIG_BASE = {"throttle": {"enabled": False}}

postgres = None
nodes = []
stream_dir = None


def setUpModule():
    global postgres, stream_dir
    postgres = PostgresServer()
    postgres.start()
    stream_dir = tempfile.mkdtemp(prefix="cogsync-multinode-streams-")
    try:
        url = postgres.create_database()
        config = dict(_CONFIG_BASE, store=url,
                      integrations={"stream_files_dir": stream_dir, "outbox_poll_ms": 100})
        # Every node registers the same developer key (it lives in the database); the nodes
        # start concurrently enough that the migration lock and insert-if-absent secrets are
        # exercised too.
        for _ in range(_NODES):
            nodes.append(CogsyncServer(config=config).start())
    except BaseException:
        tearDownModule()
        raise


def tearDownModule():
    # Every node and the database stop even when one node's log holds a race report (stop()
    # raises it after cleaning up); the first report is raised at the end.
    failures = []
    for node in nodes:
        try:
            node.stop()
        except AssertionError as e:
            failures.append(e)
    nodes.clear()
    if postgres is not None:
        postgres.stop()
    if stream_dir is not None:
        shutil.rmtree(stream_dir, ignore_errors=True)
    if failures:
        raise failures[0]


def _client(node, service, access_key=ACCESS_KEY_ID, secret_key=SECRET_ACCESS_KEY,
            session_token=None):
    """A fresh boto3 client (not cached: each hammer thread needs its own)."""
    return boto3.session.Session().client(
        service, endpoint_url=node.endpoint, region_name=REGION, aws_access_key_id=access_key,
        aws_secret_access_key=secret_key, aws_session_token=session_token, config=NO_RETRY)


class MultiNodeTestCase(unittest.TestCase):

    def new_pool(self, node):
        identity = node.client()
        pool_id = identity.create_identity_pool(
            IdentityPoolName=unique_name(), AllowUnauthenticatedIdentities=True)["IdentityPoolId"]
        identity.set_identity_pool_roles(
            IdentityPoolId=pool_id,
            Roles={"authenticated": role_arn("auth"), "unauthenticated": role_arn("unauth")})
        self.addCleanup(self._delete_pool, pool_id)
        return pool_id

    def _delete_pool(self, pool_id):
        try:
            nodes[0].client().delete_identity_pool(IdentityPoolId=pool_id)
        except ClientError:
            pass

    def new_identity(self, node, pool_id):
        return node.unsigned_client().get_id(IdentityPoolId=pool_id)["IdentityId"]

    def credentials(self, node, identity_id):
        return node.unsigned_client().get_credentials_for_identity(
            IdentityId=identity_id)["Credentials"]


class CrossNodeFlowsTest(MultiNodeTestCase):

    def test_sync_session_spread_over_three_nodes(self):
        n1, n2, n3 = nodes
        pool_id = self.new_pool(n1)
        # The pool created on node 1 is visible on node 2, which mints the identity.
        identity_id = self.new_identity(n2, pool_id)
        credentials = self.credentials(n2, identity_id)
        self.assertEqual(n3.client().describe_identity_pool(IdentityPoolId=pool_id)
                         ["IdentityPoolId"], pool_id)

        # ListRecords on node 3 with the identity's credentials minted by node 2.
        sync3 = _client(n3, "cognito-sync", credentials["AccessKeyId"],
                        credentials["SecretKey"], credentials["SessionToken"])
        listed = sync3.list_records(IdentityPoolId=pool_id, IdentityId=identity_id,
                                    DatasetName="settings")
        self.assertEqual(listed["DatasetSyncCount"], 0)
        self.assertFalse(listed["DatasetExists"])

        # UpdateRecords on node 1 with node 3's SyncSessionToken.
        sync1 = _client(n1, "cognito-sync", credentials["AccessKeyId"],
                        credentials["SecretKey"], credentials["SessionToken"])
        updated = sync1.update_records(
            IdentityPoolId=pool_id, IdentityId=identity_id, DatasetName="settings",
            SyncSessionToken=listed["SyncSessionToken"],
            RecordPatches=[{"Op": "replace", "Key": f"k{i}", "Value": f"v{i}", "SyncCount": 0}
                           for i in range(5)])
        self.assertEqual(sorted(r["Key"] for r in updated["Records"]),
                         [f"k{i}" for i in range(5)])
        self.assertEqual({r["SyncCount"] for r in updated["Records"]}, {1})

        # Every node sees the write, with the credentials node 2 minted.
        for node in nodes:
            sync = _client(node, "cognito-sync", credentials["AccessKeyId"],
                           credentials["SecretKey"], credentials["SessionToken"])
            page = sync.list_records(IdentityPoolId=pool_id, IdentityId=identity_id,
                                     DatasetName="settings")
            self.assertEqual(page["DatasetSyncCount"], 1, node.endpoint)
            self.assertEqual({r["Key"]: r["Value"] for r in page["Records"]},
                             {f"k{i}": f"v{i}" for i in range(5)}, node.endpoint)

        # A NextToken from node 1 continues on node 2, its follow-up on node 3.
        seen = []
        page = sync1.list_records(IdentityPoolId=pool_id, IdentityId=identity_id,
                                  DatasetName="settings", MaxResults=2)
        seen += [r["Key"] for r in page["Records"]]
        hops = [n2, n3]
        while page.get("NextToken"):
            node = hops[0] if hops else n1
            hops = hops[1:]
            client = _client(node, "cognito-sync", credentials["AccessKeyId"],
                             credentials["SecretKey"], credentials["SessionToken"])
            page = client.list_records(IdentityPoolId=pool_id, IdentityId=identity_id,
                                       DatasetName="settings", MaxResults=2,
                                       NextToken=page["NextToken"])
            seen += [r["Key"] for r in page["Records"]]
        self.assertEqual(sorted(seen), [f"k{i}" for i in range(5)])
        self.assertEqual(len(seen), 5)

    def test_identity_next_token_and_developer_calls_across_nodes(self):
        n1, n2, n3 = nodes
        pool_id = self.new_pool(n2)
        identities = {self.new_identity(nodes[i % _NODES], pool_id) for i in range(5)}
        self.assertEqual(len(identities), 5)
        page = n1.client().list_identities(IdentityPoolId=pool_id, MaxResults=2)
        seen = [i["IdentityId"] for i in page["Identities"]]
        for node in (n2, n3, n1):
            if not page.get("NextToken"):
                break
            page = node.client().list_identities(IdentityPoolId=pool_id, MaxResults=2,
                                                 NextToken=page["NextToken"])
            seen += [i["IdentityId"] for i in page["Identities"]]
        self.assertEqual(sorted(seen), sorted(identities))
        self.assertFalse(page.get("NextToken"))

        # Developer-signed Cognito Sync calls on a dataset written through another node.
        identity_id = sorted(identities)[0]
        dev1 = _client(n1, "cognito-sync")
        token = _client(n3, "cognito-sync").list_records(
            IdentityPoolId=pool_id, IdentityId=identity_id,
            DatasetName="d")["SyncSessionToken"]
        dev1.update_records(IdentityPoolId=pool_id, IdentityId=identity_id, DatasetName="d",
                            SyncSessionToken=token,
                            RecordPatches=[{"Op": "replace", "Key": "a", "Value": "1",
                                            "SyncCount": 0}])
        described = _client(n2, "cognito-sync").describe_dataset(
            IdentityPoolId=pool_id, IdentityId=identity_id, DatasetName="d")["Dataset"]
        self.assertEqual(described["NumRecords"], 1)

    def test_credentials_minted_anywhere_work_everywhere(self):
        pool_id = self.new_pool(nodes[0])
        identity_id = self.new_identity(nodes[0], pool_id)
        for minting in nodes:
            credentials = self.credentials(minting, identity_id)
            for serving in nodes:
                sync = _client(serving, "cognito-sync", credentials["AccessKeyId"],
                               credentials["SecretKey"], credentials["SessionToken"])
                answer = sync.list_datasets(IdentityPoolId=pool_id, IdentityId=identity_id)
                self.assertEqual(answer["ResponseMetadata"]["HTTPStatusCode"], 200,
                                 (minting.endpoint, serving.endpoint))
                # The credentials are bound to their identity on every node too (D8).
                other = self.new_identity(serving, pool_id)
                with self.assertRaises(ClientError) as cm:
                    sync.list_datasets(IdentityPoolId=pool_id, IdentityId=other)
                self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"],
                                 403)


class Hammer(threading.Thread):
    """ListRecords -> UpdateRecords cycles on one dataset until `stop` is set.

    Each cycle replaces the shared key "shared" (so concurrent cycles conflict) and the thread's
    own key, both at the SyncCounts just listed. acked: (sync_count, value) of every 200."""

    def __init__(self, index, node, client, pool_id, identity_id, dataset, stop):
        super().__init__(daemon=True)
        self.index = index
        self.node = node
        self.client = client
        self.pool_id = pool_id
        self.identity_id = identity_id
        self.dataset = dataset
        self.stop = stop
        self.own_key = f"t{index:02d}"
        self.acked = []
        self.conflicts = 0
        self.failures = []

    def run(self):
        args = {"IdentityPoolId": self.pool_id, "IdentityId": self.identity_id,
                "DatasetName": self.dataset}
        cycle = 0
        while not self.stop.is_set() and not self.failures:
            cycle += 1
            value = f"{self.own_key}-{cycle}"
            try:
                listed = self.client.list_records(**args)
                counts = {r["Key"]: r["SyncCount"] for r in listed["Records"]}
                patches = [{"Op": "replace", "Key": key, "Value": value,
                            "SyncCount": counts.get(key, 0)}
                           for key in ("shared", self.own_key)]
                answer = self.client.update_records(
                    SyncSessionToken=listed["SyncSessionToken"], RecordPatches=patches, **args)
            except ClientError as e:
                status = e.response["ResponseMetadata"]["HTTPStatusCode"]
                code = e.response["Error"]["Code"]
                if status == 409 and code == "ResourceConflictException":
                    self.conflicts += 1
                    continue
                self.failures.append(f"{self.node}: {status} {code}: {e}")
                return
            except Exception as e:  # pylint: disable=broad-except
                self.failures.append(f"{self.node}: {type(e).__name__}: {e}")
                return
            status = answer["ResponseMetadata"]["HTTPStatusCode"]
            written = {r["Key"]: r for r in answer["Records"]}
            if status != 200 or set(written) != {"shared", self.own_key}:
                self.failures.append(f"{self.node}: unexpected answer {answer}")
                return
            sync_counts = {r["SyncCount"] for r in written.values()}
            if len(sync_counts) != 1:
                self.failures.append(f"{self.node}: one write, several SyncCounts {answer}")
                return
            self.acked.append((sync_counts.pop(), value))


class ConcurrentWritersTest(MultiNodeTestCase):

    def test_one_dataset_hammered_through_three_nodes(self):
        pool_id = self.new_pool(nodes[0])
        identity_id = self.new_identity(nodes[1], pool_id)
        credentials = self.credentials(nodes[2], identity_id)
        dataset = "hammered"
        nodes[1].client("cognito-sync").set_identity_pool_configuration(
            IdentityPoolId=pool_id,
            CognitoStreams={"StreamName": "hammered-stream", "StreamingStatus": "ENABLED",
                            "RoleArn": "arn:aws:iam::000000000000:role/streams"})
        stop = threading.Event()
        threads = []
        for i in range(_THREADS):
            node = nodes[i % _NODES]
            client = _client(node, "cognito-sync", credentials["AccessKeyId"],
                             credentials["SecretKey"], credentials["SessionToken"])
            threads.append(Hammer(i, node.endpoint, client, pool_id, identity_id, dataset, stop))
        for t in threads:
            t.start()
        time.sleep(_HAMMER_SECONDS)
        stop.set()
        for t in threads:
            t.join(timeout=60)
            self.assertFalse(t.is_alive(), f"thread {t.index} hangs")

        failures = [f for t in threads for f in t.failures]
        self.assertEqual(failures, [], "answers other than 200 and 409")

        acked = sorted((count, value, t.own_key) for t in threads for count, value in t.acked)
        n = len(acked)
        conflicts = sum(t.conflicts for t in threads)
        print(f"\n{n} writes acknowledged, {conflicts} conflicts, "
              f"{_THREADS} threads on {_NODES} nodes", flush=True)
        self.assertGreater(n, _THREADS, "too few writes to mean anything")
        self.assertGreater(conflicts, 0, "the writers never collided: the test proves nothing")
        # Strictly consecutive 1..N: no two acknowledged writes share a revision, none is missing.
        self.assertEqual([count for count, _, _ in acked], list(range(1, n + 1)))

        final = nodes[0].client("cognito-sync").list_records(
            IdentityPoolId=pool_id, IdentityId=identity_id, DatasetName=dataset)
        self.assertEqual(final["DatasetSyncCount"], n)
        records = {r["Key"]: r for r in final["Records"]}
        # The shared key holds the last acknowledged write, at its SyncCount.
        self.assertEqual((records["shared"]["SyncCount"], records["shared"]["Value"]),
                         acked[-1][:2])
        # Every acknowledged write is present or superseded by a later SyncCount: a thread's own
        # key is written only by that thread, so it holds exactly its last acknowledged write.
        for t in threads:
            if not t.acked:
                self.assertNotIn(t.own_key, records)
                continue
            count, value = max(t.acked)
            self.assertEqual((records[t.own_key]["SyncCount"], records[t.own_key]["Value"]),
                             (count, value), t.own_key)
        for count, value, key in acked:
            self.assertGreaterEqual(records[key]["SyncCount"], count)
            self.assertGreaterEqual(records["shared"]["SyncCount"], count)
        self.assertEqual(set(records), {"shared"} | {t.own_key for t in threads if t.acked})

        # D24 across nodes: every revision reaches the stream, in revision order.
        path = os.path.join(stream_dir, pool_id + ".jsonl")
        deadline = time.monotonic() + 60
        streamed = []
        while time.monotonic() < deadline:
            streamed = []
            if os.path.exists(path):
                with open(path, encoding="utf-8") as f:
                    streamed = [json.loads(line) for line in f if line.strip()]
            if len({r["syncCount"] for r in streamed}) >= n:
                break
            time.sleep(0.2)
        counts = [r["syncCount"] for r in streamed if r["dataSetName"] == dataset]
        self.assertEqual(sorted(set(counts)), list(range(1, n + 1)), "revisions missing")
        self.assertEqual(counts, sorted(counts), "stream records out of order")
        by_count = {r["syncCount"]: r for r in streamed}
        for count, value, key in acked:
            written = {x["key"]: x.get("value") for x in by_count[count]["kinesisSyncRecords"]}
            self.assertEqual(written.get(key), value, f"revision {count}")


if __name__ == "__main__":
    unittest.main()
