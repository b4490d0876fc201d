"""Full disk: the SQLite database on a small filesystem that the test fills up.

The database (`--config {"store": "sqlite:<mount>/cogsync.db"}`) lives on a 16 MiB tmpfs mounted by
the test; the server's log and everything else stay elsewhere. With the filesystem full:
- writes fail with InternalErrorException (HTTP 500) and the process stays up;
- reads keep working and return everything committed before;
- nothing already committed is damaged (checked again after a restart, and with
  `PRAGMA integrity_check`);
- once the space returns, writes succeed again without a restart.
The test needs root and a working `mount -t tmpfs`; otherwise it is skipped with the reason.
"""

import errno
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from support.cogsync_server import CogsyncServer
from support.raw_requests import call_identity, send, sign

_FS_SIZE = "16m"


def mount_small_tmpfs():
    """(mount point, None) or (None, the reason it cannot be done here)."""
    if os.geteuid() != 0:
        return None, "not running as root: cannot mount a small filesystem"
    if shutil.which("mount") is None or shutil.which("umount") is None:
        return None, "mount/umount are not installed"
    point = tempfile.mkdtemp(prefix="cogsync-fulldisk-")
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={_FS_SIZE},mode=0700", "tmpfs",
                             point], capture_output=True, text=True)
    if result.returncode != 0:
        os.rmdir(point)
        return None, f"mount -t tmpfs failed: {result.stderr.strip() or result.returncode}"
    return point, None


def fill(directory):
    """Writes a filler file until the filesystem is full; returns its path."""
    path = os.path.join(directory, "filler")
    with open(path, "wb", buffering=0) as f:
        for size in (1 << 20, 1 << 16, 1 << 12, 1 << 9, 1):
            try:
                while True:
                    f.write(b"\0" * size)
            except OSError as e:
                if e.errno != errno.ENOSPC:
                    raise
    return path


class FullDiskTest(unittest.TestCase):
    def setUp(self):
        self.mount, reason = mount_small_tmpfs()
        if self.mount is None:
            print(f"\nfull disk test skipped: {reason}", flush=True)
            self.skipTest(reason)
        self.addCleanup(self._unmount)
        self.db = os.path.join(self.mount, "cogsync.db")
        self.server = CogsyncServer(config={"store": f"sqlite:{self.db}"}).start()
        self.addCleanup(self.server.stop)

    def _unmount(self):
        subprocess.run(["umount", "-l", self.mount], check=False)
        os.rmdir(self.mount)

    # ----- Cognito Sync over raw signed requests -----

    def sync(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else b""
        headers = {"Content-Type": "application/json"} if body is not None else {}
        headers = sign(self.server, method, path, data, headers, service="cognito-sync")
        return send(self.server, method, path, data, headers)

    def dataset_path(self, dataset):
        return f"/identitypools/{self.pool_id}/identities/{self.identity_id}/datasets/{dataset}"

    def update(self, dataset, key, value):
        listed = self.sync("GET", self.dataset_path(dataset) + "/records")
        self.assertEqual(listed.status, 200, listed)
        return self.sync("POST", self.dataset_path(dataset), {
            "SyncSessionToken": listed.json()["SyncSessionToken"],
            "RecordPatches": [{"Op": "replace", "Key": key, "Value": value, "SyncCount": 0}]})

    def records(self, dataset):
        listed = self.sync("GET", self.dataset_path(dataset) + "/records")
        self.assertEqual(listed.status, 200, listed)
        return {r["Key"]: r["Value"] for r in listed.json()["Records"]}

    def assertInternalError(self, response):
        self.assertEqual(response.status, 500, response)
        self.assertEqual(response.error_type, "InternalErrorException", response)
        # The message must not leak storage details to the client.
        self.assertNotIn(b"SQLITE", response.body.upper())

    def test_writes_fail_reads_work_and_writes_return_with_space(self):
        created = call_identity(self.server, "CreateIdentityPool", {
            "IdentityPoolName": "fulldisk", "AllowUnauthenticatedIdentities": True})
        self.assertEqual(created.status, 200, created)
        self.pool_id = created.json()["IdentityPoolId"]
        self.identity_id = call_identity(self.server, "GetId", {"IdentityPoolId": self.pool_id},
                                         signed=False).json()["IdentityId"]
        committed = {}
        for i in range(5):
            value = f"before-{i}-" + "x" * 1000
            self.assertEqual(self.update("ds", f"k{i}", value).status, 200)
            committed[f"k{i}"] = value

        filler = fill(self.mount)
        # Writes big enough to need new pages fail, each with InternalErrorException; a small
        # one may still fit in space SQLite holds already, and then it must be durable.
        failed = 0
        fitted = {}  # dataset -> {key: value} of the writes that still fitted
        for i in range(8):
            value = f"full-{i}-" + "y" * 200000
            response = self.update(f"big{i % 3}", f"f{i}", value)
            if response.status == 200:
                fitted.setdefault(f"big{i % 3}", {})[f"f{i}"] = value
            else:
                self.assertInternalError(response)
                failed += 1
        self.assertGreater(failed, 0, "no write failed on a full filesystem")
        response = call_identity(self.server, "CreateIdentityPool", {
            "IdentityPoolName": "x" * 128, "AllowUnauthenticatedIdentities": True,
            "IdentityPoolTags": {f"t{i}": "v" * 256 for i in range(50)}})
        self.assertIn(response.status, (200, 500), response)
        if response.status == 500:
            self.assertInternalError(response)

        # Reads keep working and see everything committed.
        self.assertIsNone(self.server.process.poll(), self.server.log())
        self.assertEqual({k: v for k, v in self.records("ds").items() if k in committed}, committed)
        described = call_identity(self.server, "DescribeIdentityPool",
                                  {"IdentityPoolId": self.pool_id})
        self.assertEqual(described.status, 200, described)
        self.assertEqual(described.json()["IdentityPoolName"], "fulldisk")
        status, _, _ = self.server.http("GET", "/healthz")
        self.assertEqual(status, 200)

        # Space returns: writes work again, without a restart.
        os.remove(filler)
        value = "after-" + "z" * 200000
        response = self.update("ds", "after", value)
        self.assertEqual(response.status, 200, response)
        committed["after"] = value
        self.assertEqual({k: v for k, v in self.records("ds").items() if k in committed}, committed)

        # Nothing committed was damaged: the file is sound and a restarted server has it all.
        self.server.restart()
        if shutil.which("sqlite3"):
            result = subprocess.run(["sqlite3", self.db, "PRAGMA integrity_check;"],
                                    capture_output=True, text=True, timeout=30)
            self.assertEqual(result.stdout.strip(), "ok", result.stderr)
        self.assertEqual({k: v for k, v in self.records("ds").items() if k in committed}, committed)
        for dataset, values in fitted.items():
            self.assertEqual(self.records(dataset), values)
        print(f"\nfull disk: {failed} of 8 large writes refused, {len(fitted)} fitted", flush=True)


if __name__ == "__main__":
    unittest.main()
