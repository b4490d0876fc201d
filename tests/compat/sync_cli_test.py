"""Cognito Sync through the AWS CLI (`aws cognito-sync ... --endpoint-url`).

The CLI runs with the test server's developer key and an empty configuration directory, as in
identity_cli_test.py. Pools and identities are made with boto3 (faster); the Sync calls go
through the CLI.
"""

import json
import unittest

from support.aws_cli import AwsCli
from support.cogsync_server import CogsyncServer
from sync_case import DEVELOPER_KEY_NAME, SyncTestCase

SERVER = CogsyncServer()
CLI = None


def setUpModule():
    global CLI
    SERVER.start()
    CLI = AwsCli(SERVER)


def tearDownModule():
    SERVER.stop()
    CLI.close()


def aws(*args):
    """Runs `aws cognito-sync <args>`: (exit code, parsed JSON or None, stderr)."""
    return CLI.run("cognito-sync", *args, timeout=90)


class SyncCliTest(SyncTestCase):
    server = SERVER

    def setUp(self):
        super().setUp()
        self.pool_id = self.new_sync_pool()
        self.identity_id = self.new_identity(self.pool_id)
        self.ids = ["--identity-pool-id", self.pool_id, "--identity-id", self.identity_id]

    def test_sync_cycle(self):  # D14, D18, D21
        code, listed, err = aws("list-records", *self.ids, "--dataset-name", "cli")
        self.assertEqual(code, 0, err)
        self.assertEqual(listed["Records"], [])
        self.assertIs(listed["DatasetExists"], False)
        token = listed["SyncSessionToken"]
        patches = json.dumps([{"Op": "replace", "Key": "color", "Value": "teal", "SyncCount": 0},
                              {"Op": "replace", "Key": "size", "Value": "L", "SyncCount": 0}])
        code, written, err = aws("update-records", *self.ids, "--dataset-name", "cli",
                                 "--sync-session-token", token, "--record-patches", patches)
        self.assertEqual(code, 0, err)
        self.assertEqual(sorted((r["Key"], r["Value"], r["SyncCount"], r["LastModifiedBy"])
                                for r in written["Records"]),
                         [("color", "teal", 1, DEVELOPER_KEY_NAME),
                          ("size", "L", 1, DEVELOPER_KEY_NAME)])
        code, listed, err = aws("list-records", *self.ids, "--dataset-name", "cli",
                                "--last-sync-count", "0")
        self.assertEqual(code, 0, err)
        self.assertEqual(listed["DatasetSyncCount"], 1)
        self.assertEqual({r["Key"]: r["Value"] for r in listed["Records"]},
                         {"color": "teal", "size": "L"})
        # A stale write is a conflict (D15): the CLI exits 254 with AWS's message.
        code, _, err = aws("update-records", *self.ids, "--dataset-name", "cli",
                           "--sync-session-token", listed["SyncSessionToken"],
                           "--record-patches", json.dumps([
                               {"Op": "replace", "Key": "color", "Value": "x", "SyncCount": 0}]))
        self.assertNotEqual(code, 0)
        self.assertIn("ResourceConflictException", err)
        self.assertIn("Current SyncCount for: color is: 1 not: 0", err)

    def test_datasets_and_usage(self):  # D22
        self.put(self.pool_id, self.identity_id, "one", {"abc": "defg"})
        self.put(self.pool_id, self.identity_id, "two", {"k": "v"})
        code, datasets, err = aws("list-datasets", *self.ids)
        self.assertEqual(code, 0, err)
        self.assertEqual(sorted(d["DatasetName"] for d in datasets["Datasets"]), ["one", "two"])
        self.assertEqual(datasets["Count"], 2)
        code, described, err = aws("describe-dataset", *self.ids, "--dataset-name", "one")
        self.assertEqual(code, 0, err)
        self.assertEqual((described["Dataset"]["NumRecords"], described["Dataset"]["DataStorage"]),
                         (1, 7))
        code, _, err = aws("describe-dataset", *self.ids, "--dataset-name", "missing")
        self.assertNotEqual(code, 0)
        self.assertIn("ResourceNotFoundException", err)
        code, usage, err = aws("list-identity-pool-usage", "--max-results", "60")
        self.assertEqual(code, 0, err)
        mine = [u for u in usage["IdentityPoolUsages"] if u["IdentityPoolId"] == self.pool_id]
        self.assertEqual(len(mine), 1)
        self.assertEqual(mine[0]["DataStorage"], 7 + 2)
        self.assertEqual(mine[0]["SyncSessionsCount"], 2)  # one ListRecords per put


if __name__ == "__main__":
    unittest.main()
