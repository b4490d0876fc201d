"""Cognito Events: the SyncTrigger function is called during UpdateRecords (D25).

The function is a fake Lambda that checks cogsync's SigV4 signature with botocore (Lambda Invoke
mode) or a plain URL (sync_trigger_urls mode). Only identity credentials invoke it; its answer
decides what is committed; a throttled, slow, failing or malformed function commits nothing.
"""

import copy
import time
import unittest

from botocore.exceptions import ClientError

from integrations_case import (OUTBOUND_KEY_ID, OUTBOUND_SECRET, TRIGGER_ARN, IntegrationTestCase,
                               integrations_config)
from support import lambda_fake
from support.cogsync_server import REGION, CogsyncServer, free_port
from support.lambda_fake import LambdaFake

URL_ARN = "arn:aws:lambda:us-east-1:000000000000:function:url-trigger"
DEAD_ARN = "arn:aws:lambda:us-east-1:000000000000:function:unreachable"
URL_PATH = "/hooks/sync-trigger"
BAD_OUTPUT = "InvalidLambdaFunctionOutputException"

FAKE = LambdaFake(OUTBOUND_KEY_ID, OUTBOUND_SECRET)
SERVER = None


def setUpModule():
    global SERVER
    FAKE.start()
    SERVER = CogsyncServer(config=integrations_config(
        lambda_endpoint=FAKE.endpoint, trigger_timeout_ms=1000,
        sync_trigger_urls={URL_ARN: FAKE.url(URL_PATH),
                           DEAD_ARN: f"http://127.0.0.1:{free_port()}/gone"}))
    try:
        SERVER.start()
    except Exception:
        FAKE.stop()
        raise


def tearDownModule():
    SERVER.stop()
    FAKE.stop()


class EventsCase(IntegrationTestCase):
    server = None
    fake = FAKE
    trigger = TRIGGER_ARN

    def setUp(self):
        if self.server is None:
            self.server = SERVER
        super().setUp()
        self.fake.reset()
        self.pool_id = self.new_sync_pool()
        self.set_trigger(self.pool_id, self.trigger)
        self.identity_id = self.new_identity(self.pool_id)
        self.client = self.identity_sync(self.identity_id)

    def tearDown(self):
        self.assertEqual(self.fake.signature_failures, [])

    def seed(self, values):
        """Writes values with the developer key (which does not invoke the trigger)."""
        self.put(self.pool_id, self.identity_id, "prefs", values)

    def identity_patch(self, patches):
        return self.patch(self.pool_id, self.identity_id, "prefs", patches, client=self.client)

    def state(self):
        return self.dataset_state(self.pool_id, self.identity_id, "prefs")

    def assertRejected(self, code, status, patches):
        """The update fails with code/status and nothing is committed."""
        before = self.state()
        started = time.monotonic()
        self.assertSyncError(code, status, self.identity_patch, patches)
        elapsed = time.monotonic() - started
        self.assertEqual(self.state(), before)
        return elapsed


class LambdaInvokeTest(EventsCase):
    def test_identity_update_sends_the_event_with_every_record(self):  # D25
        self.seed({"keep": "k", "change": "1", "drop": "2"})
        self.identity_patch([{"Op": "replace", "Key": "change", "Value": "11", "SyncCount": 1},
                             {"Op": "remove", "Key": "drop", "SyncCount": 1},
                             {"Op": "replace", "Key": "new", "Value": "3", "SyncCount": 0}])
        self.assertEqual(len(self.fake.invocations), 1)
        invocation = self.fake.invocations[0]
        self.assertEqual(invocation.kind, "lambda")
        self.assertEqual(invocation.function, TRIGGER_ARN)
        self.assertEqual(invocation.headers.get("x-amz-invocation-type"), "RequestResponse")
        event = invocation.event
        self.assertEqual({k: v for k, v in event.items() if k != "datasetRecords"}, {
            "version": 2, "eventType": "SyncTrigger", "region": REGION,
            "identityPoolId": self.pool_id, "identityId": self.identity_id,
            "datasetName": "prefs"})
        records = event["datasetRecords"]
        self.assertEqual(set(records), {"keep", "change", "drop", "new"})
        self.assertEqual(records["keep"], {"oldValue": "k", "newValue": "k", "op": "replace"})
        self.assertEqual(records["change"], {"oldValue": "1", "newValue": "11", "op": "replace"})
        self.assertEqual((records["drop"]["oldValue"], records["drop"]["op"]), ("2", "remove"))
        self.assertIsNone(records["drop"].get("newValue"))
        self.assertEqual((records["new"]["newValue"], records["new"]["op"]), ("3", "replace"))
        self.assertIsNone(records["new"].get("oldValue"))
        # The echo answer commits the patch as sent.
        self.assertEqual(self.state(), (True, 2, {"keep": "k", "change": "11", "new": "3"}))

    def test_the_function_answer_is_what_gets_committed(self):  # D25
        self.seed({"a": "1", "b": "2", "c": "3"})

        def modify(event):
            answer = copy.deepcopy(event)
            answer["datasetRecords"]["a"]["newValue"] = "rewritten"
            answer["datasetRecords"]["added"] = {"newValue": "by-function", "op": "replace"}
            answer["datasetRecords"]["b"] = {"oldValue": "2", "newValue": None, "op": "replace"}
            answer["datasetRecords"]["c"]["op"] = "remove"
            return answer
        self.fake.behave(lambda_fake.MODIFY, modify=modify)
        result = self.identity_patch([{"Op": "replace", "Key": "a", "Value": "user",
                                       "SyncCount": 1}])
        self.assertEqual(self.state(), (True, 2, {"a": "rewritten", "added": "by-function"}))
        written = {r["Key"]: (r.get("Value"), r["SyncCount"]) for r in result["Records"]}
        self.assertEqual(written.get("a"), ("rewritten", 2), result["Records"])
        self.assertEqual(written.get("added"), ("by-function", 2), result["Records"])

    def test_keys_the_answer_omits_keep_the_event_version(self):
        self.seed({"a": "1"})

        def drop_all(event):
            answer = copy.deepcopy(event)
            answer["datasetRecords"] = {}
            return answer
        self.fake.behave(lambda_fake.MODIFY, modify=drop_all)
        self.identity_patch([{"Op": "replace", "Key": "a", "Value": "2", "SyncCount": 1},
                             {"Op": "replace", "Key": "b", "Value": "new", "SyncCount": 0}])
        self.assertEqual(self.state(), (True, 2, {"a": "2", "b": "new"}))

    def test_developer_credentials_do_not_invoke(self):
        self.seed({"a": "1"})
        self.update(self.pool_id, self.identity_id, "prefs", [("replace", "a", "2", 1)])
        self.assertEqual(self.fake.invocations, [])
        self.assertEqual(self.state(), (True, 2, {"a": "2"}))

    def test_a_pool_without_trigger_does_not_invoke(self):
        self.sync.set_cognito_events(IdentityPoolId=self.pool_id, Events={"SyncTrigger": ""})
        self.identity_patch([{"Op": "replace", "Key": "a", "Value": "1", "SyncCount": 0}])
        self.assertEqual(self.fake.invocations, [])
        self.assertEqual(self.state(), (True, 1, {"a": "1"}))

    def test_throttled_function(self):
        self.seed({"a": "1"})
        self.fake.behave(lambda_fake.THROTTLE)
        self.assertRejected("LambdaThrottledException", 429,
                            [{"Op": "replace", "Key": "a", "Value": "2", "SyncCount": 1}])
        self.assertEqual(len(self.fake.invocations), 1)

    def test_slow_function_times_out(self):
        self.fake.behave(lambda_fake.SLEEP, seconds=3)
        elapsed = self.assertRejected(BAD_OUTPUT, 400, [{"Op": "replace", "Key": "a",
                                                         "Value": "1", "SyncCount": 0}])
        # trigger_timeout_ms is 1000 in this module.
        self.assertGreaterEqual(elapsed, 0.9)
        self.assertLess(elapsed, 2.9)
        self.assertIs(self.state()[0], False)

    def test_malformed_answer(self):
        self.seed({"a": "1"})
        self.fake.behave(lambda_fake.MALFORMED)
        self.assertRejected(BAD_OUTPUT, 400,
                            [{"Op": "replace", "Key": "a", "Value": "2", "SyncCount": 1}])

    def test_answer_that_changes_the_identity(self):
        self.seed({"a": "1"})

        def steal(event):
            answer = copy.deepcopy(event)
            answer["identityId"] = "us-east-1:99999999-9999-9999-9999-999999999999"
            return answer
        self.fake.behave(lambda_fake.MODIFY, modify=steal)
        self.assertRejected(BAD_OUTPUT, 400,
                            [{"Op": "replace", "Key": "a", "Value": "2", "SyncCount": 1}])

    def test_answer_that_changes_the_dataset_name(self):
        def rename(event):
            answer = copy.deepcopy(event)
            answer["datasetName"] = "elsewhere"
            return answer
        self.fake.behave(lambda_fake.MODIFY, modify=rename)
        self.assertRejected(BAD_OUTPUT, 400,
                            [{"Op": "replace", "Key": "a", "Value": "2", "SyncCount": 0}])

    def test_function_error(self):
        self.fake.behave(lambda_fake.FUNCTION_ERROR)
        self.assertRejected(BAD_OUTPUT, 400,
                            [{"Op": "replace", "Key": "a", "Value": "2", "SyncCount": 0}])

    def test_unreachable_target_commits_nothing(self):
        self.sync.set_cognito_events(IdentityPoolId=self.pool_id, Events={"SyncTrigger": DEAD_ARN})
        before = self.state()
        with self.assertRaises(ClientError) as cm:
            self.identity_patch([{"Op": "replace", "Key": "a", "Value": "1", "SyncCount": 0}])
        self.assertGreaterEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 400)
        self.assertEqual(self.state(), before)


class TriggerUrlTest(EventsCase):
    """sync_trigger_urls: the event is POSTed as it is to the configured URL."""

    trigger = URL_ARN

    def test_url_receives_the_event_and_answers(self):
        self.seed({"a": "1"})

        def modify(event):
            answer = copy.deepcopy(event)
            answer["datasetRecords"]["a"]["newValue"] = "from-url"
            return answer
        self.fake.behave(lambda_fake.MODIFY, modify=modify)
        self.identity_patch([{"Op": "replace", "Key": "a", "Value": "2", "SyncCount": 1}])
        self.assertEqual(len(self.fake.invocations), 1)
        invocation = self.fake.invocations[0]
        self.assertEqual((invocation.kind, invocation.path), ("url", URL_PATH))
        self.assertEqual(invocation.event["eventType"], "SyncTrigger")
        self.assertEqual(invocation.event["datasetRecords"]["a"],
                         {"oldValue": "1", "newValue": "2", "op": "replace"})
        self.assertEqual(self.state(), (True, 2, {"a": "from-url"}))

    def test_url_malformed_answer(self):
        self.fake.behave(lambda_fake.MALFORMED)
        self.assertRejected(BAD_OUTPUT, 400,
                            [{"Op": "replace", "Key": "a", "Value": "2", "SyncCount": 0}])

    def test_url_throttled(self):
        self.fake.behave(lambda_fake.THROTTLE)
        self.assertRejected("LambdaThrottledException", 429,
                            [{"Op": "replace", "Key": "a", "Value": "2", "SyncCount": 0}])

    def test_developer_credentials_do_not_call_the_url(self):
        self.seed({"a": "1"})
        self.assertEqual(self.fake.invocations, [])


class DefaultTimeoutTest(EventsCase):
    """Without trigger_timeout_ms the function has 5 s (D25)."""

    fake = LambdaFake(OUTBOUND_KEY_ID, OUTBOUND_SECRET)

    @classmethod
    def setUpClass(cls):
        cls.fake.start()
        cls.server = CogsyncServer(config=integrations_config(lambda_endpoint=cls.fake.endpoint))
        cls.server.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.fake.stop()

    def test_six_seconds_is_too_slow(self):
        self.fake.behave(lambda_fake.SLEEP, seconds=6)
        elapsed = self.assertRejected(BAD_OUTPUT, 400, [{"Op": "replace", "Key": "a",
                                                         "Value": "1", "SyncCount": 0}])
        self.assertGreaterEqual(elapsed, 4.5)
        self.assertLess(elapsed, 5.9)

    def test_four_seconds_is_in_time(self):
        self.fake.behave(lambda_fake.SLEEP, seconds=4)
        self.identity_patch([{"Op": "replace", "Key": "a", "Value": "1", "SyncCount": 0}])
        self.assertEqual(self.state(), (True, 1, {"a": "1"}))


class SessionTokenTest(EventsCase):
    """Temporary outbound credentials: the session token is sent and signed (D25)."""

    fake = LambdaFake(OUTBOUND_KEY_ID, OUTBOUND_SECRET, session_token="FQoGZXIvYXdzEXAMPLE//tok=")

    @classmethod
    def setUpClass(cls):
        cls.fake.start()
        cls.server = CogsyncServer(config=integrations_config(
            lambda_endpoint=cls.fake.endpoint, aws_session_token="FQoGZXIvYXdzEXAMPLE//tok="))
        cls.server.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.fake.stop()

    def test_signed_with_the_session_token(self):
        self.identity_patch([{"Op": "replace", "Key": "a", "Value": "1", "SyncCount": 0}])
        self.assertEqual(len(self.fake.invocations), 1)
        self.assertEqual(self.fake.invocations[0].headers.get("x-amz-security-token"),
                         "FQoGZXIvYXdzEXAMPLE//tok=")
        self.assertEqual(self.state(), (True, 1, {"a": "1"}))


if __name__ == "__main__":
    unittest.main()
