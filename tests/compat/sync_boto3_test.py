"""Cognito Sync through boto3: all 17 operations against a real cogsync.

Calls are signed with the developer key and with identity credentials from
GetCredentialsForIdentity (D8). Each test makes its own pool and identities; the limit tests
run a second server with small limits.
"""

import datetime
import time
import unittest

from support.cogsync_server import ACCOUNT_ID, REGION, CogsyncServer
from sync_case import DEVELOPER_KEY_NAME, MISSING_IDENTITY, MISSING_POOL, SyncTestCase

SERVER = CogsyncServer()
DEVELOPER = "login.sync.example"
NOT_VALID = "SyncSessionToken not valid for these inputs"
ROLE_CALLER = f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/UnauthRole/CognitoIdentityCredentials"
DEVELOPER_CALLER = f"arn:aws:iam::{ACCOUNT_ID}:user/{DEVELOPER_KEY_NAME}"


def setUpModule():
    SERVER.start()


def tearDownModule():
    SERVER.stop()


def sync_arn(pool_id, identity_id=None, dataset=None):
    arn = f"arn:aws:cognito-sync:{REGION}:{ACCOUNT_ID}:identitypool/{pool_id}"
    if identity_id is not None:
        arn += f"/identity/{identity_id}/dataset/{dataset or 'null'}"
    return arn


class RecordsTest(SyncTestCase):
    server = SERVER

    def setUp(self):
        super().setUp()
        self.pool_id = self.new_sync_pool()
        self.identity_id = self.new_identity(self.pool_id)

    def test_list_records_of_a_dataset_that_does_not_exist(self):  # D4, D18
        listed = self.list_records(self.pool_id, self.identity_id, "never")
        self.assertEqual(listed["Records"], [])
        self.assertEqual(listed["Count"], 0)
        self.assertEqual(listed["DatasetSyncCount"], 0)
        self.assertIs(listed["DatasetExists"], False)
        self.assertIs(listed["DatasetDeletedAfterRequestedSyncCount"], False)
        self.assertEqual(listed["MergedDatasetNames"], [])
        self.assertNotIn("LastModifiedBy", listed)
        self.assertNotIn("NextToken", listed)
        self.assertGreater(len(listed["SyncSessionToken"]), 20)

    def test_each_update_adds_one_to_the_count(self):  # D14
        first = self.put(self.pool_id, self.identity_id, "prefs", {"a": "1", "b": "2", "c": "3"})
        self.assertEqual(sorted((r["Key"], r["Value"], r["SyncCount"]) for r in first["Records"]),
                         [("a", "1", 1), ("b", "2", 1), ("c", "3", 1)])
        second = self.update(self.pool_id, self.identity_id, "prefs", [("replace", "b", "22", 1)])
        self.assertEqual([(r["Key"], r["Value"], r["SyncCount"]) for r in second["Records"]],
                         [("b", "22", 2)])
        listed = self.list_records(self.pool_id, self.identity_id, "prefs")
        self.assertEqual(listed["DatasetSyncCount"], 2)
        self.assertIs(listed["DatasetExists"], True)
        self.assertEqual(listed["Count"], 3)
        self.assertEqual({r["Key"]: (r["Value"], r["SyncCount"]) for r in listed["Records"]},
                         {"a": ("1", 1), "b": ("22", 2), "c": ("3", 1)})
        # Only what changed after revision 1.
        since = self.list_records(self.pool_id, self.identity_id, "prefs", LastSyncCount=1)
        self.assertEqual([(r["Key"], r["SyncCount"]) for r in since["Records"]], [("b", 2)])
        self.assertEqual(since["Count"], 1)
        self.assertEqual(since["DatasetSyncCount"], 2)
        self.assertEqual(self.list_records(self.pool_id, self.identity_id, "prefs",
                                           LastSyncCount=2)["Records"], [])

    def test_empty_patch_list_changes_nothing(self):  # D14
        self.put(self.pool_id, self.identity_id, "prefs", {"a": "1"})
        result = self.update(self.pool_id, self.identity_id, "prefs", [])
        self.assertEqual(result["Records"], [])
        self.assertEqual(self.list_records(self.pool_id, self.identity_id,
                                           "prefs")["DatasetSyncCount"], 1)
        # An empty update does not create a dataset either.
        self.assertEqual(self.update(self.pool_id, self.identity_id, "empty", [])["Records"], [])
        self.assertSyncError("ResourceNotFoundException", 404, self.sync.describe_dataset,
                             IdentityPoolId=self.pool_id, IdentityId=self.identity_id,
                             DatasetName="empty")

    def test_conflicts_reject_the_whole_request(self):  # D15
        self.put(self.pool_id, self.identity_id, "prefs", {"user": "x"})
        self.update(self.pool_id, self.identity_id, "prefs", [("replace", "user", "y", 1)])
        # Stale: the server has 2.
        self.assertSyncError(
            "ResourceConflictException", 409, self.update, self.pool_id, self.identity_id,
            "prefs", [("replace", "fresh", "v", 0), ("replace", "user", "z", 1)],
            message="Current SyncCount for: user is: 2 not: 1")
        # Ahead of the server, and a new key claimed to exist.
        self.assertSyncError("ResourceConflictException", 409, self.update, self.pool_id,
                             self.identity_id, "prefs", [("replace", "user", "z", 7)],
                             message="Current SyncCount for: user is: 2 not: 7")
        self.assertSyncError("ResourceConflictException", 409, self.update, self.pool_id,
                             self.identity_id, "prefs", [("replace", "new", "z", 3)],
                             message="Current SyncCount for: new is: 0 not: 3")
        listed = self.list_records(self.pool_id, self.identity_id, "prefs")
        self.assertEqual(listed["DatasetSyncCount"], 2)
        self.assertEqual({r["Key"]: r["Value"] for r in listed["Records"]}, {"user": "y"})

    def test_two_patches_for_one_key(self):  # D15
        self.assertSyncError("InvalidParameterException", 400, self.update, self.pool_id,
                             self.identity_id, "prefs",
                             [("replace", "k", "1", 0), ("remove", "k", None, 0)],
                             message_contains="Duplicate key")
        self.assertIs(self.list_records(self.pool_id, self.identity_id,
                                        "prefs")["DatasetExists"], False)

    def test_remove_leaves_a_tombstone(self):  # D16
        self.put(self.pool_id, self.identity_id, "prefs", {"gone": "12345", "kept": "ab"})
        removed = self.update(self.pool_id, self.identity_id, "prefs",
                              [("remove", "gone", None, 1)])
        self.assertEqual(len(removed["Records"]), 1)
        tombstone = removed["Records"][0]
        self.assertEqual((tombstone["Key"], tombstone["SyncCount"]), ("gone", 2))
        self.assertNotIn("Value", tombstone)
        self.assertIn("LastModifiedDate", tombstone)
        # Another device at revision 1 learns of the removal.
        since = self.list_records(self.pool_id, self.identity_id, "prefs", LastSyncCount=1)
        self.assertEqual(len(since["Records"]), 1)
        self.assertEqual(since["Records"][0]["Key"], "gone")
        self.assertNotIn("Value", since["Records"][0])
        # Tombstones count neither as records nor as storage.
        dataset = self.sync.describe_dataset(IdentityPoolId=self.pool_id,
                                             IdentityId=self.identity_id,
                                             DatasetName="prefs")["Dataset"]
        self.assertEqual((dataset["NumRecords"], dataset["DataStorage"]), (1, len("keptab")))
        # Writing the key again starts from the tombstone's count.
        self.assertSyncError("ResourceConflictException", 409, self.update, self.pool_id,
                             self.identity_id, "prefs", [("replace", "gone", "back", 0)],
                             message="Current SyncCount for: gone is: 2 not: 0")
        back = self.update(self.pool_id, self.identity_id, "prefs",
                           [("replace", "gone", "back", 2)])
        self.assertEqual((back["Records"][0]["Value"], back["Records"][0]["SyncCount"]),
                         ("back", 3))

    def test_remove_ignores_a_value_and_unknown_keys_leave_tombstones(self):  # D16
        # The JS Sync Manager sends Value '' with its removes.
        result = self.update(self.pool_id, self.identity_id, "prefs",
                             [("remove", "never-written", "", 0)])
        self.assertEqual([(r["Key"], r["SyncCount"]) for r in result["Records"]],
                         [("never-written", 1)])
        self.assertNotIn("Value", result["Records"][0])
        dataset = self.sync.describe_dataset(IdentityPoolId=self.pool_id,
                                             IdentityId=self.identity_id,
                                             DatasetName="prefs")["Dataset"]
        self.assertEqual((dataset["NumRecords"], dataset["DataStorage"]), (0, 0))

    def test_last_modified_by_is_the_caller(self):  # D21
        self.put(self.pool_id, self.identity_id, "prefs", {"a": "1"})
        listed = self.list_records(self.pool_id, self.identity_id, "prefs")
        self.assertEqual(listed["LastModifiedBy"], DEVELOPER_KEY_NAME)
        self.assertEqual(listed["Records"][0]["LastModifiedBy"], DEVELOPER_KEY_NAME)
        own = self.identity_sync(self.identity_id)
        written = self.update(self.pool_id, self.identity_id, "prefs",
                              [("replace", "b", "2", 0)], client=own)
        self.assertEqual(written["Records"][0]["LastModifiedBy"], self.identity_id)
        listed = self.list_records(self.pool_id, self.identity_id, "prefs", client=own)
        self.assertEqual(listed["LastModifiedBy"], self.identity_id)
        by_key = {r["Key"]: r["LastModifiedBy"] for r in listed["Records"]}
        self.assertEqual(by_key, {"a": DEVELOPER_KEY_NAME, "b": self.identity_id})
        dataset = own.describe_dataset(IdentityPoolId=self.pool_id, IdentityId=self.identity_id,
                                       DatasetName="prefs")["Dataset"]
        self.assertEqual(dataset["LastModifiedBy"], self.identity_id)

    def test_dates(self):  # D6
        device_date = datetime.datetime(2021, 5, 6, 7, 8, 9, tzinfo=datetime.timezone.utc)
        token = self.list_records(self.pool_id, self.identity_id, "prefs")["SyncSessionToken"]
        before = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=5)
        result = self.sync.update_records(
            IdentityPoolId=self.pool_id, IdentityId=self.identity_id, DatasetName="prefs",
            SyncSessionToken=token, DeviceId="device-1", RecordPatches=[
                {"Op": "replace", "Key": "k", "Value": "v", "SyncCount": 0,
                 "DeviceLastModifiedDate": device_date}])
        record = result["Records"][0]
        self.assertEqual(record["DeviceLastModifiedDate"], device_date)
        after = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=5)
        self.assertTrue(before <= record["LastModifiedDate"] <= after, record)
        dataset = self.sync.describe_dataset(IdentityPoolId=self.pool_id,
                                             IdentityId=self.identity_id,
                                             DatasetName="prefs")["Dataset"]
        self.assertTrue(before <= dataset["CreationDate"] <= after, dataset)
        self.assertEqual(dataset["LastModifiedDate"], record["LastModifiedDate"])

    def test_full_cycle_with_identity_credentials(self):  # D8
        own = self.identity_sync(self.identity_id)
        listed = own.list_records(IdentityPoolId=self.pool_id, IdentityId=self.identity_id,
                                  DatasetName="game", LastSyncCount=0, MaxResults=1024)
        written = own.update_records(
            IdentityPoolId=self.pool_id, IdentityId=self.identity_id, DatasetName="game",
            SyncSessionToken=listed["SyncSessionToken"], ClientContext="ctx",
            RecordPatches=[{"Op": "replace", "Key": "level", "Value": "3", "SyncCount": 0}])
        self.assertEqual(written["Records"][0]["SyncCount"], 1)
        datasets = own.list_datasets(IdentityPoolId=self.pool_id, IdentityId=self.identity_id)
        self.assertEqual([d["DatasetName"] for d in datasets["Datasets"]], ["game"])
        self.assertEqual(datasets["Datasets"][0]["IdentityId"], self.identity_id)
        usage = own.describe_identity_usage(IdentityPoolId=self.pool_id,
                                            IdentityId=self.identity_id)["IdentityUsage"]
        self.assertEqual((usage["DatasetCount"], usage["DataStorage"]), (1, len("level3")))
        deleted = own.delete_dataset(IdentityPoolId=self.pool_id, IdentityId=self.identity_id,
                                     DatasetName="game")["Dataset"]
        self.assertEqual((deleted["DatasetName"], deleted["NumRecords"]), ("game", 1))


class SessionTokenTest(SyncTestCase):
    server = SERVER

    def setUp(self):
        super().setUp()
        self.pool_id = self.new_sync_pool()
        self.identity_id = self.new_identity(self.pool_id)

    def write(self, token, dataset="prefs", identity_id=None, key="k", count=0):
        return self.sync.update_records(
            IdentityPoolId=self.pool_id, IdentityId=identity_id or self.identity_id,
            DatasetName=dataset, SyncSessionToken=token,
            RecordPatches=[{"Op": "replace", "Key": key, "Value": "v", "SyncCount": count}])

    def test_a_token_is_reusable_and_continues_its_session(self):  # D18
        token = self.list_records(self.pool_id, self.identity_id, "prefs")["SyncSessionToken"]
        self.write(token, key="a")
        self.write(token, key="b")
        again = self.list_records(self.pool_id, self.identity_id, "prefs",
                                  SyncSessionToken=token)
        self.assertEqual(again["SyncSessionToken"], token)
        self.assertEqual(again["DatasetSyncCount"], 2)

    def test_tokens_for_other_inputs_and_forged_tokens(self):  # D18
        token = self.list_records(self.pool_id, self.identity_id, "prefs")["SyncSessionToken"]
        other_identity = self.new_identity(self.pool_id)
        other_token = self.list_records(self.pool_id, other_identity,
                                        "prefs")["SyncSessionToken"]
        flipped = token[:-6] + ("AAAAAA" if token[-6:] != "AAAAAA" else "BBBBBB")
        for bad, dataset in [(token, "other"), (other_token, "prefs"), ("forged", "prefs"),
                             (flipped, "prefs")]:
            with self.subTest(token=bad[:16], dataset=dataset):
                self.assertSyncError("InvalidParameterException", 400, self.write, bad,
                                     dataset=dataset, message=NOT_VALID)
        self.assertSyncError("InvalidParameterException", 400, self.list_records, self.pool_id,
                             self.identity_id, "prefs", SyncSessionToken=other_token,
                             message=NOT_VALID)
        self.assertIs(self.list_records(self.pool_id, self.identity_id,
                                        "prefs")["DatasetExists"], False)
        self.assertIs(self.list_records(self.pool_id, self.identity_id,
                                        "other")["DatasetExists"], False)


class PaginationTest(SyncTestCase):
    server = SERVER

    def setUp(self):
        super().setUp()
        self.pool_id = self.new_sync_pool()
        self.identity_id = self.new_identity(self.pool_id)

    def test_list_records_pages(self):  # D20
        values = {f"key{i:02d}": f"value{i}" for i in range(7)}
        self.put(self.pool_id, self.identity_id, "big", values)
        seen = []
        token = None
        pages = 0
        while True:
            kwargs = {"MaxResults": 3}
            if token:
                kwargs["NextToken"] = token
            page = self.list_records(self.pool_id, self.identity_id, "big", **kwargs)
            pages += 1
            self.assertEqual(page["Count"], len(page["Records"]))
            self.assertLessEqual(page["Count"], 3)
            self.assertEqual(page["DatasetSyncCount"], 1)
            seen += [r["Key"] for r in page["Records"]]
            token = page.get("NextToken")
            if not token:
                break
        self.assertEqual(pages, 3)
        self.assertEqual(sorted(seen), sorted(values))
        self.assertEqual(len(seen), len(set(seen)))

    def test_list_datasets_pages(self):  # D20
        names = [f"ds{i}" for i in range(5)]
        for name in names:
            self.put(self.pool_id, self.identity_id, name, {"k": "v"})
        first = self.sync.list_datasets(IdentityPoolId=self.pool_id,
                                        IdentityId=self.identity_id, MaxResults=2)
        self.assertEqual(first["Count"], 2)
        seen = [d["DatasetName"] for d in first["Datasets"]]
        token = first["NextToken"]
        while token:
            page = self.sync.list_datasets(IdentityPoolId=self.pool_id,
                                           IdentityId=self.identity_id, MaxResults=2,
                                           NextToken=token)
            self.assertEqual(page["Count"], len(page["Datasets"]))
            seen += [d["DatasetName"] for d in page["Datasets"]]
            token = page.get("NextToken")
        self.assertEqual(sorted(seen), names)
        everything = self.sync.list_datasets(IdentityPoolId=self.pool_id,
                                             IdentityId=self.identity_id)
        self.assertEqual(everything["Count"], 5)
        self.assertNotIn("NextToken", everything)
        # A token only continues the listing it came from.
        other = self.new_identity(self.pool_id)
        self.assertSyncError("InvalidParameterException", 400, self.sync.list_datasets,
                             IdentityPoolId=self.pool_id, IdentityId=other,
                             NextToken=first["NextToken"])

    def test_forged_next_tokens(self):  # D20
        self.put(self.pool_id, self.identity_id, "big", {"a": "1", "b": "2"})
        for call, kwargs in [
            (self.sync.list_records, {"IdentityPoolId": self.pool_id,
                                      "IdentityId": self.identity_id, "DatasetName": "big"}),
            (self.sync.list_datasets, {"IdentityPoolId": self.pool_id,
                                       "IdentityId": self.identity_id}),
            (self.sync.list_identity_pool_usage, {}),
        ]:
            with self.subTest(call=call.__name__):
                self.assertSyncError("InvalidParameterException", 400, call,
                                     NextToken="dXMtZWFzdC0xOmZvcmdlZA==", **kwargs)
        page = self.list_records(self.pool_id, self.identity_id, "big", MaxResults=1)
        # The token of one lastSyncCount does not continue another.
        self.assertSyncError("InvalidParameterException", 400, self.list_records, self.pool_id,
                             self.identity_id, "big", NextToken=page["NextToken"],
                             LastSyncCount=1)

    def test_list_identity_pool_usage_pages(self):  # D20, D22
        pools = {self.pool_id} | {self.new_sync_pool() for _ in range(2)}
        seen = []
        token = None
        while True:
            kwargs = {"MaxResults": 1}
            if token:
                kwargs["NextToken"] = token
            page = self.sync.list_identity_pool_usage(**kwargs)
            self.assertEqual(page["MaxResults"], 1)
            self.assertEqual(page["Count"], len(page["IdentityPoolUsages"]))
            self.assertLessEqual(page["Count"], 1)
            seen += [u["IdentityPoolId"] for u in page["IdentityPoolUsages"]]
            token = page.get("NextToken")
            if not token:
                break
        self.assertLessEqual(pools, set(seen))
        self.assertEqual(len(seen), len(set(seen)))
        default = self.sync.list_identity_pool_usage()
        self.assertEqual(default["MaxResults"], 60)


class DatasetsTest(SyncTestCase):
    server = SERVER

    def setUp(self):
        super().setUp()
        self.pool_id = self.new_sync_pool()
        self.identity_id = self.new_identity(self.pool_id)
        self.ids = {"IdentityPoolId": self.pool_id, "IdentityId": self.identity_id}

    def test_describe_counts_records_and_bytes(self):  # D19
        self.put(self.pool_id, self.identity_id, "prefs", {"k1": "vvv", "ключ": "значение"})
        dataset = self.sync.describe_dataset(DatasetName="prefs", **self.ids)["Dataset"]
        self.assertEqual(dataset["DatasetName"], "prefs")
        self.assertEqual(dataset["IdentityId"], self.identity_id)
        self.assertEqual(dataset["NumRecords"], 2)
        self.assertEqual(dataset["DataStorage"],
                         len("k1vvv") + len("ключзначение".encode("utf-8")))
        self.assertSyncError("ResourceNotFoundException", 404, self.sync.describe_dataset,
                             DatasetName="missing", **self.ids)
        self.assertSyncError("ResourceNotFoundException", 404, self.sync.describe_dataset,
                             IdentityPoolId=self.pool_id, IdentityId=MISSING_IDENTITY,
                             DatasetName="prefs")
        self.assertSyncError("ResourceNotFoundException", 404, self.sync.describe_dataset,
                             IdentityPoolId=MISSING_POOL, IdentityId=self.identity_id,
                             DatasetName="prefs")

    def test_list_datasets_of_unknown_identity_is_empty(self):
        listed = self.sync.list_datasets(IdentityPoolId=self.pool_id,
                                         IdentityId=MISSING_IDENTITY)
        self.assertEqual((listed["Datasets"], listed["Count"]), ([], 0))

    def test_deletion_is_remembered(self):  # D17
        self.put(self.pool_id, self.identity_id, "prefs", {"a": "1"})
        self.update(self.pool_id, self.identity_id, "prefs", [("replace", "b", "2", 0)])
        deleted = self.sync.delete_dataset(DatasetName="prefs", **self.ids)["Dataset"]
        self.assertEqual((deleted["DatasetName"], deleted["NumRecords"], deleted["DataStorage"]),
                         ("prefs", 2, 4))
        self.assertSyncError("ResourceNotFoundException", 404, self.sync.describe_dataset,
                             DatasetName="prefs", **self.ids)
        self.assertSyncError("ResourceNotFoundException", 404, self.sync.delete_dataset,
                             DatasetName="prefs", **self.ids)
        self.assertEqual(self.sync.list_datasets(**self.ids)["Datasets"], [])
        gone = self.list_records(self.pool_id, self.identity_id, "prefs", LastSyncCount=2)
        self.assertIs(gone["DatasetExists"], False)
        self.assertIs(gone["DatasetDeletedAfterRequestedSyncCount"], True)
        self.assertEqual((gone["Records"], gone["DatasetSyncCount"]), ([], 0))
        fresh = self.list_records(self.pool_id, self.identity_id, "prefs")
        self.assertIs(fresh["DatasetDeletedAfterRequestedSyncCount"], False)
        # Recreating continues counting from the deletion: the count never goes backwards.
        recreated = self.put(self.pool_id, self.identity_id, "prefs", {"c": "3"})
        self.assertEqual(recreated["Records"][0]["SyncCount"], 3)
        listed = self.list_records(self.pool_id, self.identity_id, "prefs")
        self.assertIs(listed["DatasetExists"], True)
        self.assertEqual(listed["DatasetSyncCount"], 3)
        self.assertEqual([r["Key"] for r in listed["Records"]], ["c"])
        # A device that synced before the deletion still learns of it; one after does not.
        old = self.list_records(self.pool_id, self.identity_id, "prefs", LastSyncCount=1)
        self.assertIs(old["DatasetDeletedAfterRequestedSyncCount"], True)
        new = self.list_records(self.pool_id, self.identity_id, "prefs", LastSyncCount=3)
        self.assertIs(new["DatasetDeletedAfterRequestedSyncCount"], False)
        # The old keys are gone: writing one starts again at SyncCount 0.
        self.assertEqual(self.update(self.pool_id, self.identity_id, "prefs",
                                     [("replace", "a", "x", 0)])["Records"][0]["SyncCount"], 4)


class UsageTest(SyncTestCase):
    server = SERVER

    def test_identity_usage(self):  # D22
        pool_id = self.new_sync_pool()
        identity_id = self.new_identity(pool_id)
        empty = self.sync.describe_identity_usage(IdentityPoolId=pool_id,
                                                  IdentityId=identity_id)["IdentityUsage"]
        self.assertEqual(empty, {"IdentityId": identity_id, "IdentityPoolId": pool_id,
                                 "DatasetCount": 0, "DataStorage": 0})
        self.put(pool_id, identity_id, "one", {"abc": "defg"})
        self.put(pool_id, identity_id, "two", {"x": "yz"})
        usage = self.sync.describe_identity_usage(IdentityPoolId=pool_id,
                                                  IdentityId=identity_id)["IdentityUsage"]
        self.assertEqual((usage["DatasetCount"], usage["DataStorage"]), (2, 7 + 3))
        self.assertIn("LastModifiedDate", usage)
        self.sync.delete_dataset(IdentityPoolId=pool_id, IdentityId=identity_id,
                                 DatasetName="two")
        usage = self.sync.describe_identity_usage(IdentityPoolId=pool_id,
                                                  IdentityId=identity_id)["IdentityUsage"]
        self.assertEqual((usage["DatasetCount"], usage["DataStorage"]), (1, 7))
        self.assertSyncError("ResourceNotFoundException", 404,
                             self.sync.describe_identity_usage, IdentityPoolId=pool_id,
                             IdentityId=MISSING_IDENTITY)

    def test_pool_usage(self):  # D22
        pool_id = self.new_sync_pool()
        first = self.sync.describe_identity_pool_usage(IdentityPoolId=pool_id)
        self.assertEqual(first["IdentityPoolUsage"]["IdentityPoolId"], pool_id)
        self.assertEqual(first["IdentityPoolUsage"]["SyncSessionsCount"], 0)
        self.assertEqual(first["IdentityPoolUsage"]["DataStorage"], 0)
        a = self.new_identity(pool_id)
        b = self.new_identity(pool_id)
        self.put(pool_id, a, "one", {"abc": "defg"})  # one ListRecords: one session
        self.put(pool_id, b, "one", {"k": "v"})  # another
        token = self.list_records(pool_id, a, "one")["SyncSessionToken"]  # a third
        self.list_records(pool_id, a, "one", SyncSessionToken=token)  # continues the third
        usage = self.sync.describe_identity_pool_usage(IdentityPoolId=pool_id)["IdentityPoolUsage"]
        self.assertEqual(usage["SyncSessionsCount"], 3)
        self.assertEqual(usage["DataStorage"], 7 + 2)
        self.assertIn("LastModifiedDate", usage)
        listed = self.sync.list_identity_pool_usage()["IdentityPoolUsages"]
        mine = [u for u in listed if u["IdentityPoolId"] == pool_id]
        self.assertEqual(len(mine), 1)
        self.assertEqual((mine[0]["SyncSessionsCount"], mine[0]["DataStorage"]), (3, 9))
        self.assertSyncError("ResourceNotFoundException", 404,
                             self.sync.describe_identity_pool_usage, IdentityPoolId=MISSING_POOL)


class AccessTest(SyncTestCase):
    server = SERVER

    def setUp(self):
        super().setUp()
        self.pool_id = self.new_sync_pool()
        self.mine = self.new_identity(self.pool_id)
        self.theirs = self.new_identity(self.pool_id)
        self.put(self.pool_id, self.theirs, "secret", {"k": "v"})
        self.own = self.identity_sync(self.mine)

    def test_another_identitys_data(self):  # D9
        ids = {"IdentityPoolId": self.pool_id, "IdentityId": self.theirs}
        calls = [
            ("ListRecords", self.own.list_records, dict(ids, DatasetName="secret")),
            ("DescribeDataset", self.own.describe_dataset, dict(ids, DatasetName="secret")),
            ("DeleteDataset", self.own.delete_dataset, dict(ids, DatasetName="secret")),
            ("ListDatasets", self.own.list_datasets, ids),
            ("DescribeIdentityUsage", self.own.describe_identity_usage, ids),
            ("UpdateRecords", self.own.update_records,
             dict(ids, DatasetName="secret", SyncSessionToken="t", RecordPatches=[])),
        ]
        for operation, call, kwargs in calls:
            with self.subTest(operation=operation):
                self.assertSyncError(
                    "NotAuthorizedException", 403, call, **kwargs,
                    message=f"User: {ROLE_CALLER} is not authorized to perform: "
                            f"cognito-sync:{operation} on resource: "
                            f"{sync_arn(self.pool_id, self.theirs, kwargs.get('DatasetName'))}")
        listed = self.list_records(self.pool_id, self.theirs, "secret")
        self.assertEqual([(r["Key"], r["Value"]) for r in listed["Records"]], [("k", "v")])

    def test_developer_only_operations_refuse_identity_credentials(self):  # D9
        pool = {"IdentityPoolId": self.pool_id}
        calls = [
            ("ListIdentityPoolUsage", self.own.list_identity_pool_usage, {}),
            ("DescribeIdentityPoolUsage", self.own.describe_identity_pool_usage, pool),
            ("GetIdentityPoolConfiguration", self.own.get_identity_pool_configuration, pool),
            ("SetIdentityPoolConfiguration", self.own.set_identity_pool_configuration, pool),
            ("GetCognitoEvents", self.own.get_cognito_events, pool),
            ("SetCognitoEvents", self.own.set_cognito_events, dict(pool, Events={})),
            ("BulkPublish", self.own.bulk_publish, pool),
            ("GetBulkPublishDetails", self.own.get_bulk_publish_details, pool),
        ]
        for operation, call, kwargs in calls:
            resource = sync_arn(self.pool_id) if kwargs else sync_arn("null")
            with self.subTest(operation=operation):
                self.assertSyncError(
                    "NotAuthorizedException", 403, call, **kwargs,
                    message=f"User: {ROLE_CALLER} is not authorized to perform: "
                            f"cognito-sync:{operation} on resource: {resource}")

    def test_identity_only_operations_refuse_developer_credentials(self):  # D9
        ids = {"IdentityPoolId": self.pool_id, "IdentityId": self.mine}
        calls = [
            ("RegisterDevice", self.sync.register_device, dict(ids, Platform="GCM", Token="t")),
            ("SubscribeToDataset", self.sync.subscribe_to_dataset,
             dict(ids, DatasetName="d", DeviceId="dev")),
            ("UnsubscribeFromDataset", self.sync.unsubscribe_from_dataset,
             dict(ids, DatasetName="d", DeviceId="dev")),
        ]
        for operation, call, kwargs in calls:
            with self.subTest(operation=operation):
                self.assertSyncError(
                    "NotAuthorizedException", 403, call, **kwargs,
                    message=f"User: {DEVELOPER_CALLER} is not authorized to perform: "
                            f"cognito-sync:{operation} on resource: "
                            f"{sync_arn(self.pool_id, self.mine, kwargs.get('DatasetName'))}")


class ConfigurationTest(SyncTestCase):
    server = SERVER

    def setUp(self):
        super().setUp()
        self.pool_id = self.new_sync_pool()

    def test_identity_pool_configuration(self):
        self.assertEqual(self.sync.get_identity_pool_configuration(
            IdentityPoolId=self.pool_id)["IdentityPoolId"], self.pool_id)
        push = {"ApplicationArns": ["arn:aws:sns:us-east-1:000000000000:app/GCM/myapp"],
                "RoleArn": "arn:aws:iam::000000000000:role/push"}
        streams = {"StreamName": "updates", "RoleArn": "arn:aws:iam::000000000000:role/streams",
                   "StreamingStatus": "ENABLED"}
        set_result = self.sync.set_identity_pool_configuration(
            IdentityPoolId=self.pool_id, PushSync=push, CognitoStreams=streams)
        got = self.sync.get_identity_pool_configuration(IdentityPoolId=self.pool_id)
        for result in (set_result, got):
            self.assertEqual(result["IdentityPoolId"], self.pool_id)
            self.assertEqual(result["PushSync"], push)
            self.assertEqual(result["CognitoStreams"], streams)
        # Members not given are kept; a CognitoStreams without a status is DISABLED.
        self.sync.set_identity_pool_configuration(
            IdentityPoolId=self.pool_id, CognitoStreams={"StreamName": "other"})
        got = self.sync.get_identity_pool_configuration(IdentityPoolId=self.pool_id)
        self.assertEqual(got["PushSync"], push)
        self.assertEqual(got["CognitoStreams"],
                         {"StreamName": "other", "StreamingStatus": "DISABLED"})
        self.assertSyncError("ResourceNotFoundException", 404,
                             self.sync.get_identity_pool_configuration,
                             IdentityPoolId=MISSING_POOL)

    def test_cognito_events(self):
        self.assertEqual(self.sync.get_cognito_events(IdentityPoolId=self.pool_id)["Events"], {})
        arn = "arn:aws:lambda:us-east-1:000000000000:function:trigger"
        self.sync.set_cognito_events(IdentityPoolId=self.pool_id, Events={"SyncTrigger": arn})
        self.assertEqual(self.sync.get_cognito_events(IdentityPoolId=self.pool_id)["Events"],
                         {"SyncTrigger": arn})
        self.assertSyncError("InvalidParameterException", 400, self.sync.set_cognito_events,
                             IdentityPoolId=self.pool_id, Events={"SyncTrigger": "not-an-arn"})
        self.sync.set_cognito_events(IdentityPoolId=self.pool_id, Events={"SyncTrigger": ""})
        self.assertEqual(self.sync.get_cognito_events(IdentityPoolId=self.pool_id)["Events"], {})
        self.assertSyncError("ResourceNotFoundException", 404, self.sync.get_cognito_events,
                             IdentityPoolId=MISSING_POOL)

    def test_bulk_publish_as_implemented(self):  # D26
        details = self.sync.get_bulk_publish_details(IdentityPoolId=self.pool_id)
        self.assertEqual((details["IdentityPoolId"], details["BulkPublishStatus"]),
                         (self.pool_id, "NOT_STARTED"))
        self.assertSyncError("InvalidParameterException", 400, self.sync.bulk_publish,
                             IdentityPoolId=self.pool_id, message_contains="not configured")
        self.sync.set_identity_pool_configuration(
            IdentityPoolId=self.pool_id, CognitoStreams={
                "StreamName": "s", "RoleArn": "arn:aws:iam::000000000000:role/streams",
                "StreamingStatus": "DISABLED"})
        self.assertSyncError("InvalidParameterException", 400, self.sync.bulk_publish,
                             IdentityPoolId=self.pool_id, message_contains="DISABLED")
        self.sync.set_identity_pool_configuration(
            IdentityPoolId=self.pool_id, CognitoStreams={
                "StreamName": "s", "RoleArn": "arn:aws:iam::000000000000:role/streams",
                "StreamingStatus": "ENABLED"})
        # D26: the run publishes in the background (to the stream file sink here) and ends
        # SUCCEEDED; a second run within 24 hours is AlreadyStreamed.
        started = self.sync.bulk_publish(IdentityPoolId=self.pool_id)
        self.assertEqual(started["IdentityPoolId"], self.pool_id)
        deadline = time.monotonic() + 30
        while True:
            details = self.sync.get_bulk_publish_details(IdentityPoolId=self.pool_id)
            if details["BulkPublishStatus"] != "IN_PROGRESS" or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        self.assertEqual(details["BulkPublishStatus"], "SUCCEEDED", details)
        self.assertIn("BulkPublishStartTime", details)
        self.assertIn("BulkPublishCompleteTime", details)
        self.assertSyncError("AlreadyStreamedException", 400, self.sync.bulk_publish,
                             IdentityPoolId=self.pool_id)
        self.assertSyncError("ResourceNotFoundException", 404, self.sync.bulk_publish,
                             IdentityPoolId=MISSING_POOL)
        self.assertSyncError("ResourceNotFoundException", 404,
                             self.sync.get_bulk_publish_details, IdentityPoolId=MISSING_POOL)


class DevicesTest(SyncTestCase):
    server = SERVER

    def test_register_subscribe_unsubscribe(self):
        pool_id = self.new_sync_pool()
        identity_id = self.new_identity(pool_id)
        own = self.identity_sync(identity_id)
        ids = {"IdentityPoolId": pool_id, "IdentityId": identity_id}
        self.assertSyncError("InvalidConfigurationException", 400, own.register_device,
                             Platform="GCM", Token="push-token", **ids)
        self.sync.set_identity_pool_configuration(IdentityPoolId=pool_id, PushSync={
            "ApplicationArns": ["arn:aws:sns:us-east-1:000000000000:app/GCM/myapp"],
            "RoleArn": "arn:aws:iam::000000000000:role/push"})
        # Only the platforms with an application.
        self.assertSyncError("InvalidConfigurationException", 400, own.register_device,
                             Platform="APNS", Token="push-token", **ids)
        device_id = own.register_device(Platform="GCM", Token="push-token", **ids)["DeviceId"]
        self.assertTrue(1 <= len(device_id) <= 256)
        self.assertEqual(own.register_device(Platform="GCM", Token="push-token",
                                             **ids)["DeviceId"], device_id)
        self.assertNotEqual(own.register_device(Platform="GCM", Token="other",
                                                **ids)["DeviceId"], device_id)
        # D19: only existing datasets can be subscribed to.
        self.assertSyncError("ResourceNotFoundException", 404, own.subscribe_to_dataset,
                             DatasetName="prefs", DeviceId=device_id, **ids,
                             message="Dataset 'prefs' not found.")
        self.put(pool_id, identity_id, "prefs", {"k": "v"})
        subscribed = own.subscribe_to_dataset(DatasetName="prefs", DeviceId=device_id, **ids)
        del subscribed["ResponseMetadata"]
        self.assertEqual(subscribed, {})
        unsubscribed = own.unsubscribe_from_dataset(DatasetName="prefs", DeviceId=device_id,
                                                    **ids)
        del unsubscribed["ResponseMetadata"]
        self.assertEqual(unsubscribed, {})
        self.assertSyncError("ResourceNotFoundException", 404, own.subscribe_to_dataset,
                             DatasetName="prefs", DeviceId="no-such-device", **ids)
        # Another identity cannot use this device.
        other = self.new_identity(pool_id)
        self.assertSyncError("ResourceNotFoundException", 404,
                             self.identity_sync(other).subscribe_to_dataset,
                             IdentityPoolId=pool_id, IdentityId=other, DatasetName="prefs",
                             DeviceId=device_id)


class MergeTest(SyncTestCase):
    server = SERVER

    def test_datasets_follow_a_merge(self):  # D23
        pool_id = self.new_sync_pool(DeveloperProviderName=DEVELOPER)

        def dev_identity(user):
            return self.cognito.get_open_id_token_for_developer_identity(
                IdentityPoolId=pool_id, Logins={DEVELOPER: user})["IdentityId"]

        source = dev_identity("src")
        destination = dev_identity("dst")
        self.put(pool_id, source, "settings", {"theme": "dark", "lang": "fi"})
        self.update(pool_id, source, "settings", [("remove", "lang", None, 1)])
        self.put(pool_id, source, "only-source", {"a": "1"})
        self.put(pool_id, destination, "settings", {"theme": "light"})
        self.cognito.merge_developer_identities(
            SourceUserIdentifier="src", DestinationUserIdentifier="dst",
            DeveloperProviderName=DEVELOPER, IdentityPoolId=pool_id)
        merged_name = f"settings.{source}"
        names = sorted(d["DatasetName"] for d in self.sync.list_datasets(
            IdentityPoolId=pool_id, IdentityId=destination)["Datasets"])
        self.assertEqual(names, sorted(["only-source", "settings", merged_name]))
        listed = self.list_records(pool_id, destination, "settings")
        self.assertEqual(listed["MergedDatasetNames"], [merged_name])
        self.assertEqual({r["Key"]: r["Value"] for r in listed["Records"]}, {"theme": "light"})
        # The colliding dataset is one new revision with only its live records.
        merged = self.list_records(pool_id, destination, merged_name)
        self.assertEqual(merged["DatasetSyncCount"], 1)
        self.assertEqual([(r["Key"], r.get("Value"), r["SyncCount"]) for r in merged["Records"]],
                         [("theme", "dark", 1)])
        # A free name keeps its records and counts.
        moved = self.list_records(pool_id, destination, "only-source")
        self.assertEqual([(r["Key"], r["Value"], r["SyncCount"]) for r in moved["Records"]],
                         [("a", "1", 1)])
        # The source has nothing left.
        self.assertEqual(self.sync.list_datasets(IdentityPoolId=pool_id,
                                                 IdentityId=source)["Datasets"], [])
        # Deleting the merge dataset ends the report.
        self.sync.delete_dataset(IdentityPoolId=pool_id, IdentityId=destination,
                                 DatasetName=merged_name)
        self.assertEqual(self.list_records(pool_id, destination,
                                           "settings")["MergedDatasetNames"], [])


LIMITS = {"datasets_per_identity": 2, "records_per_dataset": 3, "dataset_bytes": 100}


class LimitsTest(SyncTestCase):
    """A server of its own with small limits (D19)."""

    server = None

    @classmethod
    def setUpClass(cls):
        cls.server = CogsyncServer(config={"limits": LIMITS}).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def setUp(self):
        super().setUp()
        self.pool_id = self.new_sync_pool()
        self.identity_id = self.new_identity(self.pool_id)

    def test_datasets_per_identity(self):  # D19
        self.put(self.pool_id, self.identity_id, "one", {"k": "v"})
        self.put(self.pool_id, self.identity_id, "two", {"k": "v"})
        self.assertSyncError(
            "LimitExceededException", 400, self.put, self.pool_id, self.identity_id, "three",
            {"k": "v"}, message="The maximum number of datasets per identity (2) has been reached.")
        self.assertIs(self.list_records(self.pool_id, self.identity_id,
                                        "three")["DatasetExists"], False)
        # Existing datasets still take writes; a deleted one frees its place.
        self.update(self.pool_id, self.identity_id, "two", [("replace", "k", "w", 1)])
        self.sync.delete_dataset(IdentityPoolId=self.pool_id, IdentityId=self.identity_id,
                                 DatasetName="one")
        self.put(self.pool_id, self.identity_id, "three", {"k": "v"})

    def test_records_per_dataset(self):  # D19, D16
        self.put(self.pool_id, self.identity_id, "d", {"a": "1", "b": "2", "c": "3"})
        self.assertSyncError(
            "LimitExceededException", 400, self.put, self.pool_id, self.identity_id, "d",
            {"e": "5"}, message="The maximum number of records per dataset (3) would be exceeded.")
        # Tombstones do not count: remove one, then another key fits.
        self.update(self.pool_id, self.identity_id, "d", [("remove", "a", None, 1)])
        self.put(self.pool_id, self.identity_id, "d", {"e": "5"})
        dataset = self.sync.describe_dataset(IdentityPoolId=self.pool_id,
                                             IdentityId=self.identity_id,
                                             DatasetName="d")["Dataset"]
        self.assertEqual(dataset["NumRecords"], 3)

    def test_dataset_bytes(self):  # D19
        self.put(self.pool_id, self.identity_id, "d", {"k": "x" * 90})  # 91 bytes
        self.assertSyncError("LimitExceededException", 400, self.put, self.pool_id,
                             self.identity_id, "d", {"k2": "x" * 8},
                             message="The maximum dataset size (100 bytes) would be exceeded.")
        self.put(self.pool_id, self.identity_id, "d", {"k2": "x" * 7})  # exactly 100
        dataset = self.sync.describe_dataset(IdentityPoolId=self.pool_id,
                                             IdentityId=self.identity_id,
                                             DatasetName="d")["Dataset"]
        self.assertEqual(dataset["DataStorage"], 100)
        # Shrinking is always allowed.
        self.update(self.pool_id, self.identity_id, "d", [("replace", "k", "y", 1)])

    def test_a_merge_may_pass_the_dataset_limit(self):  # D23, D19
        pool_id = self.new_sync_pool(DeveloperProviderName=DEVELOPER)
        ids = {}
        for user in ("src", "dst"):
            ids[user] = self.cognito.get_open_id_token_for_developer_identity(
                IdentityPoolId=pool_id, Logins={DEVELOPER: user})["IdentityId"]
            self.put(pool_id, ids[user], "a", {"k": user})
            self.put(pool_id, ids[user], "b", {"k": user})
        self.cognito.merge_developer_identities(
            SourceUserIdentifier="src", DestinationUserIdentifier="dst",
            DeveloperProviderName=DEVELOPER, IdentityPoolId=pool_id)
        listed = self.sync.list_datasets(IdentityPoolId=pool_id, IdentityId=ids["dst"])
        self.assertEqual(listed["Count"], 4)
        self.assertSyncError("LimitExceededException", 400, self.put, pool_id, ids["dst"], "c",
                             {"k": "v"})


if __name__ == "__main__":
    unittest.main()
