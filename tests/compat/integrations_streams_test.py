"""Cognito Streams against a real Kinesis implementation (moto's server) and the file sink.

Every UpdateRecords that changes something and every DeleteDataset of a pool with
StreamingStatus ENABLED becomes one record, delivered at least once and in order per dataset,
also when the sink is down for a while or cogsync is killed with records still owed (D24, D25).
The latency test prints `STREAMS_LATENCY median_ms=.. p99_ms=..` (default outbox settings).
"""

import datetime
import os
import statistics
import tempfile
import shutil
import time
import unittest
import uuid

from integrations_case import (IntegrationTestCase, decode_stream_data, epoch_ms,
                               integrations_config, kill_hard, read_jsonl, start_behind_moto,
                               wait_until)
from support.cogsync_server import CogsyncServer
from support.moto_server import MotoServer
from sync_case import DEVELOPER_KEY_NAME

MOTO = MotoServer()
SERVER = None
RECORD_FIELDS = {"identityPoolId", "identityId", "dataSetName", "operation", "kinesisSyncRecords",
                 "lastModifiedDate", "syncCount", "payloadType"}
ENTRY_FIELDS = {"key", "value", "syncCount", "lastModifiedDate", "deviceLastModifiedDate",
                "lastModifiedBy", "op"}
DEVICE_DATE = datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
DEVICE_DATE_MS = 1704164645000


def setUpModule():
    global SERVER
    SERVER = start_behind_moto(MOTO, kinesis_endpoint=True)


def tearDownModule():
    try:
        SERVER.stop()  # raises a race report of the TSan build, after stopping
    finally:
        MOTO.stop()


def stream_name():
    return f"cogsync-{uuid.uuid4().hex[:10]}"


class StreamsCase(IntegrationTestCase):
    server = None

    def setUp(self):
        self.server = SERVER
        super().setUp()
        if not MOTO.proxy.is_up:
            MOTO.sink_up()

    def new_streaming_pool(self, status="ENABLED"):
        pool_id = self.new_sync_pool()
        name = stream_name()
        MOTO.create_stream(name)
        self.enable_streams(pool_id, name, status)
        return pool_id, name

    def stream(self, name):
        """The stream's records, decoded, with their partition keys, in stream order."""
        return [(key, decode_stream_data(data)) for key, data, _ in MOTO.stream_records(name)]

    def wait_stream(self, name, count, timeout=20.0):
        records = wait_until(lambda: (lambda r: r if len(r) >= count else None)(self.stream(name)),
                             timeout=timeout)
        records = records or self.stream(name)
        self.assertGreaterEqual(len(records), count,
                                f"{len(records)} of {count} records arrived:\n"
                                f"{self.server.log()}")
        return records

    def assertRecordShape(self, record, pool_id, identity_id, dataset, operation, sync_count):
        self.assertEqual(set(record), RECORD_FIELDS, record)
        self.assertEqual(record["identityPoolId"], pool_id)
        self.assertEqual(record["identityId"], identity_id)
        self.assertEqual(record["dataSetName"], dataset)  # capital S, as AWS writes it
        self.assertEqual(record["operation"], operation)
        self.assertEqual(record["syncCount"], sync_count)
        self.assertEqual(record["payloadType"], "Inline")
        self.assertIsInstance(record["lastModifiedDate"], int)
        # Milliseconds since the epoch: within a minute of now (seconds would be 1000x smaller).
        self.assertLess(abs(record["lastModifiedDate"] - time.time() * 1000), 60_000, record)


class StreamsFormatTest(StreamsCase):
    def test_identity_updates_become_records_in_the_aws_format(self):  # D25, D21
        pool_id, name = self.new_streaming_pool()
        identity_id = self.new_identity(pool_id)
        client = self.identity_sync(identity_id)
        first = self.patch(pool_id, identity_id, "prefs", [
            {"Op": "replace", "Key": "color", "Value": "red", "SyncCount": 0,
             "DeviceLastModifiedDate": DEVICE_DATE},
            {"Op": "replace", "Key": "size", "Value": "L", "SyncCount": 0}], client=client)
        second = self.patch(pool_id, identity_id, "prefs", [
            {"Op": "replace", "Key": "color", "Value": "blue", "SyncCount": 1},
            {"Op": "remove", "Key": "size", "SyncCount": 1}], client=client)

        records = self.wait_stream(name, 2)
        self.assertEqual(len(records), 2, records)
        self.assertEqual([key for key, _ in records], [identity_id, identity_id])

        rec = records[0][1]
        self.assertRecordShape(rec, pool_id, identity_id, "prefs", "replace", 1)
        by_key = {e["key"]: e for e in rec["kinesisSyncRecords"]}
        self.assertEqual(set(by_key), {"color", "size"})
        written = {r["Key"]: r for r in first["Records"]}
        for key, value in (("color", "red"), ("size", "L")):
            entry = by_key[key]
            self.assertEqual(set(entry), ENTRY_FIELDS, entry)
            self.assertEqual((entry["value"], entry["syncCount"], entry["op"],
                              entry["lastModifiedBy"]), (value, 1, "replace", identity_id))
            self.assertLessEqual(abs(entry["lastModifiedDate"]
                                     - epoch_ms(written[key]["LastModifiedDate"])), 1, entry)
        self.assertEqual(by_key["color"]["deviceLastModifiedDate"], DEVICE_DATE_MS)
        self.assertIsInstance(by_key["size"]["deviceLastModifiedDate"], int)

        rec = records[1][1]
        self.assertRecordShape(rec, pool_id, identity_id, "prefs", "replace", 2)
        by_key = {e["key"]: e for e in rec["kinesisSyncRecords"]}
        self.assertEqual(set(by_key), {"color", "size"})
        self.assertEqual((by_key["color"]["value"], by_key["color"]["syncCount"],
                          by_key["color"]["op"]), ("blue", 2, "replace"))
        self.assertEqual((by_key["size"]["syncCount"], by_key["size"]["op"]), (2, "remove"))
        self.assertNotIn("value", by_key["size"])  # a removed record has no value
        self.assertLessEqual(abs(rec["lastModifiedDate"]
                                 - epoch_ms(second["Records"][0]["LastModifiedDate"])), 1000)

    def test_developer_updates_and_delete_dataset(self):  # D21, D25
        pool_id, name = self.new_streaming_pool()
        identity_id = self.new_identity(pool_id)
        self.put(pool_id, identity_id, "game", {"level": "1", "score": "10"})
        self.update(pool_id, identity_id, "game", [("replace", "level", "2", 1)])
        self.sync.delete_dataset(IdentityPoolId=pool_id, IdentityId=identity_id,
                                 DatasetName="game")
        records = self.wait_stream(name, 3)
        self.assertEqual(len(records), 3)
        first, second, deleted = (r for _, r in records)
        self.assertRecordShape(first, pool_id, identity_id, "game", "replace", 1)
        self.assertEqual({e["lastModifiedBy"] for e in first["kinesisSyncRecords"]},
                         {DEVELOPER_KEY_NAME})
        self.assertRecordShape(second, pool_id, identity_id, "game", "replace", 2)
        self.assertEqual([(e["key"], e["value"], e["syncCount"]) for e in
                          second["kinesisSyncRecords"]], [("level", "2", 2)])
        # DeleteDataset: operation remove, no records, the count at deletion.
        self.assertRecordShape(deleted, pool_id, identity_id, "game", "remove", 2)
        self.assertEqual(deleted["kinesisSyncRecords"], [])

    def test_an_update_that_changes_nothing_writes_no_record(self):
        pool_id, name = self.new_streaming_pool()
        identity_id = self.new_identity(pool_id)
        self.put(pool_id, identity_id, "prefs", {"a": "1"})
        self.assertEqual(self.update(pool_id, identity_id, "prefs", [])["Records"], [])
        self.put(pool_id, identity_id, "barrier", {"b": "2"})
        records = self.wait_stream(name, 2)
        time.sleep(0.5)
        records = self.stream(name)
        self.assertEqual([(r["dataSetName"], r["syncCount"]) for _, r in records],
                         [("prefs", 1), ("barrier", 1)])

    def test_order_per_dataset_over_many_updates(self):  # D24
        pool_id, name = self.new_streaming_pool()
        identity_id = self.new_identity(pool_id)
        client = self.identity_sync(identity_id)
        for i in range(30):
            self.patch(pool_id, identity_id, "counter",
                       [{"Op": "replace", "Key": "n", "Value": str(i), "SyncCount": i}],
                       client=client)
            if i % 2 == 0:  # a second dataset interleaved
                self.patch(pool_id, identity_id, "side",
                           [{"Op": "replace", "Key": "m", "Value": str(i), "SyncCount": i // 2}],
                           client=client)
        records = self.wait_stream(name, 45)
        self.assertEqual(len(records), 45)
        counter = [r for _, r in records if r["dataSetName"] == "counter"]
        side = [r for _, r in records if r["dataSetName"] == "side"]
        self.assertEqual([r["syncCount"] for r in counter], list(range(1, 31)))
        self.assertEqual([r["kinesisSyncRecords"][0]["value"] for r in counter],
                         [str(i) for i in range(30)])
        self.assertEqual([r["syncCount"] for r in side], list(range(1, 16)))

    def test_disabled_or_unconfigured_streaming_writes_nothing(self):
        disabled_pool, disabled_stream = self.new_streaming_pool(status="DISABLED")
        plain_pool = self.new_sync_pool()
        enabled_pool, enabled_stream = self.new_streaming_pool()
        for pool_id in (disabled_pool, plain_pool):
            identity_id = self.new_identity(pool_id)
            self.put(pool_id, identity_id, "prefs", {"a": "1"})
            self.sync.delete_dataset(IdentityPoolId=pool_id, IdentityId=identity_id,
                                     DatasetName="prefs")
        # A record of an enabled pool written after them is the barrier: the outbox is
        # drained past the point where the others would have been.
        identity_id = self.new_identity(enabled_pool)
        self.put(enabled_pool, identity_id, "prefs", {"a": "1"})
        self.wait_stream(enabled_stream, 1)
        time.sleep(0.5)
        self.assertEqual(self.stream(disabled_stream), [])
        # Enabling later streams what comes next, not what happened while disabled.
        self.enable_streams(disabled_pool, disabled_stream)
        identity_id = self.new_identity(disabled_pool)
        self.put(disabled_pool, identity_id, "later", {"x": "y"})
        records = self.wait_stream(disabled_stream, 1)
        time.sleep(0.3)
        self.assertEqual([r["dataSetName"] for _, r in self.stream(disabled_stream)], ["later"])


class OversizedRecordTest(StreamsCase):
    def test_a_record_over_one_mib_arrives_as_several_in_order(self):  # D25
        # Quotes double in JSON: two 450,000-byte values make a stream record of about 1.8 MB,
        # over Kinesis's 1 MiB limit, while the dataset stays under its 1 MiB of UTF-8.
        pool_id, name = self.new_streaming_pool()
        identity_id = self.new_identity(pool_id)
        values = {"a": '"' * 450_000, "b": '"' * 450_000}
        self.patch(pool_id, identity_id, "big", [
            {"Op": "replace", "Key": k, "Value": v, "SyncCount": 0} for k, v in values.items()])
        records = self.wait_stream(name, 2)
        self.assertEqual(len(records), 2)
        entries = []
        for key, record in records:
            self.assertEqual(key, identity_id)
            self.assertRecordShape(record, pool_id, identity_id, "big", "replace", 1)
            entries += record["kinesisSyncRecords"]
        self.assertEqual([(e["key"], e["value"]) for e in entries], list(values.items()))


class StreamsFaultTest(StreamsCase):
    def _write_two_datasets(self, server_pool, identity_id, client, counts):
        for i in range(max(counts.values())):
            for dataset, n in counts.items():
                if i < n:
                    self.patch(server_pool, identity_id, dataset,
                               [{"Op": "replace", "Key": "k", "Value": f"{dataset}-{i}",
                                 "SyncCount": i}], client=client)

    def assertDeliveredInOrder(self, records, counts):
        """Every (dataset, syncCount) at least once; per dataset never going backwards."""
        for dataset, n in counts.items():
            seen = [r["syncCount"] for _, r in records if r["dataSetName"] == dataset]
            self.assertEqual(sorted(set(seen)), list(range(1, n + 1)), (dataset, seen))
            self.assertEqual(seen, sorted(seen), f"{dataset} out of order: {seen}")

    def test_records_wait_while_the_sink_is_down(self):  # D24
        pool_id, name = self.new_streaming_pool()
        identity_id = self.new_identity(pool_id)
        client = self.identity_sync(identity_id)
        MOTO.sink_down()
        counts = {"a": 8, "b": 4}
        self._write_two_datasets(pool_id, identity_id, client, counts)
        time.sleep(1.5)  # several retry rounds against a refused connection
        self.assertEqual(self.stream(name), [])
        # The backlog is visible while it waits, and gone once delivered.
        self.assertGreaterEqual(self.metric("cogsync_outbox_pending"), 12)
        self.assertGreater(self.metric("cogsync_outbox_failed_attempts_total"), 0)
        MOTO.sink_up()
        records = self.wait_stream(name, 12)
        self.assertDeliveredInOrder(records, counts)
        self.assertTrue(wait_until(lambda: self.metric("cogsync_outbox_pending") == 0),
                        "the backlog gauge did not return to 0")

    def metric(self, name):
        status, _, body = self.server.http("GET", "/metrics")
        self.assertEqual(status, 200)
        for line in body.decode().splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
        self.fail(f"{name} missing from /metrics")

    def test_sigkill_with_records_pending(self):  # D24
        server = self.own_server(kinesis_endpoint=MOTO.sink_endpoint)
        pool_id, name = self.new_streaming_pool()
        identity_id = self.new_identity(pool_id)
        client = self.identity_sync(identity_id)
        MOTO.sink_down()
        counts = {"a": 6, "b": 3}
        self._write_two_datasets(pool_id, identity_id, client, counts)
        time.sleep(0.5)
        kill_hard(server)
        MOTO.sink_up()
        self.assertEqual(self.stream(name), [])
        server.start()  # same data directory
        restarted = time.monotonic()
        records = self.wait_stream(name, 9, timeout=30)
        print(f"\nSTREAMS_RESUME seconds_after_restart={time.monotonic() - restarted:.1f}",
              flush=True)
        self.assertDeliveredInOrder(records, counts)


class FileSinkTest(IntegrationTestCase):
    """No kinesis_endpoint: records are appended to <stream_files_dir>/<pool>.jsonl (D25)."""

    server = None

    @classmethod
    def setUpClass(cls):
        cls.stream_dir = tempfile.mkdtemp(prefix="cogsync-streams-")
        cls.server = CogsyncServer(config=integrations_config(stream_files_dir=cls.stream_dir))
        cls.server.start()

    @classmethod
    def tearDownClass(cls):
        try:
            cls.server.stop()
        finally:
            shutil.rmtree(cls.stream_dir, ignore_errors=True)

    def test_records_are_lines_of_the_pool_file(self):
        pool_id = self.new_sync_pool()
        self.enable_streams(pool_id, "file-stream")
        identity_id = self.new_identity(pool_id)
        self.put(pool_id, identity_id, "prefs", {"a": "1", "b": "2"})
        self.update(pool_id, identity_id, "prefs", [("remove", "a", None, 1)])
        self.sync.delete_dataset(IdentityPoolId=pool_id, IdentityId=identity_id,
                                 DatasetName="prefs")
        path = os.path.join(self.stream_dir, f"{pool_id}.jsonl")
        lines = wait_until(lambda: (lambda r: r if len(r) >= 3 else None)(read_jsonl(path)))
        lines = lines or read_jsonl(path)
        self.assertEqual([(r["dataSetName"], r["operation"], r["syncCount"]) for r in lines],
                         [("prefs", "replace", 1), ("prefs", "replace", 2),
                          ("prefs", "remove", 2)], self.server.log())
        self.assertEqual(set(lines[0]), RECORD_FIELDS)
        self.assertEqual(lines[0]["identityId"], identity_id)
        self.assertEqual(sorted((e["key"], e["value"], e["op"]) for e in
                                lines[0]["kinesisSyncRecords"]),
                         [("a", "1", "replace"), ("b", "2", "replace")])
        self.assertEqual([(e["key"], e["op"]) for e in lines[1]["kinesisSyncRecords"]],
                         [("a", "remove")])

    def test_default_directory_is_under_the_data_directory(self):
        server = self.own_server()
        pool_id = self.new_sync_pool()
        self.enable_streams(pool_id, "default-dir")
        identity_id = self.new_identity(pool_id)
        self.put(pool_id, identity_id, "prefs", {"a": "1"})
        path = os.path.join(server.data_dir, "data", "streams", f"{pool_id}.jsonl")
        lines = wait_until(lambda: read_jsonl(path))
        self.assertEqual([(r["dataSetName"], r["syncCount"]) for r in lines or []],
                         [("prefs", 1)], server.log())


class StreamsLatencyTest(StreamsCase):
    """200 UpdateRecords against a server with the default outbox settings; each record's time
    from the 200 response to being readable with GetRecords."""

    def test_delivery_latency(self):
        self.own_server(fast=False, kinesis_endpoint=MOTO.endpoint)
        pool_id, name = self.new_streaming_pool()
        identity_id = self.new_identity(pool_id)
        kinesis = MOTO.kinesis()
        shard = kinesis.describe_stream(StreamName=name)["StreamDescription"]["Shards"][0]
        iterator = kinesis.get_shard_iterator(StreamName=name, ShardId=shard["ShardId"],
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        seen = set()
        latencies = []
        for i in range(200):
            self.patch(pool_id, identity_id, "latency",
                       [{"Op": "replace", "Key": "n", "Value": str(i), "SyncCount": i}])
            acked = time.monotonic()
            deadline = acked + 30
            while (i + 1) not in seen and time.monotonic() < deadline:
                page = kinesis.get_records(ShardIterator=iterator)
                iterator = page["NextShardIterator"]
                seen.update(decode_stream_data(r["Data"])["syncCount"] for r in page["Records"])
                if (i + 1) not in seen:
                    time.sleep(0.002)
            self.assertIn(i + 1, seen, f"record {i + 1} not delivered within 30 s")
            latencies.append((time.monotonic() - acked) * 1000)
        latencies.sort()
        median = statistics.median(latencies)
        p99 = latencies[int(len(latencies) * 0.99) - 1]
        print(f"\nSTREAMS_LATENCY median_ms={median:.1f} p99_ms={p99:.1f} "
              f"max_ms={latencies[-1]:.1f} n={len(latencies)} (default outbox settings)",
              flush=True)
        self.assertLess(p99, 10_000)


if __name__ == "__main__":
    unittest.main()
