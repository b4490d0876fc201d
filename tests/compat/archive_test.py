"""`cogsync export` / `import` / `backup` / `restore` / `import --streams` through the real
binary (D28): lossless round trips between stores, bad archives refused with the line and the
reason and the target unchanged, kill -9 during an import, identities that keep working, an
online backup under sync load, and Cognito Streams records loaded back.
"""

import base64
import gzip
import json
import os
import pty
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import unittest

from botocore.exceptions import ClientError

from support.archive_tools import (ArchiveBuilder, comparable, export, file_mode, identity_id,
                                   import_archive, pool_id, read_lines, run_cogsync)
from support.cogsync_server import CogsyncServer, server_binary
from support.postgres_server import PostgresServer

ROLE = "arn:aws:iam::000000000000:role/"
DEV_PROVIDER = "login.example.app"


def populate(server):
    """A pool with every kind of state an archive must carry; returns what tests need."""
    cognito = server.client()
    public = server.unsigned_client()
    sync = server.client("cognito-sync")
    pool = cognito.create_identity_pool(
        IdentityPoolName="archived", AllowUnauthenticatedIdentities=True,
        SupportedLoginProviders={"graph.facebook.com": "1234567890"},
        DeveloperProviderName=DEV_PROVIDER, IdentityPoolTags={"team": "sync", "env": "test"})
    pid = pool["IdentityPoolId"]
    cognito.set_identity_pool_roles(
        IdentityPoolId=pid, Roles={"authenticated": ROLE + "Auth", "unauthenticated": ROLE + "Unauth"},
        RoleMappings={"graph.facebook.com": {"Type": "Token", "AmbiguousRoleResolution": "Deny"}})
    cognito.set_principal_tag_attribute_map(IdentityPoolId=pid,
                                            IdentityProviderName="graph.facebook.com",
                                            UseDefaults=False, PrincipalTags={"user": "sub"})
    sync.set_identity_pool_configuration(
        IdentityPoolId=pid,
        PushSync={"ApplicationArns": ["arn:aws:sns:us-east-1:000000000000:app/GCM/app"],
                  "RoleArn": ROLE + "push"},
        CognitoStreams={"StreamName": "updates", "RoleArn": ROLE + "streams",
                        "StreamingStatus": "DISABLED"})
    # Unauthenticated identities, developer identities (with logins) and a merge (D23).
    anon = [public.get_id(IdentityPoolId=pid)["IdentityId"] for _ in range(3)]
    dev = {}
    for user in ("user-1", "user-2"):
        dev[user] = cognito.get_open_id_token_for_developer_identity(
            IdentityPoolId=pid, Logins={DEV_PROVIDER: user})["IdentityId"]
    cognito.merge_developer_identities(SourceUserIdentifier="user-2",
                                       DestinationUserIdentifier="user-1",
                                       DeveloperProviderName=DEV_PROVIDER, IdentityPoolId=pid)

    def update(identity, dataset, patches):
        token = sync.list_records(IdentityPoolId=pid, IdentityId=identity,
                                  DatasetName=dataset)["SyncSessionToken"]
        return sync.update_records(IdentityPoolId=pid, IdentityId=identity, DatasetName=dataset,
                                   SyncSessionToken=token, RecordPatches=patches)

    # Records over several revisions, a tombstone, device dates, a deleted dataset.
    update(anon[0], "settings", [{"Op": "replace", "Key": "theme", "Value": "dark", "SyncCount": 0},
                                 {"Op": "replace", "Key": "lang", "Value": "fr", "SyncCount": 0,
                                  "DeviceLastModifiedDate": 1600000000}])
    update(anon[0], "settings", [{"Op": "replace", "Key": "theme", "Value": "light", "SyncCount": 1},
                                 {"Op": "replace", "Key": "gone", "Value": "x", "SyncCount": 0}])
    update(anon[0], "settings", [{"Op": "remove", "Key": "gone", "SyncCount": 2}])
    update(anon[0], "unicode", [{"Op": "replace", "Key": "k\u00e9y", "Value": "v\u2603\U0001f600",
                                 "SyncCount": 0}])
    update(anon[1], "doomed", [{"Op": "replace", "Key": "a", "Value": "1", "SyncCount": 0}])
    sync.delete_dataset(IdentityPoolId=pid, IdentityId=anon[1], DatasetName="doomed")
    update(dev["user-1"], "profile", [{"Op": "replace", "Key": "name", "Value": "Ada",
                                       "SyncCount": 0}])
    # A device and a subscription, registered with the identity's own credentials.
    creds = public.get_credentials_for_identity(IdentityId=anon[0])["Credentials"]
    own = server.client("cognito-sync", access_key=creds["AccessKeyId"],
                        secret_key=creds["SecretKey"], session_token=creds["SessionToken"])
    device = own.register_device(IdentityPoolId=pid, IdentityId=anon[0], Platform="GCM",
                                 Token="push-token-1")["DeviceId"]
    own.subscribe_to_dataset(IdentityPoolId=pid, IdentityId=anon[0], DatasetName="settings",
                             DeviceId=device)
    sync.set_cognito_events(IdentityPoolId=pid,
                            Events={"SyncTrigger": "arn:aws:lambda:us-east-1:000000000000:function:f"})
    return {"pool": pid, "anon": anon, "dev": dev, "device": device, "credentials": creds}


def read_text(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


class ArchiveCase(unittest.TestCase):
    def tmp(self):
        d = tempfile.mkdtemp(prefix="cogsync-archive-")
        self.addCleanup(shutil.rmtree, d, True)
        return d

    def server(self, data_dir=None, config=None):
        s = CogsyncServer(config=config)
        if data_dir is not None:
            s.data_dir = data_dir
        s.start()
        self.addCleanup(s.stop)
        return s

    def stop_keep_data(self, server):
        """Stops the server and returns its data directory, which the test now owns."""
        root = server.data_dir
        server._terminate()
        server.data_dir = None
        self.addCleanup(shutil.rmtree, root, True)
        return os.path.join(root, "data")


class RoundTripTest(ArchiveCase):
    @classmethod
    def setUpClass(cls):
        cls.source = CogsyncServer().start()
        cls.state = populate(cls.source)
        # A graceful restart flushes the buffered sync-session counts, so exports taken at
        # different times in these tests see the same state.
        cls.source.restart()

    @classmethod
    def tearDownClass(cls):
        cls.source.stop()

    def source_dir(self):
        return os.path.join(self.source.data_dir, "data")

    def test_export_import_export_is_equal(self):  # D28
        work = self.tmp()
        # Exported beside the running server: a consistent snapshot.
        first = export(os.path.join(work, "a.jsonl"), self.source_dir())
        types = [line["type"] for line in first]
        self.assertEqual(types[0], "header")
        self.assertEqual(types[-1], "trailer")
        for kind in ("pool", "identity", "login", "dataset", "record", "device", "subscription"):
            self.assertIn(kind, types)
        self.assertNotIn("secret", types)
        self.assertNotIn("access_key", types)
        target = os.path.join(work, "target")
        import_archive(os.path.join(work, "a.jsonl"), target)
        second = export(os.path.join(work, "b.jsonl"), target)
        self.assertEqual(comparable(first), comparable(second))
        # What the archive carries for the pool, checked against the source's API.
        pool = [line for line in first if line["type"] == "pool"][0]
        self.assertEqual(pool["tags"], {"team": "sync", "env": "test"})
        self.assertEqual(pool["principal_tag_maps"]["graph.facebook.com"]["PrincipalTags"],
                         {"user": "sub"})
        self.assertEqual(pool["events"]["SyncTrigger"],
                         "arn:aws:lambda:us-east-1:000000000000:function:f")
        tomb = [r for r in first if r["type"] == "record" and r["key"] == "gone"][0]
        self.assertIsNone(tomb["value"])
        deleted = [d for d in first if d["type"] == "dataset" and d["name"] == "doomed"][0]
        self.assertTrue(deleted["deleted"])
        merged = [i for i in first if i["type"] == "identity" and i["disabled"]]
        self.assertEqual(len(merged), 1)

    def test_gzip_and_stdout(self):
        work = self.tmp()
        proc = run_cogsync("export", "--data-dir", self.source_dir(), "--quiet", "--gzip")
        self.assertEqual(proc.stdout[:2], b"\x1f\x8b")
        lines = [json.loads(x) for x in gzip.decompress(proc.stdout).decode().splitlines()]
        export_plain = export(os.path.join(work, "p.jsonl"), self.source_dir())
        self.assertEqual(comparable(lines), comparable(export_plain))
        # Import reads gzip from stdin as well.
        target = os.path.join(work, "t")
        run_cogsync("import", "--data-dir", target, "--input", "-", "--quiet",
                    input_bytes=proc.stdout)
        self.assertEqual(comparable(export(os.path.join(work, "q.jsonl"), target)),
                         comparable(lines))

    def test_progress_line_only_on_a_terminal(self):
        work = self.tmp()
        piped = run_cogsync("export", "--data-dir", self.source_dir(), "--output",
                            os.path.join(work, "p.jsonl"))
        self.assertNotIn(b"records/s", piped.stderr)
        self.assertIn(b"exported 1 pools, 5 identities", piped.stderr)  # the summary
        controller, terminal = pty.openpty()
        try:
            proc = subprocess.run([server_binary(), "export", "--data-dir", self.source_dir(),
                                   "--output", os.path.join(work, "t.jsonl")],
                                  stderr=terminal, stdout=subprocess.DEVNULL, timeout=60)
            os.close(terminal)
            terminal = None
            shown = b""
            while True:
                try:
                    chunk = os.read(controller, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                shown += chunk
        finally:
            if terminal is not None:
                os.close(terminal)
            os.close(controller)
        self.assertEqual(proc.returncode, 0)
        self.assertRegex(shown, rb"\rexported 5 identities, 5 records \(\d+ records/s\)")

    def test_import_twice_is_idempotent_and_conflicts_follow_the_policy(self):  # D28
        work = self.tmp()
        archive = os.path.join(work, "a.jsonl")
        original = export(archive, self.source_dir())
        target = os.path.join(work, "t")
        import_archive(archive, target)
        again = import_archive(archive, target)  # the same archive: already imported
        self.assertIn(b"imported from this archive before", again.stderr)
        self.assertEqual(comparable(export(os.path.join(work, "x.jsonl"), target)),
                         comparable(original))
        # Another export of the same pool is a conflict: fail refuses, skip keeps, replace takes.
        other = os.path.join(work, "b.jsonl")
        export(other, self.source_dir())
        failed = import_archive(other, target, check=False)
        self.assertEqual(failed.returncode, 1)
        self.assertIn(f"identity pool {self.state['pool']} already exists".encode(), failed.stderr)
        skipped = import_archive(other, target, extra=["--on-conflict", "skip"])
        self.assertIn(b"skipped pool (already in the store)", skipped.stderr)
        replaced = import_archive(other, target, extra=["--on-conflict", "replace"])
        self.assertIn(b"replaced pool", replaced.stderr)
        self.assertEqual(comparable(export(os.path.join(work, "y.jsonl"), target)),
                         comparable(original))

    def test_pool_and_identity_scopes(self):
        work = self.tmp()
        anon0 = self.state["anon"][0]
        lines = export(os.path.join(work, "me.jsonl"), self.source_dir(),
                       extra=["--identity", anon0])
        identities = [x["id"] for x in lines if x["type"] == "identity"]
        self.assertEqual(identities, [anon0])
        self.assertEqual(lines[0]["scope"]["identities"], [anon0])
        owners = {x.get("identity_id") for x in lines
                  if x["type"] in ("login", "dataset", "record", "device", "subscription")}
        self.assertEqual(owners, {anon0})
        self.assertEqual({r["key"] for r in lines if r["type"] == "record"},
                         {"theme", "lang", "gone", "k\u00e9y"})
        missing = run_cogsync("export", "--data-dir", self.source_dir(), "--pool",
                              "us-east-1:00000000-0000-0000-0000-000000000000", check=False)
        self.assertEqual(missing.returncode, 1)
        self.assertIn(b"not found", missing.stderr)

    def test_secrets_only_when_asked_and_the_file_is_private(self):  # D28
        work = self.tmp()
        path = os.path.join(work, "secret.jsonl")
        lines = export(path, self.source_dir(), extra=["--include-secrets"])
        self.assertEqual(file_mode(path), 0o600)
        self.assertTrue(lines[0]["secrets"])
        names = {x["name"] for x in lines if x["type"] == "secret"}
        self.assertEqual(names, {"token-hmac-key", "openid-rs256-private-key"})
        self.assertTrue(any(x["type"] == "access_key" for x in lines))
        plain = os.path.join(work, "plain.jsonl")
        without = export(plain, self.source_dir())
        self.assertFalse(without[0]["secrets"])
        self.assertEqual([x for x in without if x["type"] in ("secret", "access_key")], [])

    def test_tokens_stay_valid_with_secrets_and_clients_reauthenticate_without(self):  # D28
        work = self.tmp()
        pid, anon0 = self.state["pool"], self.state["anon"][0]
        creds = self.source.unsigned_client().get_credentials_for_identity(
            IdentityId=anon0)["Credentials"]
        token = self.source.client().get_open_id_token_for_developer_identity(
            IdentityPoolId=pid, Logins={DEV_PROVIDER: "user-1"})
        with_secrets = os.path.join(work, "s.jsonl")
        export(with_secrets, self.source_dir(), extra=["--include-secrets"])
        without = os.path.join(work, "n.jsonl")
        export(without, self.source_dir())

        root = self.tmp()
        import_archive(with_secrets, os.path.join(root, "data"))
        restored = self.server(data_dir=root)
        own = restored.identity_client(creds)
        own_sync = restored.client("cognito-sync", access_key=creds["AccessKeyId"],
                                   secret_key=creds["SecretKey"],
                                   session_token=creds["SessionToken"])
        records = own_sync.list_records(IdentityPoolId=pid, IdentityId=anon0,
                                        DatasetName="settings")
        self.assertEqual({r["Key"]: r.get("Value") for r in records["Records"]},
                         {"theme": "light", "lang": "fr", "gone": None})
        # The OpenID token minted before the export is still accepted for credentials.
        got = restored.unsigned_client().get_credentials_for_identity(
            IdentityId=token["IdentityId"],
            Logins={"cognito-identity.amazonaws.com": token["Token"]})
        self.assertEqual(got["IdentityId"], token["IdentityId"])
        del own

        root2 = self.tmp()
        import_archive(without, os.path.join(root2, "data"))
        fresh = self.server(data_dir=root2)
        stale = fresh.client("cognito-sync", access_key=creds["AccessKeyId"],
                             secret_key=creds["SecretKey"], session_token=creds["SessionToken"])
        with self.assertRaises(ClientError):
            stale.list_records(IdentityPoolId=pid, IdentityId=anon0, DatasetName="settings")
        # Authenticating again keeps the identity id and its data.
        again = fresh.client().get_open_id_token_for_developer_identity(
            IdentityPoolId=pid, Logins={DEV_PROVIDER: "user-1"})
        self.assertEqual(again["IdentityId"], self.state["dev"]["user-1"])
        new_creds = fresh.unsigned_client().get_credentials_for_identity(
            IdentityId=anon0)["Credentials"]
        mine = fresh.client("cognito-sync", access_key=new_creds["AccessKeyId"],
                            secret_key=new_creds["SecretKey"],
                            session_token=new_creds["SessionToken"])
        self.assertEqual(len(mine.list_records(IdentityPoolId=pid, IdentityId=anon0,
                                               DatasetName="settings")["Records"]), 3)

    def test_sqlite_to_postgresql_and_back_is_equal(self):  # D28
        work = self.tmp()
        archive = os.path.join(work, "a.jsonl.gz")
        first = export(archive, self.source_dir())
        pg = PostgresServer()
        pg.start()
        self.addCleanup(pg.stop)
        url = pg.create_database()
        import_archive(archive, store=url)
        second = export(os.path.join(work, "b.jsonl"), store=url)
        self.assertEqual(comparable(first), comparable(second))
        # And a PostgreSQL backup is an archive with secrets that restores into SQLite.
        backup = os.path.join(work, "pg-backup.jsonl.gz")
        run_cogsync("backup", "--store", url, "--output", backup)
        self.assertEqual(file_mode(backup), 0o600)
        target = os.path.join(work, "sqlite")
        run_cogsync("restore", "--data-dir", target, "--input", backup)
        self.assertEqual(comparable(export(os.path.join(work, "c.jsonl"), target)),
                         comparable(first))


class BadArchiveTest(ArchiveCase):
    """Each bad archive is refused naming the line and the reason; the target is unchanged."""

    @classmethod
    def setUpClass(cls):
        cls.work = tempfile.mkdtemp(prefix="cogsync-bad-")
        cls.target = os.path.join(cls.work, "target")
        good = ArchiveBuilder(pool_count=1)
        good.pool(pool_id(1))
        good.identity(pool_id(1), identity_id(1))
        good.dataset(pool_id(1), identity_id(1), "ds", {"a": "1"})
        good.write(os.path.join(cls.work, "good.jsonl"))
        import_archive(os.path.join(cls.work, "good.jsonl"), cls.target)
        cls.before = comparable(export(os.path.join(cls.work, "before.jsonl"), cls.target))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.work, True)

    def refused(self, path, line, reason):
        proc = import_archive(path, self.target, check=False)
        message = proc.stderr.decode("utf-8", "replace")
        self.assertEqual(proc.returncode, 1, message)
        self.assertIn(f"line {line}", message)
        self.assertIn(reason, message)
        after = comparable(export(os.path.join(self.work, "after.jsonl"), self.target))
        self.assertEqual(after, self.before)
        return message

    def builder(self, n=2):
        b = ArchiveBuilder(pool_count=1)
        b.pool(pool_id(n))
        b.identity(pool_id(n), identity_id(n))
        return b

    def path(self, name):
        return os.path.join(self.work, name)

    def test_truncated(self):
        b = self.builder()
        b.dataset(pool_id(2), identity_id(2), "ds", {"k": "v"})
        b.write(self.path("t.jsonl"), trailer=False)
        self.refused(self.path("t.jsonl"), 6, "truncated")
        # Cut in the middle of a line.
        data = b.bytes()
        with open(self.path("t2.jsonl"), "wb") as f:
            f.write(data[:-10])
        self.refused(self.path("t2.jsonl"), 6, "truncated")

    def test_checksum(self):
        b = self.builder()
        b.dataset(pool_id(2), identity_id(2), "ds", {"k": "v"})
        data = b.bytes().replace(b'"value":"v"', b'"value":"w"')
        with open(self.path("c.jsonl"), "wb") as f:
            f.write(data)
        self.refused(self.path("c.jsonl"), 6, "checksum mismatch")

    def test_newer_version(self):
        b = ArchiveBuilder(pool_count=0, version=2)
        b.write(self.path("v.jsonl"))
        self.refused(self.path("v.jsonl"), 1, "archive format version 2 is newer")

    def test_not_an_archive(self):
        with open(self.path("n.jsonl"), "w") as f:
            f.write('{"hello": 1}\n')
        self.refused(self.path("n.jsonl"), 1, "not a cogsync archive")

    def test_dataset_name_pattern(self):  # D19
        b = self.builder()
        b.dataset(pool_id(2), identity_id(2), "bad/name", {"k": "v"})
        b.write(self.path("d.jsonl"))
        self.refused(self.path("d.jsonl"), 4, "does not match ^[a-zA-Z0-9_.:-]{1,128}$")

    def test_record_over_the_size_limit(self):  # D19
        b = self.builder()
        b.dataset(pool_id(2), identity_id(2), "ds", {"k": "x" * (1024 * 1024 + 1)})
        b.write(self.path("r.jsonl"))
        self.refused(self.path("r.jsonl"), 5, "longer than 1048576 bytes")

    def test_twenty_first_dataset(self):  # D19
        b = self.builder()
        for i in range(21):
            b.dataset(pool_id(2), identity_id(2), f"ds{i:02d}", {"k": "v"})
        b.write(self.path("21.jsonl"))
        self.refused(self.path("21.jsonl"), 3 + 2 * 20 + 1, "more than 20 datasets")

    def test_tombstones_past_the_bound(self):  # D16
        b = self.builder()
        n = 4097
        b.add({"type": "dataset", "identity_id": identity_id(2), "name": "ds",
               "pool_id": pool_id(2), "sync_count": n, "created_ms": 1700000000000,
               "modified_ms": 1700000000000, "modified_by": "developer", "data_storage": 0,
               "num_records": 0, "deleted": False, "last_deleted_at": 0,
               "merged_into_name": ""})
        for i in range(n):
            b.record(identity_id(2), "ds", f"k{i:05d}", None, i + 1)
        b.write(self.path("tomb.jsonl"))
        self.refused(self.path("tomb.jsonl"), 4 + n, "more than 4096 removed records")

    def test_deleted_dataset_markers_past_the_bound(self):  # D19
        b = self.builder()
        for i in range(9):
            b.add({"type": "dataset", "identity_id": identity_id(2), "name": f"gone{i}",
                   "pool_id": pool_id(2), "sync_count": 3, "created_ms": 1700000000000,
                   "modified_ms": 1700000000000, "modified_by": "developer", "data_storage": 0,
                   "num_records": 0, "deleted": True, "last_deleted_at": 3,
                   "merged_into_name": ""})
        b.write(self.path("markers.jsonl"))
        self.refused(self.path("markers.jsonl"), 3 + 9, "more than 8 deleted datasets")

    def test_counts_that_lie(self):
        b = self.builder()
        b.dataset(pool_id(2), identity_id(2), "ds", {"k": "v"})
        b.lines[3] = b.lines[3].replace(b'"num_records":1', b'"num_records":2')
        b.write(self.path("l.jsonl"))
        self.refused(self.path("l.jsonl"), 6, "declares 2 records")

    def test_duplicate_ids(self):
        b = self.builder()
        b.identity(pool_id(2), identity_id(2))
        b.write(self.path("dup.jsonl"))
        self.refused(self.path("dup.jsonl"), 4, "out of order or repeated")
        # An identity the store already has, under another pool.
        b = ArchiveBuilder(pool_count=1)
        b.pool(pool_id(3))
        b.identity(pool_id(3), identity_id(1))
        b.write(self.path("dup2.jsonl"))
        self.refused(self.path("dup2.jsonl"), 3, "already exists in the store (in pool")

    def test_identity_of_an_unknown_pool(self):
        b = self.builder()
        b.identity(pool_id(9), identity_id(9))
        b.write(self.path("u.jsonl"))
        self.refused(self.path("u.jsonl"), 4, "unknown pool")

    def test_gzip_bomb(self):
        # Lines that are each valid JSON, padded with 6 MiB of blanks: 30 of them inflate to
        # 180 MiB from about 180 KiB. Refused as a bomb once past 64 MiB, at a line before the end.
        path = self.path("bomb.jsonl.gz")
        b = ArchiveBuilder(pool_count=1)
        b.pool(pool_id(4))
        with gzip.open(path, "wb", compresslevel=9) as f:
            for line in b.lines:
                f.write(line)
            for i in range(30):
                f.write(b'{"type":"identity",' + b" " * (6 << 20) + json.dumps({
                    "id": identity_id(100 + i), "pool_id": pool_id(4), "created_ms": 1,
                    "modified_ms": 1, "disabled": False, "merged_into": ""})[1:].encode() + b"\n")
        self.assertLess(os.path.getsize(path), 1 << 20)
        message = self.refused(path, "", "(a gzip bomb?)")
        line = int(message.split("line ")[1].split(":")[0])
        self.assertTrue(10 <= line < 33, message)
        # Blank lines compress as well, and are refused at the first one.
        with gzip.open(self.path("blank.jsonl.gz"), "wb", compresslevel=9) as f:
            f.write(b.lines[0])
            f.write(b"\n" * (256 << 20))
        self.refused(self.path("blank.jsonl.gz"), 2, "not a JSON object")

    def test_ten_gigabyte_line(self):
        # A sparse 10 GB file of one line without a newline: refused after 8 MiB, not allocated.
        path = self.path("huge.jsonl")
        with open(path, "wb") as f:
            f.write(ArchiveBuilder(pool_count=0).lines[0])
            f.truncate(10 * 1000 ** 3)
        self.addCleanup(os.unlink, path)
        started = time.monotonic()
        self.refused(path, 2, "longer than 8388608 bytes")
        self.assertLess(time.monotonic() - started, 60)


class KillDuringImportTest(ArchiveCase):
    def test_kill_9_then_rerun_equals_an_uninterrupted_import(self):  # D28
        work = self.tmp()
        b = ArchiveBuilder(pool_count=2)
        for p in (1, 2):
            b.pool(pool_id(p))
            for i in range(p * 1000, p * 1000 + 400):
                b.identity(pool_id(p), identity_id(i))
                b.dataset(pool_id(p), identity_id(i), "data",
                          {f"key{k:03d}": "value-" * 20 for k in range(100)})
        archive = b.write(os.path.join(work, "big.jsonl"))
        # The reference: an uninterrupted import.
        reference = os.path.join(work, "reference")
        import_archive(archive, reference)
        expected = comparable(export(os.path.join(work, "ref.jsonl"), reference))

        target = os.path.join(work, "target")
        killed = False
        for delay in (0.3, 0.8, 1.5):
            shutil.rmtree(target, True)
            proc = subprocess.Popen([server_binary(), "import", "--data-dir", target, "--input",
                                     archive, "--quiet"], stderr=subprocess.PIPE)
            time.sleep(delay)
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                killed = True
                break
            proc.wait()
        self.assertTrue(killed, "the import finished before it could be killed")
        # Nothing half-imported: the store holds no pool at all.
        partial = export(os.path.join(work, "partial.jsonl"), target)
        self.assertEqual([x for x in partial if x["type"] == "pool"], [])
        import_archive(archive, target)
        self.assertEqual(comparable(export(os.path.join(work, "after.jsonl"), target)), expected)


class BackupUnderLoadTest(ArchiveCase):
    def test_restore_of_an_online_backup_has_every_write_acknowledged_before_it(self):
        source = self.server()
        cognito = source.client()
        sync = source.client("cognito-sync")
        pid = cognito.create_identity_pool(IdentityPoolName="load",
                                           AllowUnauthenticatedIdentities=True)["IdentityPoolId"]
        identities = [source.unsigned_client().get_id(IdentityPoolId=pid)["IdentityId"]
                      for _ in range(4)]
        acknowledged = []  # (monotonic time of the answer, identity, key)
        lock = threading.Lock()
        stop = threading.Event()
        errors = []

        def writer(identity):
            client = CogsyncServer.client(source, "cognito-sync")
            n = 0
            while not stop.is_set():
                try:
                    token = client.list_records(IdentityPoolId=pid, IdentityId=identity,
                                                DatasetName="load", MaxResults=1)
                    client.update_records(
                        IdentityPoolId=pid, IdentityId=identity, DatasetName="load",
                        SyncSessionToken=token["SyncSessionToken"],
                        RecordPatches=[{"Op": "replace", "Key": f"k{n % 900}",
                                        "Value": str(n), "SyncCount": 0 if n < 900 else
                                        self._count(client, pid, identity, f"k{n % 900}")}])
                    with lock:
                        acknowledged.append((time.monotonic(), identity, f"k{n % 900}", str(n)))
                    n += 1
                except Exception as e:  # noqa: BLE001 - reported below
                    errors.append(repr(e))
                    return

        threads = [threading.Thread(target=writer, args=(i,)) for i in identities]
        for t in threads:
            t.start()
        time.sleep(1.5)
        backup = os.path.join(self.tmp(), "backup.db")
        began = time.monotonic()
        run_cogsync("backup", "--data-dir", os.path.join(source.data_dir, "data"),
                    "--output", backup)
        time.sleep(0.5)
        stop.set()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        self.assertEqual(file_mode(backup), 0o600)
        before = [a for a in acknowledged if a[0] < began]
        self.assertGreater(len(before), 10)
        self.assertGreater(len(acknowledged), len(before))

        root = self.tmp()
        run_cogsync("restore", "--data-dir", os.path.join(root, "data"), "--input", backup)
        restored = self.server(data_dir=root)
        rsync = restored.client("cognito-sync")
        latest_before = {}
        for _, identity, key, value in before:
            latest_before[(identity, key)] = int(value)
        for identity in identities:
            records = {}
            token = None
            while True:
                kwargs = {"NextToken": token} if token else {}
                page = rsync.list_records(IdentityPoolId=pid, IdentityId=identity,
                                          DatasetName="load", MaxResults=1024, **kwargs)
                records.update({r["Key"]: int(r["Value"]) for r in page["Records"]})
                token = page.get("NextToken")
                if not token:
                    break
            for (owner, key), value in latest_before.items():
                if owner == identity:
                    self.assertGreaterEqual(records.get(key, -1), value, (identity, key))
        # A second backup to the same path is refused: nothing is overwritten.
        again = run_cogsync("backup", "--data-dir", os.path.join(root, "data"), "--output",
                            backup, check=False)
        self.assertEqual(again.returncode, 1)

    @staticmethod
    def _count(client, pid, identity, key):
        for r in client.list_records(IdentityPoolId=pid, IdentityId=identity,
                                     DatasetName="load", MaxResults=1024)["Records"]:
            if r["Key"] == key:
                return r["SyncCount"]
        return 0

    def test_restore_refuses_while_the_server_runs(self):
        source = self.server()
        backup = os.path.join(self.tmp(), "b.db")
        data = os.path.join(source.data_dir, "data")
        run_cogsync("backup", "--data-dir", data, "--output", backup)
        proc = run_cogsync("restore", "--data-dir", data, "--input", backup, check=False)
        self.assertEqual(proc.returncode, 1)
        self.assertIn(b"in use by another cogsync server", proc.stderr)
        proc = run_cogsync("import", "--data-dir", data, "--input", backup, check=False)
        self.assertEqual(proc.returncode, 1)


class StreamsIngestTest(ArchiveCase):
    def test_file_sink_records_load_back_idempotently(self):
        work = self.tmp()
        streams_dir = os.path.join(work, "streams")
        source = self.server(config={"integrations": {"stream_files_dir": streams_dir}})
        cognito, sync = source.client(), source.client("cognito-sync")
        pid = cognito.create_identity_pool(IdentityPoolName="streamed",
                                           AllowUnauthenticatedIdentities=True)["IdentityPoolId"]
        sync.set_identity_pool_configuration(
            IdentityPoolId=pid, CognitoStreams={"StreamName": "s", "RoleArn": ROLE + "streams",
                                                "StreamingStatus": "ENABLED"})
        # The pool alone goes first (the streams hold only dataset changes).
        pool_only = os.path.join(work, "pool.jsonl")
        export(pool_only, os.path.join(source.data_dir, "data"), extra=["--pool", pid])
        ident = source.unsigned_client().get_id(IdentityPoolId=pid)["IdentityId"]

        def update(dataset, patches):
            token = sync.list_records(IdentityPoolId=pid, IdentityId=ident,
                                      DatasetName=dataset)["SyncSessionToken"]
            sync.update_records(IdentityPoolId=pid, IdentityId=ident, DatasetName=dataset,
                                SyncSessionToken=token, RecordPatches=patches)

        update("a", [{"Op": "replace", "Key": "x", "Value": "1", "SyncCount": 0},
                     {"Op": "replace", "Key": "y", "Value": "2", "SyncCount": 0}])
        update("a", [{"Op": "replace", "Key": "x", "Value": "3", "SyncCount": 1},
                     {"Op": "remove", "Key": "y", "SyncCount": 1}])
        update("b", [{"Op": "replace", "Key": "z", "Value": "9", "SyncCount": 0}])
        sync.delete_dataset(IdentityPoolId=pid, IdentityId=ident, DatasetName="b")
        stream_file = os.path.join(streams_dir, pid + ".jsonl")
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if os.path.exists(stream_file) and len(read_text(stream_file).splitlines()) >= 4:
                break
            time.sleep(0.1)
        self.assertEqual(len(read_text(stream_file).splitlines()), 4)

        target = os.path.join(work, "target")
        import_archive(pool_only, target)
        run_cogsync("import", "--streams", "--data-dir", target, "--input", stream_file)
        once = export(os.path.join(work, "once.jsonl"), target)
        # Again, and the lines in reverse order: the same store (AWS promises neither
        # uniqueness nor order).
        lines = read_text(stream_file).splitlines()
        reversed_file = os.path.join(work, "reversed.jsonl")
        with open(reversed_file, "w") as f:
            f.write("\n".join(reversed(lines)) + "\n")
        run_cogsync("import", "--streams", "--data-dir", target, "--input", reversed_file)
        twice = export(os.path.join(work, "twice.jsonl"), target)
        self.assertEqual(comparable(once), comparable(twice))
        records = {r["key"]: r for r in once if r["type"] == "record"}
        self.assertEqual(records["x"]["value"], "3")
        self.assertIsNone(records["y"]["value"])
        self.assertEqual(records["x"]["sync_count"], 2)
        datasets = {d["name"]: d for d in once if d["type"] == "dataset"}
        self.assertEqual(datasets["a"]["sync_count"], 2)
        self.assertEqual(datasets["a"]["num_records"], 1)
        self.assertTrue(datasets["b"]["deleted"])
        # The source agrees on what the client sees.
        src = sync.list_records(IdentityPoolId=pid, IdentityId=ident, DatasetName="a")
        self.assertEqual(src["DatasetSyncCount"], datasets["a"]["sync_count"])

        # AWS's own shape, as `aws kinesis get-records` prints it: base64 Data.
        kinesis = {"Records": [{"SequenceNumber": "1", "PartitionKey": "p",
                                "Data": base64.b64encode(json.dumps({
                                    "identityPoolId": pid, "identityId": ident,
                                    "dataSetName": "c", "operation": "replace",
                                    "kinesisSyncRecords": [{
                                        "key": "q", "value": "v", "syncCount": 1,
                                        "lastModifiedDate": 1700000000000,
                                        "deviceLastModifiedDate": 1700000000000,
                                        "op": "replace"}],
                                    "lastModifiedDate": 1700000000000, "syncCount": 1,
                                    "payloadType": "Inline"}).encode()).decode()}]}
        kfile = os.path.join(work, "kinesis.jsonl")
        with open(kfile, "w") as f:
            f.write(json.dumps(kinesis) + "\n")
        run_cogsync("import", "--streams", "--data-dir", target, "--input", kfile)
        got = export(os.path.join(work, "k.jsonl"), target)
        self.assertIn(("c", "q", "v"), {(r["dataset"], r["key"], r["value"]) for r in got
                                        if r["type"] == "record"})
        # A record of a pool the store does not have: refused with its line, nothing changes.
        bad = os.path.join(work, "bad.jsonl")
        with open(bad, "w") as f:
            f.write(lines[0] + "\n" + lines[0].replace(pid, pid[:-4] + "ffff") + "\n")
        proc = run_cogsync("import", "--streams", "--data-dir", target, "--input", bad,
                           check=False)
        self.assertEqual(proc.returncode, 1)
        self.assertIn(b"line 2: unknown identity pool", proc.stderr)
        self.assertEqual(comparable(export(os.path.join(work, "k2.jsonl"), target)),
                         comparable(got))


if __name__ == "__main__":
    unittest.main()
