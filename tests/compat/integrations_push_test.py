"""Push sync against a real SNS implementation (moto's server) and through the webhook (D25).

RegisterDevice creates an SNS platform endpoint for the device's token; a change to a dataset
sends one silent push to every other device subscribed to it. What SNS "delivered" to an endpoint
is read from moto's model dump, the only place moto's server exposes it.
"""

import json
import time
import unittest
import uuid

from integrations_case import (PUSH_ROLE, IntegrationTestCase, integrations_config,
                               start_behind_moto, wait_until)
from support.cogsync_server import CogsyncServer
from support.moto_server import MotoServer
from support.webhook_sink import WebhookSink

MOTO = MotoServer()
SERVER = None
# RegisterDevice needs a platform application ARN for the platform even in webhook mode.
WEBHOOK_APP_ARN = "arn:aws:sns:us-east-1:000000000000:app/GCM/webhook-app"


def setUpModule():
    global SERVER
    SERVER = start_behind_moto(MOTO, sns_endpoint=True)


def tearDownModule():
    SERVER.stop()
    MOTO.stop()


def token():
    return f"gcm-token-{uuid.uuid4().hex}"


class PushCase(IntegrationTestCase):
    def setUp(self):
        super().setUp()
        self.pool_id = self.new_sync_pool()
        self.sync.set_identity_pool_configuration(IdentityPoolId=self.pool_id, PushSync={
            "ApplicationArns": [self.application_arn()], "RoleArn": PUSH_ROLE})
        self.identity_id = self.new_identity(self.pool_id)
        self.client = self.identity_sync(self.identity_id)

    def register(self, device_token):
        return self.client.register_device(IdentityPoolId=self.pool_id,
                                           IdentityId=self.identity_id, Platform="GCM",
                                           Token=device_token)["DeviceId"]

    def subscribe(self, device_id, dataset="prefs"):
        """Subscribes the device, first creating the dataset (revision 1, key "created") if it
        does not exist: only existing datasets can be subscribed to (D19)."""
        listed = self.list_records(self.pool_id, self.identity_id, dataset, MaxResults=1)
        if not listed["DatasetExists"]:
            self.put(self.pool_id, self.identity_id, dataset, {"created": "1"})
        self.client.subscribe_to_dataset(IdentityPoolId=self.pool_id, IdentityId=self.identity_id,
                                         DatasetName=dataset, DeviceId=device_id)

    def expected_payload(self, dataset, sync_count):
        return {"source": "cognito-sync", "identityPoolId": self.pool_id,
                "identityId": self.identity_id, "datasetName": dataset, "syncCount": sync_count}


class SnsPushTest(PushCase):
    server = None

    def setUp(self):
        self.server = SERVER
        self.app_arn = MOTO.sns().create_platform_application(
            Name=f"app-{uuid.uuid4().hex[:8]}", Platform="GCM",
            Attributes={"PlatformCredential": "server-key"})["PlatformApplicationArn"]
        super().setUp()

    def application_arn(self):
        return self.app_arn

    def endpoints(self):
        """{token: endpoint ARN} of the test's platform application in moto."""
        listed = MOTO.sns().list_endpoints_by_platform_application(
            PlatformApplicationArn=self.app_arn)["Endpoints"]
        return {e["Attributes"]["Token"]: e["EndpointArn"] for e in listed}

    def payloads(self, endpoint_arn):
        """The Cognito payloads published to an endpoint (the "default" member)."""
        out = []
        for message in MOTO.endpoint_messages(endpoint_arn):
            structured = json.loads(message)
            self.assertIn("GCM", structured, structured)
            out.append(json.loads(structured["default"]))
        return out

    def test_register_device_creates_the_platform_endpoint(self):  # D25
        device_token = token()
        device_id = self.register(device_token)
        self.assertEqual(list(self.endpoints()), [device_token])
        # Registering the same token again is the same device and the same endpoint.
        self.assertEqual(self.register(device_token), device_id)
        self.assertEqual(list(self.endpoints()), [device_token])

    def test_an_application_sns_does_not_know_is_a_configuration_error(self):  # D25
        missing = self.app_arn.rsplit("/", 1)[0] + "/no-such-app"
        self.sync.set_identity_pool_configuration(IdentityPoolId=self.pool_id, PushSync={
            "ApplicationArns": [missing], "RoleArn": PUSH_ROLE})
        self.assertSyncError("InvalidConfigurationException", 400, self.client.register_device,
                             IdentityPoolId=self.pool_id, IdentityId=self.identity_id,
                             Platform="GCM", Token=token(), message_contains="SNS")
        self.assertEqual(self.endpoints(), {})  # no endpoint on the real application either

    def test_change_notifies_the_other_subscribed_devices(self):  # D25
        token_a, token_b, token_c = token(), token(), token()
        device_a, device_b = self.register(token_a), self.register(token_b)
        self.register(token_c)  # registered, not subscribed
        self.subscribe(device_a)
        self.subscribe(device_b)
        endpoints = self.endpoints()
        self.assertEqual(set(endpoints), {token_a, token_b, token_c})

        self.patch(self.pool_id, self.identity_id, "prefs",
                   [{"Op": "replace", "Key": "k", "Value": "v", "SyncCount": 0}],
                   client=self.client, DeviceId=device_a)
        got = wait_until(lambda: self.payloads(endpoints[token_b]))
        self.assertEqual(got, [self.expected_payload("prefs", 2)], self.server.log())
        time.sleep(0.5)
        self.assertEqual(self.payloads(endpoints[token_a]), [])  # the device that wrote
        self.assertEqual(self.payloads(endpoints[token_c]), [])  # not subscribed

        # A developer update names no device: both subscribed devices hear of it.
        self.update(self.pool_id, self.identity_id, "prefs", [("replace", "k", "w", 2)])
        got_a = wait_until(lambda: self.payloads(endpoints[token_a]))
        got_b = wait_until(lambda: (lambda p: p if len(p) >= 2 else None)(
            self.payloads(endpoints[token_b])))
        self.assertEqual(got_a, [self.expected_payload("prefs", 3)])
        self.assertEqual(got_b, [self.expected_payload("prefs", 2),
                                 self.expected_payload("prefs", 3)])

    def test_other_datasets_and_unsubscribed_devices_are_quiet(self):
        token_a = token()
        device_a = self.register(token_a)
        self.subscribe(device_a, "watched")
        endpoint = self.endpoints()[token_a]
        self.put(self.pool_id, self.identity_id, "unwatched", {"k": "v"})
        self.put(self.pool_id, self.identity_id, "watched", {"k": "v"})
        got = wait_until(lambda: self.payloads(endpoint))
        time.sleep(0.3)
        self.assertEqual(self.payloads(endpoint), [self.expected_payload("watched", 2)], got)
        self.client.unsubscribe_from_dataset(IdentityPoolId=self.pool_id,
                                             IdentityId=self.identity_id,
                                             DatasetName="watched", DeviceId=device_a)
        self.update(self.pool_id, self.identity_id, "watched", [("replace", "k", "w", 2)])
        time.sleep(1.0)
        self.assertEqual(len(self.payloads(endpoint)), 1)

    def test_delete_dataset_notifies(self):
        token_a = token()
        self.subscribe(self.register(token_a))
        endpoint = self.endpoints()[token_a]
        self.put(self.pool_id, self.identity_id, "prefs", {"k": "v"})
        # Delivered before the deletion, which would otherwise supersede it (one pending push
        # per device and dataset, D19).
        wait_until(lambda: self.payloads(endpoint))
        self.sync.delete_dataset(IdentityPoolId=self.pool_id, IdentityId=self.identity_id,
                                 DatasetName="prefs")
        got = wait_until(lambda: (lambda p: p if len(p) >= 2 else None)(self.payloads(endpoint)))
        self.assertEqual([p["syncCount"] for p in got or []], [2, 2], self.server.log())

    def test_sns_down_then_back(self):  # D24, D19
        token_a = token()
        self.subscribe(self.register(token_a))
        endpoint = self.endpoints()[token_a]
        MOTO.sink_down()
        try:
            self.put(self.pool_id, self.identity_id, "prefs", {"k": "v"})
            self.update(self.pool_id, self.identity_id, "prefs", [("replace", "k", "w", 2)])
            time.sleep(1.0)
            self.assertEqual(self.payloads(endpoint), [])
        finally:
            MOTO.sink_up()
        got = wait_until(lambda: self.payloads(endpoint))
        time.sleep(0.5)
        # The newer change superseded the undelivered one: one notification, the latest count.
        self.assertEqual([p["syncCount"] for p in self.payloads(endpoint)], [3], got)


class WebhookPushTest(PushCase):
    """No sns_endpoint: each notification is POSTed to push_webhook_url."""

    server = None

    @classmethod
    def setUpClass(cls):
        cls.sink = WebhookSink().start()
        cls.server = CogsyncServer(config=integrations_config(push_webhook_url=cls.sink.url))
        cls.server.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.sink.stop()

    def setUp(self):
        super().setUp()
        self.sink.fail_first(0)

    def application_arn(self):
        return WEBHOOK_APP_ARN

    def mine(self, bodies):
        return [b for b in bodies if b.get("payload", {}).get("identityPoolId") == self.pool_id]

    def test_webhook_payload(self):  # D25
        token_a, token_b = token(), token()
        device_a, device_b = self.register(token_a), self.register(token_b)
        self.subscribe(device_a)
        self.subscribe(device_b)
        self.patch(self.pool_id, self.identity_id, "prefs",
                   [{"Op": "replace", "Key": "k", "Value": "v", "SyncCount": 0}],
                   client=self.client, DeviceId=device_a)
        bodies = self.mine(self.sink.wait_for(lambda b: self.mine(b)))
        time.sleep(0.3)
        bodies = self.mine(self.sink.bodies())
        self.assertEqual(bodies, [{"deviceId": device_b, "platform": "GCM", "token": token_b,
                                   "payload": self.expected_payload("prefs", 2)}])

    def test_webhook_failures_are_retried(self):  # D24
        self.subscribe(self.register(token()))
        self.sink.fail_first(2)
        self.put(self.pool_id, self.identity_id, "prefs", {"k": "v"})
        bodies = self.mine(self.sink.wait_for(lambda b: self.mine(b)))
        self.assertEqual([b["payload"] for b in bodies], [self.expected_payload("prefs", 2)],
                         self.server.log())
        self.assertEqual(len(self.sink.rejected), 2)

    def test_order_per_device_and_newer_supersedes(self):  # D19
        self.subscribe(self.register(token()))
        # Revision 1 created the dataset; k is written at revisions 2 to 6.
        for i in range(5):
            self.update(self.pool_id, self.identity_id, "prefs",
                        [("replace", "k", str(i), 0 if i == 0 else i + 1)])
        bodies = self.mine(self.sink.wait_for(
            lambda b: any(x["payload"]["syncCount"] == 6 for x in self.mine(b))))
        time.sleep(0.3)
        counts = [b["payload"]["syncCount"] for b in self.mine(self.sink.bodies())]
        # In order, never repeated, ending with the latest; undelivered ones may be superseded.
        self.assertEqual(counts, sorted(set(counts)), bodies)
        self.assertEqual(counts[-1], 6)


class NoPushConfiguredTest(PushCase):
    """Neither sns_endpoint nor push_webhook_url: RegisterDevice only records the device."""

    server = None

    @classmethod
    def setUpClass(cls):
        cls.server = CogsyncServer(config=integrations_config())
        cls.server.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def application_arn(self):
        return WEBHOOK_APP_ARN

    def test_devices_register_and_updates_succeed(self):
        device = self.register(token())
        self.subscribe(device)
        self.put(self.pool_id, self.identity_id, "prefs", {"k": "v"})
        self.assertEqual(self.dataset_state(self.pool_id, self.identity_id, "prefs"),
                         (True, 2, {"created": "1", "k": "v"}))


if __name__ == "__main__":
    unittest.main()
