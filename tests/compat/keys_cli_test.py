"""`cogsync keys create|list|delete` (D7): developer keys managed from the command line while a
server runs on the same data directory; the server accepts a new key at once and refuses a
deleted one within its key-cache lifetime (5 s). A second server on that data directory refuses
to start: one process owns a SQLite store."""

import os
import subprocess
import time
import unittest

from botocore.exceptions import ClientError

from support.cogsync_server import CogsyncServer, server_binary

SERVER = None


def setUpModule():
    global SERVER
    SERVER = CogsyncServer().start()


def tearDownModule():
    SERVER.stop()


def keys(*args):
    data = os.path.join(SERVER.data_dir, "data")
    return subprocess.run([server_binary(), "keys", *args, "--data-dir", data],
                          capture_output=True, text=True, timeout=60)


class KeysCliTest(unittest.TestCase):
    def test_create_use_list_delete(self):  # D7
        created = keys("create", "--name", "ci-robot")
        self.assertEqual(created.returncode, 0, created.stderr)
        fields = dict(line.split(" = ") for line in created.stdout.strip().splitlines())
        key_id, secret = fields["aws_access_key_id"], fields["aws_secret_access_key"]
        self.assertTrue(key_id.startswith("AKIA"))
        self.assertEqual(len(secret), 40)

        listed = keys("list")
        self.assertEqual(listed.returncode, 0, listed.stderr)
        self.assertIn(f"{key_id}\tci-robot\t", listed.stdout)

        client = SERVER.client("cognito-identity", access_key=key_id, secret_key=secret)
        pool = client.create_identity_pool(IdentityPoolName="keys", AllowUnauthenticatedIdentities=True)
        self.assertIn("IdentityPoolId", pool)

        deleted = keys("delete", key_id)
        self.assertEqual(deleted.returncode, 0, deleted.stderr)
        self.assertNotIn(key_id, keys("list").stdout)
        # The server forgets cached keys within 5 seconds.
        deadline = time.time() + 15
        code = None
        while time.time() < deadline:
            try:
                client.list_identity_pools(MaxResults=1)
            except ClientError as e:
                code = e.response["Error"]["Code"]
                break
            time.sleep(0.5)
        self.assertEqual(code, "UnrecognizedClientException")

    def test_chosen_key_and_errors(self):
        created = keys("create", "--access-key-id", "AKIDCHOSEN0000000001",
                       "--secret-access-key", "chosen-secret-0123456789")
        self.assertEqual(created.returncode, 0, created.stderr)
        duplicate = keys("create", "--access-key-id", "AKIDCHOSEN0000000001",
                         "--secret-access-key", "chosen-secret-0123456789")
        self.assertNotEqual(duplicate.returncode, 0)
        self.assertIn("exists", duplicate.stderr)
        # ASIA... ids are reserved for identity credentials (D8).
        reserved = keys("create", "--access-key-id", "ASIA0000000000000001")
        self.assertNotEqual(reserved.returncode, 0)
        missing = keys("delete", "AKIDDOESNOTEXIST0000")
        self.assertNotEqual(missing.returncode, 0)
        self.assertIn("no access key", missing.stderr)

    def test_second_server_on_the_same_database_refuses_to_start(self):
        data = os.path.join(SERVER.data_dir, "data")
        second = subprocess.run([server_binary(), "serve", "--listen", "127.0.0.1:0",
                                 "--data-dir", data, "--no-access-log"],
                                capture_output=True, text=True, timeout=60)
        self.assertNotEqual(second.returncode, 0)
        self.assertIn("in use by another cogsync server", second.stdout + second.stderr)
        # The running server is untouched and still serves.
        pools = SERVER.client("cognito-identity").list_identity_pools(MaxResults=5)
        self.assertIn("IdentityPools", pools)


if __name__ == "__main__":
    unittest.main()
