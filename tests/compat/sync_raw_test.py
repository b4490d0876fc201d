"""Cognito Sync over raw HTTP: what the SDKs will not send.

Requests are built by hand and signed with botocore's SigV4 signer for `cognito-sync`, over the
exact path that is sent (raw ':' or '%3A'). After every bad request the test checks that the
dataset and the identity's dataset list are unchanged. The seed documents' sample requests are
replayed in the legacy form (D5).
"""

import datetime
import os
import unittest

from support.cogsync_server import CogsyncServer
from support.raw_requests import call_identity, assert_aws_error
from sync_case import call_legacy, call_sync, dataset_path

SERVER = CogsyncServer()
NOT_VALID = "SyncSessionToken not valid for these inputs"
SEGMENT_ERROR = ("1 validation error detected: Value at 'datasetName' failed to satisfy "
                 "constraint: Member must be a well-formed path segment")


def setUpModule():
    SERVER.start()


def tearDownModule():
    SERVER.stop()


class SyncRawTestCase(unittest.TestCase):
    def setUp(self):
        created = call_identity(SERVER, "CreateIdentityPool", {
            "IdentityPoolName": "raw", "AllowUnauthenticatedIdentities": True})
        self.assertEqual(created.status, 200, created)
        self.pool_id = created.json()["IdentityPoolId"]
        self.addCleanup(call_identity, SERVER, "DeleteIdentityPool",
                        {"IdentityPoolId": self.pool_id})
        self.identity_id = self.new_identity()
        self.write("base", [{"Op": "replace", "Key": "k", "Value": "v", "SyncCount": 0}])
        self.before = self.snapshot()

    def new_identity(self):
        got = call_identity(SERVER, "GetId", {"IdentityPoolId": self.pool_id}, signed=False)
        self.assertEqual(got.status, 200, got)
        return got.json()["IdentityId"]

    def path(self, dataset=None, suffix="", identity_id=None, encode=True):
        return dataset_path(self.pool_id, identity_id or self.identity_id, dataset, suffix,
                            encode=encode)

    def list_records(self, dataset, query="", identity_id=None):
        return call_sync(SERVER, "GET", self.path(dataset, "/records", identity_id) + query)

    def token(self, dataset, identity_id=None):
        listed = self.list_records(dataset, identity_id=identity_id)
        self.assertEqual(listed.status, 200, listed)
        return listed.json()["SyncSessionToken"]

    def update(self, dataset, body, identity_id=None, extra_headers=None):
        return call_sync(SERVER, "POST", self.path(dataset, identity_id=identity_id), body,
                         extra_headers=extra_headers)

    def write(self, dataset, patches, identity_id=None):
        response = self.update(dataset, {"SyncSessionToken": self.token(dataset, identity_id),
                                         "RecordPatches": patches}, identity_id=identity_id)
        self.assertEqual(response.status, 200, response)
        return response.json()

    def snapshot(self):
        records = self.list_records("base")
        datasets = call_sync(SERVER, "GET", self.path())
        self.assertEqual((records.status, datasets.status), (200, 200), (records, datasets))
        body = records.json()
        del body["SyncSessionToken"]
        return body, datasets.json()

    def assertNothingChanged(self):
        self.assertEqual(self.snapshot(), self.before)

    def assertError(self, response, status, code, message=None, message_contains=None):
        """D2: the model's status, the code in x-amzn-ErrorType and in the body."""
        return assert_aws_error(self, response, status, code, message=message,
                                message_contains=message_contains)

    def patch_body(self, dataset, patches):
        return {"SyncSessionToken": self.token(dataset), "RecordPatches": patches}


class RoutingTest(SyncRawTestCase):
    def test_unknown_route(self):
        response = call_sync(SERVER, "GET", f"/identitypools/{self.pool_id}/nothing/here")
        self.assertError(response, 404, "UnknownOperationException")
        self.assertNothingChanged()

    def test_wrong_method_on_a_known_path(self):
        response = call_sync(SERVER, "PUT", self.path("base"), {"RecordPatches": []})
        self.assertError(response, 405, "UnknownOperationException")
        self.assertEqual(call_sync(SERVER, "PATCH", self.path("base", "/records")).status, 405)
        self.assertNothingChanged()

    def test_raw_colon_and_encoded_colon_labels(self):
        raw = call_sync(SERVER, "GET", self.path("base", "/records", encode=False))
        encoded = call_sync(SERVER, "GET", self.path("base", "/records"))
        self.assertIn(":", self.path(encode=False))
        self.assertIn("%3A", self.path())
        self.assertEqual((raw.status, encoded.status), (200, 200), (raw, encoded))
        for response in (raw, encoded):
            self.assertEqual([(r["Key"], r["Value"]) for r in response.json()["Records"]],
                             [("k", "v")])
        # A raw ':' also works in a write and in a dataset name.
        token = self.token("with:colon")
        written = call_sync(SERVER, "POST", self.path("with:colon", encode=False), {
            "SyncSessionToken": token,
            "RecordPatches": [{"Op": "replace", "Key": "a", "Value": "b", "SyncCount": 0}]})
        self.assertEqual(written.status, 200, written)
        described = call_sync(SERVER, "GET", self.path("with:colon"))
        self.assertEqual(described.json()["Dataset"]["DatasetName"], "with:colon")

    def test_encoded_slash_in_a_label(self):  # D19
        # The label is refused as a whole, never split into more path segments.
        response = call_sync(SERVER, "GET", self.path() + "/a%2Fb/records")
        self.assertError(response, 400, "InvalidParameterException", message=SEGMENT_ERROR)
        self.assertNothingChanged()

    def test_bad_utf8_in_a_label(self):
        response = call_sync(SERVER, "GET", self.path() + "/%FF%FE/records")
        self.assertError(response, 400, "InvalidParameterException", message=SEGMENT_ERROR)
        self.assertNothingChanged()

    def test_client_context_header_is_accepted(self):
        response = self.update("base", self.patch_body("base", [
            {"Op": "replace", "Key": "k2", "Value": "v2", "SyncCount": 0}]),
            extra_headers={"x-amz-Client-Context": "eyJjbGllbnQiOnt9fQ=="})
        self.assertEqual(response.status, 200, response)
        self.assertEqual(response.json()["Records"][0]["SyncCount"], 2)

    def test_success_shape(self):  # D4
        response = self.list_records("nothing")
        self.assertEqual(response.status, 200, response)
        self.assertTrue(response.headers["content-type"].startswith("application/json"))
        self.assertTrue(response.headers.get("x-amzn-requestid"))
        body = response.json()
        self.assertEqual(body["Records"], [])
        self.assertEqual(body["MergedDatasetNames"], [])


class ValidationTest(SyncRawTestCase):
    def test_dataset_names(self):  # D3, D19
        long_name = "d" * 129
        response = self.list_records(long_name)
        self.assertError(
            response, 400, "InvalidParameterException",
            message=f"1 validation error detected: Value '{long_name}' at 'datasetName' failed "
                    "to satisfy constraint: Member must have length less than or equal to 128")
        for bad in ("bad name", "bad!", "ä"):
            with self.subTest(name=bad):
                response = self.update(bad, {"SyncSessionToken": "t", "RecordPatches": []})
                self.assertError(response, 400, "InvalidParameterException",
                                 message_contains="datasetName")
        ok = self.list_records("d" * 128)
        self.assertEqual(ok.status, 200, ok)
        self.assertNothingChanged()

    def test_keys_and_values(self):  # D19
        cases = [
            [{"Op": "replace", "Key": "k" * 129, "Value": "v", "SyncCount": 0}],
            [{"Op": "replace", "Key": "é" * 65, "Value": "v", "SyncCount": 0}],  # 130 bytes
            [{"Op": "replace", "Key": "", "Value": "v", "SyncCount": 0}],
            [{"Op": "replace", "Key": "big", "Value": "x" * (1024 * 1024 + 1), "SyncCount": 0}],
        ]
        for patches in cases:
            with self.subTest(key=patches[0]["Key"][:10], value=len(patches[0]["Value"])):
                response = self.update("base", self.patch_body("base", patches))
                self.assertError(response, 400, "InvalidParameterException")
        self.assertNothingChanged()
        # The largest key is fine.
        self.write("base", [{"Op": "replace", "Key": "é" * 64, "Value": "v", "SyncCount": 0}])

    def test_patch_members(self):  # D3, D15
        cases = [
            ({"Op": "upsert", "Key": "a", "Value": "v", "SyncCount": 0},
             "recordPatches.1.member.op"),
            ({"Op": "replace", "Key": "a", "Value": "v", "SyncCount": "zero"},
             "recordPatches.1.member.syncCount"),
            ({"Op": "replace", "Key": "a", "Value": "v"}, "recordPatches.1.member.syncCount"),
            ({"Key": "a", "Value": "v", "SyncCount": 0}, "recordPatches.1.member.op"),
        ]
        for patch, member in cases:
            with self.subTest(patch=patch):
                response = self.update("base", self.patch_body("base", [patch]))
                self.assertEqual(response.status, 400, response)
                if member is not None:
                    body = self.assertError(response, 400, "InvalidParameterException")
                    self.assertIn(f"at '{member}'", body["message"])
        # The model sets no minimum: a negative SyncCount is simply not the stored one (D15).
        negative = self.update("base", self.patch_body("base", [
            {"Op": "replace", "Key": "a", "Value": "v", "SyncCount": -1}]))
        self.assertError(negative, 409, "ResourceConflictException",
                         message="Current SyncCount for: a is: 0 not: -1")
        # Duplicate keys in one request (D15).
        response = self.update("base", self.patch_body("base", [
            {"Op": "replace", "Key": "a", "Value": "1", "SyncCount": 0},
            {"Op": "replace", "Key": "a", "Value": "2", "SyncCount": 0}]))
        self.assertError(response, 400, "InvalidParameterException",
                         message_contains="Duplicate key")
        self.assertNothingChanged()

    def test_list_records_query(self):  # D3, D20
        for query in ("?lastSyncCount=abc", "?maxResults=0", "?maxResults=-5",
                      "?maxResults=99999999999999999999", "?nextToken=forged"):
            with self.subTest(query=query):
                self.assertEqual(self.list_records("base", query).status, 400)
        zero = self.list_records("base", "?maxResults=0")
        self.assertError(zero, 400, "InvalidParameterException",
                         message="1 validation error detected: Value '0' at 'maxResults' failed "
                                 "to satisfy constraint: Member must have value greater than or "
                                 "equal to 1")
        huge = self.list_records("base", "?maxResults=1000000")
        self.assertEqual(huge.status, 200, huge)
        self.assertEqual(huge.json()["Count"], 1)
        self.assertNothingChanged()

    def test_session_token_problems(self):  # D18
        missing = self.update("base", {"RecordPatches": [
            {"Op": "replace", "Key": "a", "Value": "v", "SyncCount": 0}]})
        self.assertError(missing, 400, "InvalidParameterException",
                         message_contains="syncSessionToken")
        empty = call_sync(SERVER, "POST", self.path("base"), "")
        self.assertError(empty, 400, "InvalidParameterException",
                         message_contains="syncSessionToken")
        other = self.new_identity()
        foreign = self.update("base", {"SyncSessionToken": self.token("base", other),
                                       "RecordPatches": [{"Op": "replace", "Key": "a",
                                                          "Value": "v", "SyncCount": 0}]})
        self.assertError(foreign, 400, "InvalidParameterException", message=NOT_VALID)
        self.assertNothingChanged()

    def test_malformed_body(self):
        response = call_sync(SERVER, "POST", self.path("base"), '{"SyncSessionToken": ')
        self.assertEqual(response.status, 400, response)
        self.assertNothingChanged()


class LimitsTest(SyncRawTestCase):
    """The default limits (D19), reached with few, large requests."""

    def test_twenty_first_dataset(self):  # D19
        for i in range(19):  # "base" is the first
            self.write(f"ds{i:02d}", [{"Op": "replace", "Key": "k", "Value": "v",
                                       "SyncCount": 0}])
        self.before = self.snapshot()
        response = self.update("ds-21", self.patch_body("ds-21", [
            {"Op": "replace", "Key": "k", "Value": "v", "SyncCount": 0}]))
        self.assertError(response, 400, "LimitExceededException",
                         message="The maximum number of datasets per identity (20) has been "
                                 "reached.")
        self.assertNothingChanged()

    def test_record_1025(self):  # D19
        self.write("base", [{"Op": "replace", "Key": f"r{i:04d}", "Value": "v", "SyncCount": 0}
                            for i in range(1023)])
        self.before = self.snapshot()
        self.assertEqual(len(self.before[0]["Records"]), 1024)
        response = self.update("base", self.patch_body("base", [
            {"Op": "replace", "Key": "one-more", "Value": "v", "SyncCount": 0}]))
        self.assertError(response, 400, "LimitExceededException",
                         message="The maximum number of records per dataset (1024) would be "
                                 "exceeded.")
        self.assertNothingChanged()

    def test_dataset_over_one_megabyte(self):  # D19
        half = "x" * (600 * 1024)
        self.write("base", [{"Op": "replace", "Key": "first", "Value": half, "SyncCount": 0}])
        self.before = self.snapshot()
        response = self.update("base", self.patch_body("base", [
            {"Op": "replace", "Key": "second", "Value": half, "SyncCount": 0}]))
        self.assertError(response, 400, "LimitExceededException",
                         message="The maximum dataset size (1048576 bytes) would be exceeded.")
        self.assertNothingChanged()


class LegacyFormTest(SyncRawTestCase):
    """The seed documents' sample requests, replayed as `POST /` with the old target (D5)."""

    def test_list_identity_pool_usage_sample(self):  # D5, D22
        extra = []
        for _ in range(2):
            created = call_identity(SERVER, "CreateIdentityPool", {
                "IdentityPoolName": "seed", "AllowUnauthenticatedIdentities": False})
            extra.append(created.json()["IdentityPoolId"])
            self.addCleanup(call_identity, SERVER, "DeleteIdentityPool",
                            {"IdentityPoolId": extra[-1]})
        response = call_legacy(SERVER, "ListIdentityPoolUsage", {"MaxResults": "2"})
        self.assertEqual(response.status, 200, response)
        body = response.json()
        # The sample's shape: Count, IdentityPoolUsages, MaxResults, NextToken.
        self.assertEqual(set(body), {"Count", "IdentityPoolUsages", "MaxResults", "NextToken"})
        self.assertEqual((body["Count"], body["MaxResults"]), (2, 2))
        for usage in body["IdentityPoolUsages"]:
            self.assertLessEqual({"DataStorage", "IdentityPoolId", "SyncSessionsCount"},
                                 set(usage))
            self.assertIsInstance(usage["SyncSessionsCount"], int)  # D22: never null
        page2 = call_legacy(SERVER, "ListIdentityPoolUsage",
                            {"MaxResults": "2", "NextToken": body["NextToken"]})
        self.assertEqual(page2.status, 200, page2)
        seen = [u["IdentityPoolId"] for u in body["IdentityPoolUsages"] +
                page2.json()["IdentityPoolUsages"]]
        token = page2.json().get("NextToken")
        while token:
            more = call_legacy(SERVER, "ListIdentityPoolUsage",
                               {"MaxResults": "2", "NextToken": token}).json()
            seen += [u["IdentityPoolId"] for u in more["IdentityPoolUsages"]]
            token = more.get("NextToken")
        self.assertLessEqual({self.pool_id, *extra}, set(seen))
        mine = [u for u in body["IdentityPoolUsages"] + page2.json()["IdentityPoolUsages"]
                if u["IdentityPoolId"] == self.pool_id]
        for usage in mine:
            self.assertEqual(usage["DataStorage"], 2)

    def test_describe_identity_usage_sample(self):  # D5, D22
        # The sample's figures: one dataset of 16 bytes.
        identity_id = self.new_identity()
        self.write("game", [{"Op": "replace", "Key": "highscore", "Value": "1234567",
                             "SyncCount": 0}], identity_id=identity_id)
        response = call_legacy(SERVER, "DescribeIdentityUsage",
                               {"IdentityPoolId": self.pool_id, "IdentityId": identity_id})
        self.assertEqual(response.status, 200, response)
        body = response.json()
        self.assertEqual(set(body), {"IdentityUsage"})
        usage = body["IdentityUsage"]
        self.assertEqual(set(usage), {"DataStorage", "DatasetCount", "IdentityId",
                                      "IdentityPoolId", "LastModifiedDate"})
        self.assertEqual((usage["DataStorage"], usage["DatasetCount"]), (16, 1))
        self.assertEqual((usage["IdentityId"], usage["IdentityPoolId"]),
                         (identity_id, self.pool_id))
        self.assertIsInstance(usage["LastModifiedDate"], (int, float))

    def test_legacy_form_reaches_the_same_handlers(self):  # D5
        listed = call_legacy(SERVER, "ListRecords", {
            "IdentityPoolId": self.pool_id, "IdentityId": self.identity_id,
            "DatasetName": "base", "LastSyncCount": "0", "MaxResults": "10"})
        self.assertEqual(listed.status, 200, listed)
        self.assertEqual([r["Key"] for r in listed.json()["Records"]], ["k"])
        unknown = call_legacy(SERVER, "NoSuchOperation", {})
        self.assertEqual(unknown.status, 404, unknown)
        self.assertEqual(unknown.error_type, "UnknownOperationException")
        self.assertNothingChanged()


class ExpiredTokenTest(unittest.TestCase):
    """D18's one-hour lifetime, through the test-mode clock offset: a server restarted on the
    same data "61 minutes later" refuses the tokens it issued before. Skipped when the binary
    has no clock hook (the server logs the offset when it applies one)."""

    OFFSET = datetime.timedelta(minutes=61)

    def setUp(self):
        self.server = CogsyncServer().start()
        self.addCleanup(self.server.stop)

    def test_an_expired_token(self):  # D18
        server = self.server
        created = call_identity(server, "CreateIdentityPool", {
            "IdentityPoolName": "expiry", "AllowUnauthenticatedIdentities": True})
        pool_id = created.json()["IdentityPoolId"]
        identity_id = call_identity(server, "GetId", {"IdentityPoolId": pool_id},
                                    signed=False).json()["IdentityId"]
        path = dataset_path(pool_id, identity_id, "d")
        token = call_sync(server, "GET", path + "/records").json()["SyncSessionToken"]
        patch = {"Op": "replace", "Key": "k", "Value": "v", "SyncCount": 0}
        ok = call_sync(server, "POST", path, {"SyncSessionToken": token, "RecordPatches": [patch]})
        self.assertEqual(ok.status, 200, ok)

        os.environ["COGSYNC_TEST_CLOCK_OFFSET_SECONDS"] = str(int(self.OFFSET.total_seconds()))
        try:
            server.restart()
        finally:
            del os.environ["COGSYNC_TEST_CLOCK_OFFSET_SECONDS"]
        if "server clock runs" not in server.log():
            self.skipTest("this cogsync has no test clock hook")
        later = {"clock_skew": self.OFFSET}  # sign at the server's time
        patch = dict(patch, SyncCount=1)
        expired = call_sync(server, "POST", path,
                            {"SyncSessionToken": token, "RecordPatches": [patch]}, **later)
        self.assertEqual((expired.status, expired.error_type),
                         (400, "InvalidParameterException"), expired)
        self.assertEqual(expired.json()["message"], NOT_VALID)
        continued = call_sync(server, "GET", path + "/records?syncSessionToken=" + token, **later)
        self.assertEqual(continued.status, 400, continued)
        # Nothing changed; a fresh token works.
        listed = call_sync(server, "GET", path + "/records", **later).json()
        self.assertEqual(listed["DatasetSyncCount"], 1)
        fresh = call_sync(server, "POST", path, {"SyncSessionToken": listed["SyncSessionToken"],
                                                 "RecordPatches": [patch]}, **later)
        self.assertEqual(fresh.status, 200, fresh)
        self.assertEqual(fresh.json()["Records"][0]["SyncCount"], 2)


if __name__ == "__main__":
    unittest.main()
