"""`cogsync migrate` (issue 15) and the target: a pool the target already holds, identities
deleted at the source, the target's limits (D19). A second cogsync plays AWS behind
support/source_proxy.py; each test seeds a small pool of its own there with boto3.

- a target pool of the same id that this migration did not copy is refused (nothing written)
  unless told --on-conflict merge or replace; the migration's own reruns are not conflicts;
- identities deleted at the source (DeleteIdentities) leave the target in the next pass;
- identities over the target's limits are reported item by item and not copied (exit code 3).
"""

import json
import os
import unittest
import uuid

from botocore.exceptions import ClientError

from support import migrate_tools as tools
from support.archive_tools import ArchiveBuilder, import_archive
from support.cogsync_server import CogsyncServer
from support.identity_case import unique_name
from support.source_proxy import SourceProxy

source = proxy = None


def setUpModule():
    global source, proxy
    source = CogsyncServer().start()
    proxy = SourceProxy(source.port).start()


def tearDownModule():
    for thing in (proxy, source):
        if thing is not None:
            thing.stop()


def put(pool, identity, dataset, records):
    """Writes {key: value} into the dataset at the source as a developer."""
    sync = source.client("cognito-sync")
    listed = sync.list_records(IdentityPoolId=pool, IdentityId=identity, DatasetName=dataset)
    sync.update_records(IdentityPoolId=pool, IdentityId=identity, DatasetName=dataset,
                        SyncSessionToken=listed["SyncSessionToken"], RecordPatches=[
                            {"Op": "replace", "Key": k, "Value": v, "SyncCount": 0}
                            for k, v in records.items()])


def seed_pool(identities=3, tags=None):
    """A pool at the source with `identities` identities, each with one dataset."""
    pool = source.client().create_identity_pool(
        IdentityPoolName=unique_name("mig"), AllowUnauthenticatedIdentities=True,
        IdentityPoolTags=tags or {"app": "field"})["IdentityPoolId"]
    ids = [source.unsigned_client().get_id(IdentityPoolId=pool)["IdentityId"]
           for _ in range(identities)]
    for n, identity in enumerate(ids):
        put(pool, identity, "state", {"level": str(n), "name": f"player-{n}"})
    return pool, ids


def target_with_own_pool(case, pool):
    """The target holds `pool` (loaded by cogsync import, not by a migration) with an
    identity and a dataset of its own."""
    data = tools.target_dir(case)
    own = f"{pool.split(':')[0]}:{uuid.uuid4()}"
    b = ArchiveBuilder(1)
    b.pool(pool, name="the-targets-own")
    b.identity(pool, own)
    b.dataset(pool, own, "local", {"k": "v"})
    path = os.path.join(os.path.dirname(data), "own.jsonl")
    b.write(path)
    import_archive(path, data_dir=data)
    return data, own


class TargetCase(unittest.TestCase):
    def setUp(self):
        proxy.operations.clear()

    def serve(self, data_dir):
        server = CogsyncServer()
        server.data_dir = os.path.dirname(data_dir)
        server.start()
        self.addCleanup(server._terminate)
        return server

    def assertGone(self, server, identity):
        with self.assertRaises(ClientError) as caught:
            server.client().describe_identity(IdentityId=identity)
        self.assertEqual(caught.exception.response["Error"]["Code"], "ResourceNotFoundException")


class ConflictTest(TargetCase):
    """A target that already holds a pool with the source pool's id."""

    def test_refused_without_on_conflict_and_nothing_is_written(self):  # D29
        pool, _ = seed_pool()
        data, _ = target_with_own_pool(self, pool)
        before = tools.exported(data)
        code, out, err = tools.run_migrate(proxy.endpoint, data, [pool])
        self.assertEqual(code, 1, out + err)
        self.assertIn(f"identity pool {pool} already exists in the target", err)
        self.assertIn("Nothing was written", err)
        self.assertIn("--on-conflict merge", err)
        self.assertEqual(tools.exported(data), before)
        # Only the pool listing was needed to decide: no identity was read.
        self.assertEqual(proxy.operations["ListDatasets"], 0, dict(proxy.operations))
        # A bad --on-conflict value is a usage error.
        code, out, err = tools.run_migrate(proxy.endpoint, data, [pool], "--on-conflict", "yes")
        self.assertEqual(code, 2, out + err)
        self.assertIn("--on-conflict must be refuse, merge or replace", err)

    def test_another_sources_migration_is_a_conflict_too(self):
        pool, _ = seed_pool()
        data = tools.target_dir(self)
        self.assertEqual(tools.run_migrate(proxy.endpoint, data, [pool])[0], 0)
        # The same endpoint spelled without its trailing slash is the same migration.
        code, out, err = tools.run_migrate(proxy.endpoint.rstrip("/"), data, [pool])
        self.assertEqual(code, 0, out + err)
        before = tools.exported(data)
        # The same pool read from another endpoint is another migration's.
        code, out, err = tools.run_migrate(source.endpoint, data, [pool])
        self.assertEqual(code, 1, out + err)
        self.assertIn(f"copied by a migration from {proxy.endpoint.rstrip('/')})", err)
        self.assertEqual(tools.exported(data), before)

    def test_merge_copies_into_the_pool_and_keeps_the_targets_own_identities(self):  # D29
        pool, ids = seed_pool()
        data, own = target_with_own_pool(self, pool)
        code, out, err = tools.run_migrate(proxy.endpoint, data, [pool], "--on-conflict", "merge")
        self.assertEqual(code, 0, out + err)
        self.assertIn(f"merged into: identity pool {pool} already exists", out)
        self.assertIn("kept: 1 identities of the target", out)
        # The pool is now this migration's: the next pass (the delta) needs no flag.
        code, out, err = tools.run_migrate(proxy.endpoint, data, [pool])
        self.assertEqual(code, 0, out + err)
        target = self.serve(data)
        described = target.client().describe_identity_pool(IdentityPoolId=pool)
        self.assertEqual(described["IdentityPoolName"],
                         source.client().describe_identity_pool(
                             IdentityPoolId=pool)["IdentityPoolName"])
        self.assertEqual(described["IdentityPoolTags"], {"app": "field"})
        listed = {i["IdentityId"] for i in target.client().list_identities(
            IdentityPoolId=pool, MaxResults=60)["Identities"]}
        self.assertEqual(listed, set(ids) | {own})
        records = target.client("cognito-sync").list_records(
            IdentityPoolId=pool, IdentityId=own, DatasetName="local")["Records"]
        self.assertEqual([(r["Key"], r["Value"]) for r in records], [("k", "v")])
        for identity in ids:
            self.assertEqual(tools.view(target, pool)["identities"][identity],
                             tools.view(source, pool)["identities"][identity])

    def test_replace_deletes_the_targets_pool_first(self):  # D29
        pool, _ = seed_pool()
        data, own = target_with_own_pool(self, pool)
        code, out, err = tools.run_migrate(proxy.endpoint, data, [pool],
                                           "--on-conflict", "replace")
        self.assertEqual(code, 0, out + err)
        self.assertIn(f"replaced: identity pool {pool} already exists", out)
        target = self.serve(data)
        self.assertGone(target, own)
        self.assertEqual(tools.view(target, pool), tools.view(source, pool))


class ConflictWithAFailingSourceTest(TargetCase):
    def test_a_replace_that_cannot_read_the_source_replaces_nothing(self):  # D29
        pool, _ = seed_pool()
        data, _ = target_with_own_pool(self, pool)
        before = tools.exported(data)
        proxy.break_after = 0  # every request answered 500
        try:
            code, out, err = tools.run_migrate(proxy.endpoint, data, [pool], "--on-conflict",
                                               "replace", "--max-attempts", "1")
        finally:
            proxy.break_after = None
        self.assertEqual(code, 1, out + err)
        self.assertIn(f"not copied: pool {pool} stopped: the source answered "
                      "InternalErrorException", out)
        self.assertNotIn("replaced:", out)
        self.assertEqual(tools.exported(data), before)


class SyncRefusedTest(TargetCase):
    def test_a_source_refusing_cognito_sync_still_gives_its_identities(self):  # D29
        pool, ids = seed_pool()
        data = tools.target_dir(self)
        proxy.sync_answer = (403, "AccessDeniedException", "no access to Cognito Sync")
        try:
            code, out, err = tools.run_migrate(proxy.endpoint, data, [pool])
        finally:
            proxy.sync_answer = None
        self.assertEqual(code, 1, out + err)
        self.assertIn(f"not copied: datasets of pool {pool} could not be read (its identities "
                      "were copied without them): the source answered AccessDeniedException: "
                      "no access to Cognito Sync", out)
        self.assertRegex(out, rf"pool {pool}: 3 identities, 0 datasets copied")
        target = self.serve(data)
        listed = target.client().list_identities(IdentityPoolId=pool, MaxResults=60)
        self.assertEqual(sorted(i["IdentityId"] for i in listed["Identities"]), sorted(ids))
        self.assertEqual(target.client("cognito-sync").list_datasets(
            IdentityPoolId=pool, IdentityId=ids[0])["Datasets"], [])
        target._terminate()
        # Once the source serves Sync again the next pass copies the datasets.
        code, out, err = tools.run_migrate(proxy.endpoint, data, [pool])
        self.assertEqual(code, 0, out + err)
        self.assertRegex(out, rf"pool {pool}: 3 identities, 3 datasets copied")
        self.assertEqual(tools.view(self.serve(data), pool), tools.view(source, pool))


class DeletedAtSourceTest(TargetCase):
    def test_identities_deleted_at_the_source_leave_the_target_in_the_delta_pass(self):  # D29
        pool, ids = seed_pool(4)
        data = tools.target_dir(self)
        self.assertEqual(tools.run_migrate(proxy.endpoint, data, [pool])[0], 0)
        source.client().delete_identities(IdentityIdsToDelete=ids[:2])
        proxy.operations.clear()
        code, out, err = tools.run_migrate(proxy.endpoint, data, [pool])
        self.assertEqual(code, 0, out + err)
        self.assertRegex(out, rf"pool {pool}: .* 2 identities deleted")
        # Each one is confirmed at the source before it is deleted here.
        self.assertEqual(proxy.operations["DescribeIdentity"], 2, dict(proxy.operations))
        target = self.serve(data)
        for gone in ids[:2]:
            self.assertGone(target, gone)
            # Its dataset went with it, as at the source.
            answers = [tools.without_metadata(server.client("cognito-sync").list_records(
                IdentityPoolId=pool, IdentityId=gone, DatasetName="state"))
                for server in (target, source)]
            for answer in answers:
                answer.pop("SyncSessionToken")
            self.assertEqual(answers[0], answers[1])
            self.assertEqual(answers[0]["Records"], [])
            self.assertFalse(answers[0]["DatasetExists"])
        # The others are untouched: the target shows what the source shows.
        self.assertEqual(tools.view(target, pool), tools.view(source, pool))
        # Another pass finds nothing more to delete.
        target._terminate()
        code, out, err = tools.run_migrate(proxy.endpoint, data, [pool])
        self.assertEqual(code, 0, out + err)
        self.assertRegex(out, rf"pool {pool}: .* 0 identities deleted")


class LimitsTest(TargetCase):  # D19
    def test_identities_over_the_targets_limits_are_reported_item_by_item(self):
        pool, ids = seed_pool(4)
        many, wide, large, fine = ids
        put(pool, many, "big", {f"k{n}": "v" for n in range(4)})
        put(pool, wide, "second", {"a": "1"})
        put(pool, wide, "third", {"a": "1"})
        put(pool, large, "state", {"blob": "x" * 300})
        tagged, _ = seed_pool(1, tags={"app": "field", "team": "games"})
        data = tools.target_dir(self)
        config = os.path.join(os.path.dirname(data), "limits.json")
        with open(config, "w", encoding="utf-8") as f:
            json.dump({"limits": {"records_per_dataset": 3, "datasets_per_identity": 2,
                                  "value_bytes": 200, "tags_per_pool": 1}}, f)
        code, out, err = tools.run_migrate(proxy.endpoint, data, [pool, tagged],
                                           "--config", config)
        self.assertEqual(code, 3, out + err)
        self.assertIn(f"identity {many} not copied: dataset 'big': 4 records, over "
                      "limits.records_per_dataset = 3", out)
        self.assertIn(f"identity {wide} not copied: datasets: 3 datasets, over "
                      "limits.datasets_per_identity = 2", out)
        self.assertIn(f"identity {large} not copied: dataset 'state' record 'blob' value: "
                      "300 bytes, over limits.value_bytes = 200", out)
        self.assertIn(f"pool {tagged} not copied: tags: 2 tags, over limits.tags_per_pool = 1",
                      out)
        self.assertNotIn(fine, out)
        self.assertIn("raise the limits", out)
        target = self.serve(data)
        for refused in (many, wide, large):
            self.assertGone(target, refused)  # not a truncated copy: not copied at all
        with self.assertRaises(ClientError) as caught:
            target.client().describe_identity_pool(IdentityPoolId=tagged)
        self.assertEqual(caught.exception.response["Error"]["Code"], "ResourceNotFoundException")
        self.assertEqual(tools.view(target, pool)["identities"][fine],
                         tools.view(source, pool)["identities"][fine])


if __name__ == "__main__":
    unittest.main()
