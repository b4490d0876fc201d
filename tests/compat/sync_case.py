"""Shared helpers of the Cognito Sync client suites (sync_*_test.py).

SyncTestCase builds on IdentityTestCase: every test makes its own pool (with roles, so
identities can get credentials) and its own identities, and talks to Cognito Sync with boto3
signed either with the developer key or with an identity's own credentials (D8).
"""

import json
import urllib.parse

from botocore.exceptions import ClientError

from support.identity_case import IdentityTestCase
from support.raw_requests import send, sign

# What D21 writes as LastModifiedBy for the developer key the fixture registers: the key's
# name, which is "developer" when COGSYNC_ACCESS_KEY_NAME is not set.
DEVELOPER_KEY_NAME = "developer"
MISSING_POOL = "us-east-1:00000000-0000-0000-0000-000000000000"
MISSING_IDENTITY = "us-east-1:11111111-2222-3333-4444-555555555555"
LEGACY_SYNC_TARGET = "com.amazonaws.cognito.sync.model.AWSCognitoSyncService."


def quote_label(value):
    """A path label as botocore writes it: everything but -._~ percent-encoded."""
    return urllib.parse.quote(value, safe="-._~")


def dataset_path(pool_id, identity_id, dataset=None, suffix="", encode=True):
    q = quote_label if encode else (lambda v: v)
    path = f"/identitypools/{q(pool_id)}/identities/{q(identity_id)}/datasets"
    if dataset is not None:
        path += "/" + (q(dataset) if encode else dataset)
    return path + suffix


def call_sync(server, method, path, body=None, extra_headers=None, **sign_args):
    """One SigV4-signed Cognito Sync request; the path is signed exactly as it is sent."""
    headers = {}
    if body is not None:
        if not isinstance(body, (str, bytes)):
            body = json.dumps(body)
        headers["Content-Type"] = "application/json"
    else:
        body = b""
    if extra_headers:
        headers.update(extra_headers)
    headers = sign(server, method, path, body, headers, service="cognito-sync", **sign_args)
    return send(server, method, path, body, headers)


def call_legacy(server, operation, body, **sign_args):
    """The legacy RPC form of the seed documents' sample requests (D5)."""
    if not isinstance(body, (str, bytes)):
        body = json.dumps(body)
    headers = {"Content-Type": "application/json",
               "X-Amz-Target": LEGACY_SYNC_TARGET + operation}
    headers = sign(server, "POST", "/", body, headers, service="cognito-sync", **sign_args)
    return send(server, "POST", "/", body, headers)


class SyncTestCase(IdentityTestCase):
    """Subclasses set `server`. self.sync is the developer-signed Cognito Sync client."""

    def setUp(self):
        super().setUp()
        self.sync = self.server.client("cognito-sync")

    # ----- pools and identities -----

    def new_sync_pool(self, **kwargs):
        """A pool that allows unauthenticated identities and has both roles set."""
        pool_id = self.new_pool(allow_unauth=True, **kwargs)["IdentityPoolId"]
        self.set_roles(pool_id)
        return pool_id

    def new_identity(self, pool_id):
        return self.public.get_id(IdentityPoolId=pool_id)["IdentityId"]

    def identity_sync(self, identity_id):
        """A Cognito Sync client signed with the identity's own credentials (D8)."""
        credentials = self.public.get_credentials_for_identity(
            IdentityId=identity_id)["Credentials"]
        return self.server.client("cognito-sync", access_key=credentials["AccessKeyId"],
                                  secret_key=credentials["SecretKey"],
                                  session_token=credentials["SessionToken"])

    # ----- records -----

    def list_records(self, pool_id, identity_id, dataset, client=None, **kwargs):
        client = client or self.sync
        return client.list_records(IdentityPoolId=pool_id, IdentityId=identity_id,
                                   DatasetName=dataset, **kwargs)

    def all_records(self, pool_id, identity_id, dataset, client=None, **kwargs):
        """Every record, following NextToken, as {key: record}."""
        out = {}
        token = None
        while True:
            extra = dict(kwargs)
            if token:
                extra["NextToken"] = token
            page = self.list_records(pool_id, identity_id, dataset, client=client, **extra)
            for record in page["Records"]:
                out[record["Key"]] = record
            token = page.get("NextToken")
            if not token:
                return out

    def update(self, pool_id, identity_id, dataset, patches, client=None, **kwargs):
        """UpdateRecords with a fresh SyncSessionToken. patches: (op, key, value, sync_count)."""
        client = client or self.sync
        token = self.list_records(pool_id, identity_id, dataset, client=client,
                                  MaxResults=1)["SyncSessionToken"]
        record_patches = []
        for op, key, value, count in patches:
            patch = {"Op": op, "Key": key, "SyncCount": count}
            if value is not None:
                patch["Value"] = value
            record_patches.append(patch)
        return client.update_records(IdentityPoolId=pool_id, IdentityId=identity_id,
                                     DatasetName=dataset, SyncSessionToken=token,
                                     RecordPatches=record_patches, **kwargs)

    def put(self, pool_id, identity_id, dataset, values, client=None):
        """Writes new keys ({key: value}, all at SyncCount 0) in one revision."""
        return self.update(pool_id, identity_id, dataset,
                           [("replace", k, v, 0) for k, v in values.items()], client=client)

    def assertSyncError(self, code, status, call, *args, message=None, message_contains=None,
                        **kwargs):
        """A Cognito Sync error: the code, the model's HTTP status (D2) and the message."""
        with self.assertRaises(ClientError) as cm:
            call(*args, **kwargs)
        error = cm.exception.response["Error"]
        self.assertEqual(error["Code"], code, cm.exception.response)
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], status,
                         cm.exception.response)
        if message is not None:
            self.assertEqual(error["Message"], message)
        if message_contains is not None:
            self.assertIn(message_contains, error["Message"])
        return error


__all__ = ["DEVELOPER_KEY_NAME", "MISSING_IDENTITY", "MISSING_POOL",
           "SyncTestCase", "call_legacy", "call_sync", "dataset_path", "quote_label"]
