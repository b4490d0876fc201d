"""A unittest base class for Cognito Identity client tests: pools that clean up after
themselves, error assertions in AWS terms, and small token helpers."""

import base64
import json
import unittest
import uuid

from botocore.exceptions import ClientError

POOL_ID_PATTERN = r"^us-east-1:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
ROLE_ARN_PREFIX = "arn:aws:iam::000000000000:role/"


def role_arn(name):
    return ROLE_ARN_PREFIX + name


def unique_name(prefix="pool"):
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def jwt_claims(token):
    """The payload of a JWT, without verifying it (the JS suite verifies signatures)."""
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def fake_jwt(claims):
    """A JWT-shaped login token whose claims the server trusts only in insecure mode (D12)."""
    def part(obj):
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()
    return part({"alg": "RS256", "typ": "JWT"}) + "." + part(claims) + ".c2lnbmF0dXJl"


class IdentityTestCase(unittest.TestCase):
    """Subclasses set `server` (a started CogsyncServer) in setUpModule or setUpClass."""

    server = None

    def setUp(self):
        self.cognito = self.server.client()
        self.public = self.server.unsigned_client()

    def new_pool(self, allow_unauth=True, client=None, **kwargs):
        client = client or self.cognito
        pool = client.create_identity_pool(
            IdentityPoolName=kwargs.pop("IdentityPoolName", unique_name()),
            AllowUnauthenticatedIdentities=allow_unauth, **kwargs)
        pool_id = pool["IdentityPoolId"]
        self.addCleanup(self._delete_quietly, client, pool_id)
        return pool

    def pool_names(self):
        """{IdentityPoolId: IdentityPoolName} of every pool, through ListIdentityPools pages."""
        names = {}
        for page in self.cognito.get_paginator("list_identity_pools").paginate(MaxResults=60):
            names.update({p["IdentityPoolId"]: p["IdentityPoolName"] for p in page["IdentityPools"]})
        return names

    @staticmethod
    def _delete_quietly(client, pool_id):
        try:
            client.delete_identity_pool(IdentityPoolId=pool_id)
        except ClientError:
            pass  # the test deleted it already, or the server was reset

    def assertApiError(self, code, call, *args, message=None, message_contains=None, **kwargs):
        """Runs call(*args, **kwargs) and checks the AWS error code, D1's 400 and the message."""
        with self.assertRaises(ClientError) as cm:
            call(*args, **kwargs)
        error = cm.exception.response["Error"]
        self.assertEqual(error["Code"], code, cm.exception.response)
        status = cm.exception.response["ResponseMetadata"]["HTTPStatusCode"]
        if code in ("MissingAuthenticationTokenException", "UnrecognizedClientException",
                    "InvalidSignatureException", "ExpiredTokenException"):
            self.assertEqual(status, 403)  # D10
        elif code == "InternalErrorException":
            self.assertEqual(status, 500)  # D1
        else:
            self.assertEqual(status, 400)  # D1
        if message is not None:
            self.assertEqual(error["Message"], message)
        if message_contains is not None:
            self.assertIn(message_contains, error["Message"])
        return error

    def set_roles(self, pool_id, **roles):
        self.cognito.set_identity_pool_roles(IdentityPoolId=pool_id, Roles={
            "authenticated": role_arn(roles.get("authenticated", "AuthRole")),
            "unauthenticated": role_arn(roles.get("unauthenticated", "UnauthRole"))})

    def assumed_role_denial(self, credentials, pool_id):
        """Calls a developer-only operation with identity credentials: the signature is accepted
        (else the error would be a signature error) and the NotAuthorized message names the role
        the credentials were minted for (D8, D9)."""
        identity_client = self.server.identity_client(credentials)
        error = self.assertApiError("NotAuthorizedException", identity_client.describe_identity_pool,
                                    IdentityPoolId=pool_id)
        return error["Message"]
