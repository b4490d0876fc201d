"""BulkPublish (D26) against a real Kinesis implementation (moto's server behind a proxy that
the tests switch off to hold a run IN_PROGRESS).

A run publishes every live dataset of the pool once (operation replace, all live records); one
runs at a time, one success per 24 hours; a run interrupted by a restart, graceful or SIGKILL,
resumes or fails but never stays IN_PROGRESS.
"""

import time
import unittest
import uuid

from integrations_case import (IntegrationTestCase, decode_stream_data, kill_hard,
                               start_behind_moto, stop_gracefully, wait_until)
from support.moto_server import MotoServer

MOTO = MotoServer()
SERVER = None
IDENTITIES = 3


def setUpModule():
    global SERVER
    SERVER = start_behind_moto(MOTO, kinesis_endpoint=True)


def tearDownModule():
    SERVER.stop()
    MOTO.stop()


class BulkCase(IntegrationTestCase):
    server = None

    def setUp(self):
        if self.server is None:
            self.server = SERVER
        super().setUp()
        if not MOTO.proxy.is_up:
            MOTO.sink_up()

    def details(self, pool_id):
        return self.sync.get_bulk_publish_details(IdentityPoolId=pool_id)

    def wait_finished(self, pool_id, timeout=40.0):
        details = wait_until(
            lambda: (lambda d: d if d["BulkPublishStatus"] != "IN_PROGRESS" else None)(
                self.details(pool_id)), timeout=timeout, interval=0.1)
        details = details or self.details(pool_id)
        self.assertNotEqual(details["BulkPublishStatus"], "IN_PROGRESS",
                            f"still IN_PROGRESS after {timeout} s:\n{self.server.log()}")
        return details

    def populated_pool(self):
        """A pool with streaming DISABLED (so nothing is streamed live) holding, per identity, two
        live datasets, one with a removed record, and one deleted dataset. Returns
        (pool_id, stream name, {(identity, dataset): (sync count, {key: value})})."""
        pool_id = self.new_sync_pool()
        stream = f"bulk-{uuid.uuid4().hex[:10]}"
        MOTO.create_stream(stream)
        self.enable_streams(pool_id, stream, "DISABLED")
        expected = {}
        for i in range(IDENTITIES):
            identity_id = self.new_identity(pool_id)
            self.put(pool_id, identity_id, "profile", {"name": f"user{i}", "age": str(20 + i)})
            self.put(pool_id, identity_id, "scores", {"s1": "1", "gone": "x"})
            self.update(pool_id, identity_id, "scores", [("remove", "gone", None, 1),
                                                         ("replace", "s1", "2", 1)])
            self.put(pool_id, identity_id, "deleted", {"d": "1"})
            self.sync.delete_dataset(IdentityPoolId=pool_id, IdentityId=identity_id,
                                     DatasetName="deleted")
            expected[(identity_id, "profile")] = (1, {"name": f"user{i}", "age": str(20 + i)})
            expected[(identity_id, "scores")] = (2, {"s1": "2"})
        return pool_id, stream, expected

    def stream(self, name):
        return [(key, decode_stream_data(data)) for key, data, _ in MOTO.stream_records(name)]

    def assertBulkRecords(self, pool_id, stream, expected):
        """Every live dataset is in the stream in the record format, with its live records."""
        records = wait_until(lambda: (lambda r: r if len(r) >= len(expected) else None)(
            self.stream(stream)), timeout=10) or self.stream(stream)
        got = {}
        for partition_key, record in records:
            self.assertEqual(partition_key, record["identityId"])
            self.assertEqual(record["identityPoolId"], pool_id)
            self.assertEqual(record["operation"], "replace")
            self.assertEqual(record["payloadType"], "Inline")
            live = {e["key"]: e["value"] for e in record["kinesisSyncRecords"]
                    if e["op"] == "replace"}
            got[(record["identityId"], record["dataSetName"])] = (record["syncCount"], live)
        self.assertEqual(got, expected)
        self.assertEqual(len(records), len(expected), "a dataset was published twice")


class BulkPublishTest(BulkCase):
    def test_streams_not_configured_or_disabled(self):  # D26
        pool_id = self.new_sync_pool()
        self.assertSyncError("InvalidParameterException", 400, self.sync.bulk_publish,
                             IdentityPoolId=pool_id)
        self.enable_streams(pool_id, "some-stream", "DISABLED")
        self.assertSyncError("InvalidParameterException", 400, self.sync.bulk_publish,
                             IdentityPoolId=pool_id)
        self.assertEqual(self.details(pool_id)["BulkPublishStatus"], "NOT_STARTED")

    def test_publishes_every_live_dataset_once(self):  # D26
        pool_id, stream, expected = self.populated_pool()
        self.assertEqual(self.stream(stream), [])
        self.enable_streams(pool_id, stream)
        started = time.time()
        self.assertEqual(self.sync.bulk_publish(IdentityPoolId=pool_id)["IdentityPoolId"],
                         pool_id)
        self.assertIn(self.details(pool_id)["BulkPublishStatus"], ("IN_PROGRESS", "SUCCEEDED"))
        details = self.wait_finished(pool_id)
        self.assertEqual(details["BulkPublishStatus"], "SUCCEEDED", details)
        self.assertNotIn("FailureMessage", details)
        start = details["BulkPublishStartTime"].timestamp()
        self.assertLess(abs(start - started), 60)
        self.assertLessEqual(start, details["BulkPublishCompleteTime"].timestamp())
        self.assertBulkRecords(pool_id, stream, expected)
        # One success per 24 hours.
        self.assertSyncError("AlreadyStreamedException", 400, self.sync.bulk_publish,
                             IdentityPoolId=pool_id)

    def test_second_request_while_in_progress(self):  # D26
        pool_id, stream, expected = self.populated_pool()
        self.enable_streams(pool_id, stream)
        MOTO.sink_down()
        try:
            self.sync.bulk_publish(IdentityPoolId=pool_id)
            time.sleep(0.5)
            self.assertEqual(self.details(pool_id)["BulkPublishStatus"], "IN_PROGRESS")
            self.assertSyncError("DuplicateRequestException", 400, self.sync.bulk_publish,
                                 IdentityPoolId=pool_id)
        finally:
            MOTO.sink_up()
        details = self.wait_finished(pool_id)
        self.assertEqual(details["BulkPublishStatus"], "SUCCEEDED", details)
        self.assertBulkRecords(pool_id, stream, expected)

    def test_disabling_streaming_fails_the_run_and_allows_another(self):  # D26
        pool_id, stream, expected = self.populated_pool()
        self.enable_streams(pool_id, stream)
        MOTO.sink_down()
        try:
            self.sync.bulk_publish(IdentityPoolId=pool_id)
            self.enable_streams(pool_id, stream, "DISABLED")
        finally:
            MOTO.sink_up()
        details = self.wait_finished(pool_id)
        self.assertEqual(details["BulkPublishStatus"], "FAILED", details)
        self.assertTrue(details.get("FailureMessage"), details)
        # A FAILED run does not start the 24-hour window.
        self.enable_streams(pool_id, stream)
        self.sync.bulk_publish(IdentityPoolId=pool_id)
        self.assertEqual(self.wait_finished(pool_id)["BulkPublishStatus"], "SUCCEEDED")


class BulkRestartTest(BulkCase):
    """The process stops while a run is IN_PROGRESS (the sink is down so it cannot finish)."""

    def _interrupted_run(self, stop):
        server = self.own_server(kinesis_endpoint=MOTO.sink_endpoint)
        pool_id, stream, expected = self.populated_pool()
        self.enable_streams(pool_id, stream)
        MOTO.sink_down()
        try:
            self.sync.bulk_publish(IdentityPoolId=pool_id)
            time.sleep(0.5)
            self.assertEqual(self.details(pool_id)["BulkPublishStatus"], "IN_PROGRESS")
            stop(server)
        finally:
            MOTO.sink_up()
        server.start()  # same data directory
        restarted = time.monotonic()
        self.use_server(server)
        # The previous process's claim on the run may have to expire first (a minute at most).
        details = self.wait_finished(pool_id, timeout=75)
        print(f"\nBULK_RESUME status={details['BulkPublishStatus']} "
              f"seconds_after_restart={time.monotonic() - restarted:.1f}", flush=True)
        self.assertIn(details["BulkPublishStatus"], ("SUCCEEDED", "FAILED"), details)
        if details["BulkPublishStatus"] == "SUCCEEDED":
            self.assertBulkRecords(pool_id, stream, expected)
        else:
            self.assertTrue(details.get("FailureMessage"), details)
        return details

    def test_graceful_restart(self):  # D26
        self._interrupted_run(stop_gracefully)

    def test_sigkill(self):  # D24, D26
        self._interrupted_run(kill_hard)


if __name__ == "__main__":
    unittest.main()
