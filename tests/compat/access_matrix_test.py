"""Access matrix: every one of the 40 operations of operations.tsv, and STS's two (D27), called
as each kind of caller.

Callers (columns): unsigned; a bad signature; an unknown access key; X-Amz-Date 20 minutes off;
an expired session token; developer credentials; identity credentials of the identity concerned;
of another identity in the same pool; of an identity in another pool; of a deleted identity.
Each answer is checked against D9 (who may call what), D10 (signature failures) and D11 (public
operations ignore signatures). The whole matrix is printed, one cell per call.

Everything is sent with boto3: the SDK can send every call, and the caller variants are
credentials (or a patched signing clock) handed to it.

The expired session token: the server seals identity credentials with its own key, so one cannot
be forged. The closest real case is used: credentials are minted, then the server is restarted
with COGSYNC_TEST_CLOCK_OFFSET_SECONDS=7200 (honoured only with --test-mode), so its clock is two
hours ahead and the one-hour credentials have expired. Those requests are signed with a clock
two hours ahead too, so that they fail on the token and not on the request time.
"""

import contextlib
import csv
import datetime
import os
import pathlib
import sys
import unittest
import uuid
from unittest import mock

import botocore.auth
from botocore.exceptions import ClientError

from support.cogsync_server import ACCESS_KEY_ID, CogsyncServer, pool_arn
from support.identity_case import role_arn

_OPERATIONS_TSV = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "operations.tsv"
_PUBLIC = {"GetId", "GetOpenIdToken", "GetCredentialsForIdentity", "UnlinkIdentity",  # D11
           "AssumeRoleWithWebIdentity"}  # unsigned at AWS too (D27)
# STS (D27): (service, operation, who may call): AssumeRoleWithWebIdentity is public; any caller
# whose signature verifies may ask GetCallerIdentity who it is.
_STS_OPERATIONS = [("sts", "AssumeRoleWithWebIdentity", "public"),
                   ("sts", "GetCallerIdentity", "signed")]
_DEV_PROVIDER = "login.matrix.dev"
_SOCIAL_PROVIDER = "graph.facebook.com"
_CLOCK_OFFSET_S = 7200

SERVER = None


def setUpModule():
    global SERVER
    SERVER = CogsyncServer(insecure_logins=True).start()


def tearDownModule():
    SERVER.stop()


def load_operations():
    with open(_OPERATIONS_TSV, encoding="utf-8") as f:
        return [(row["service"], row["operation"], row["needs_developer_credentials"])
                for row in csv.DictReader(f, delimiter="\t")]


def snake(name):
    out = ""
    for i, ch in enumerate(name):
        if ch.isupper() and i > 0 and not name[i - 1].isupper():
            out += "_"
        out += ch.lower()
    return out


@contextlib.contextmanager
def signing_clock(offset):
    """Signs every request made inside with a clock `offset` (a timedelta) away from now."""
    if not offset:
        yield
        return
    shifted = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None) + offset
    with mock.patch.object(botocore.auth, "get_current_datetime", return_value=shifted):
        yield


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


class World:
    """The pools, identities and credentials every cell works on, made with developer calls."""

    def __init__(self, server):
        self.server = server
        dev = server.client()
        self.pool = dev.create_identity_pool(
            IdentityPoolName=unique("matrix"), AllowUnauthenticatedIdentities=True,
            DeveloperProviderName=_DEV_PROVIDER,
            # The UpdateIdentityPool cells write back what DescribeIdentityPool shows; with the
            # member set to true that keeps GetOpenIdToken (the classic flow, D27) allowed.
            AllowClassicFlow=True,
            SupportedLoginProviders={_SOCIAL_PROVIDER: "app-id"})["IdentityPoolId"]
        self.other_pool = dev.create_identity_pool(
            IdentityPoolName=unique("matrix-other"),
            AllowUnauthenticatedIdentities=True)["IdentityPoolId"]
        for pool in (self.pool, self.other_pool):
            dev.set_identity_pool_roles(IdentityPoolId=pool, Roles={
                "authenticated": role_arn("MatrixAuth"), "unauthenticated": role_arn("MatrixUnauth")})
        server.client("cognito-sync").set_identity_pool_configuration(
            IdentityPoolId=self.pool, PushSync={
                "ApplicationArns": ["arn:aws:sns:us-east-1:000000000000:app/GCM/matrix"],
                "RoleArn": role_arn("MatrixPush")})
        dev.set_principal_tag_attribute_map(IdentityPoolId=self.pool,
                                            IdentityProviderName=_SOCIAL_PROVIDER, UseDefaults=True)
        dev.get_open_id_token_for_developer_identity(
            IdentityPoolId=self.pool, Logins={_DEV_PROVIDER: "lookup-user"})
        self.identity, self.credentials = self.new_identity(self.pool)
        self.sibling, self.sibling_credentials = self.new_identity(self.pool)
        self.stranger, self.stranger_credentials = self.new_identity(self.other_pool)
        self.deleted, self.deleted_credentials = self.new_identity(self.pool)
        # Every identity that may act on its own data owns a dataset and a device.
        self.devices = {}
        for identity, creds in ((self.identity, self.credentials),
                                (self.deleted, self.deleted_credentials)):
            self.put_record(identity, "ds", "seed")
            sync = server.client("cognito-sync", access_key=creds["AccessKeyId"],
                                 secret_key=creds["SecretKey"], session_token=creds["SessionToken"])
            self.devices[identity] = sync.register_device(
                IdentityPoolId=self.pool, IdentityId=identity, Platform="GCM",
                Token=unique("push-token"))["DeviceId"]
        dev.delete_identities(IdentityIdsToDelete=[self.deleted])

    def new_identity(self, pool):
        public = self.server.unsigned_client()
        identity = public.get_id(IdentityPoolId=pool)["IdentityId"]
        creds = public.get_credentials_for_identity(IdentityId=identity)["Credentials"]
        return identity, creds

    def put_record(self, identity, dataset, key):
        sync = self.server.client("cognito-sync")
        token = sync.list_records(IdentityPoolId=self.pool, IdentityId=identity,
                                  DatasetName=dataset)["SyncSessionToken"]
        sync.update_records(IdentityPoolId=self.pool, IdentityId=identity, DatasetName=dataset,
                            SyncSessionToken=token,
                            RecordPatches=[{"Op": "replace", "Key": key, "Value": "v",
                                            "SyncCount": 0}])


def build_input(world, operation, target):
    """A valid input for `operation` aimed at identity `target` of the world's pool; operations
    that destroy something get a fresh resource of their own, made with developer credentials."""
    dev = world.server.client()
    pool = world.pool
    arn = pool_arn(pool)
    if operation == "CreateIdentityPool":
        return {"IdentityPoolName": unique("matrix-new"), "AllowUnauthenticatedIdentities": False}
    if operation == "DeleteIdentities":
        fresh = world.server.unsigned_client().get_id(IdentityPoolId=pool)["IdentityId"]
        return {"IdentityIdsToDelete": [fresh]}
    if operation == "DeleteIdentityPool":
        fresh = dev.create_identity_pool(IdentityPoolName=unique("matrix-doomed"),
                                         AllowUnauthenticatedIdentities=False)
        return {"IdentityPoolId": fresh["IdentityPoolId"]}
    if operation in ("DescribeIdentity", "GetOpenIdToken", "GetCredentialsForIdentity"):
        return {"IdentityId": world.identity}
    if operation in ("DescribeIdentityPool", "GetIdentityPoolRoles", "GetId"):
        return {"IdentityPoolId": pool}
    if operation == "GetOpenIdTokenForDeveloperIdentity":
        return {"IdentityPoolId": pool, "Logins": {_DEV_PROVIDER: unique("user")}}
    if operation in ("GetPrincipalTagAttributeMap",):
        return {"IdentityPoolId": pool, "IdentityProviderName": _SOCIAL_PROVIDER}
    if operation == "SetPrincipalTagAttributeMap":
        return {"IdentityPoolId": pool, "IdentityProviderName": _SOCIAL_PROVIDER,
                "UseDefaults": True}
    if operation == "ListIdentities":
        return {"IdentityPoolId": pool, "MaxResults": 10}
    if operation == "ListIdentityPools":
        return {"MaxResults": 10}
    if operation == "ListTagsForResource":
        return {"ResourceArn": arn}
    if operation == "TagResource":
        return {"ResourceArn": arn, "Tags": {"team": "matrix"}}
    if operation == "UntagResource":
        return {"ResourceArn": arn, "TagKeys": ["team"]}
    if operation == "LookupDeveloperIdentity":
        return {"IdentityPoolId": pool, "DeveloperUserIdentifier": "lookup-user", "MaxResults": 10}
    if operation == "MergeDeveloperIdentities":
        source, destination = unique("merge-src"), unique("merge-dst")
        for user in (source, destination):
            dev.get_open_id_token_for_developer_identity(IdentityPoolId=pool,
                                                         Logins={_DEV_PROVIDER: user})
        return {"SourceUserIdentifier": source, "DestinationUserIdentifier": destination,
                "DeveloperProviderName": _DEV_PROVIDER, "IdentityPoolId": pool}
    if operation == "SetIdentityPoolRoles":
        return {"IdentityPoolId": pool, "Roles": {"authenticated": role_arn("MatrixAuth"),
                                                  "unauthenticated": role_arn("MatrixUnauth")}}
    if operation == "UnlinkDeveloperIdentity":
        user = unique("unlink-user")
        identity = dev.get_open_id_token_for_developer_identity(
            IdentityPoolId=pool, Logins={_DEV_PROVIDER: user})["IdentityId"]
        return {"IdentityId": identity, "IdentityPoolId": pool,
                "DeveloperProviderName": _DEV_PROVIDER, "DeveloperUserIdentifier": user}
    if operation == "UnlinkIdentity":
        # A fresh identity with a social login (trusted: the server runs with insecure logins).
        from support.identity_case import fake_jwt
        token = fake_jwt({"sub": unique("fb"), "aud": "app-id", "iss": "https://graph.facebook.com",
                          "exp": 4102444800})
        identity = world.server.unsigned_client().get_id(
            IdentityPoolId=pool, Logins={_SOCIAL_PROVIDER: token})["IdentityId"]
        return {"IdentityId": identity, "Logins": {_SOCIAL_PROVIDER: token},
                "LoginsToRemove": [_SOCIAL_PROVIDER]}
    if operation == "UpdateIdentityPool":
        described = dev.describe_identity_pool(IdentityPoolId=pool)
        described.pop("ResponseMetadata", None)
        return described
    # ----- Cognito Sync -----
    if operation in ("BulkPublish", "GetBulkPublishDetails", "GetCognitoEvents",
                     "GetIdentityPoolConfiguration", "DescribeIdentityPoolUsage"):
        return {"IdentityPoolId": pool}
    if operation == "SetCognitoEvents":
        return {"IdentityPoolId": pool, "Events": {}}
    if operation == "SetIdentityPoolConfiguration":
        return {"IdentityPoolId": pool}
    if operation == "ListIdentityPoolUsage":
        return {"MaxResults": 10}
    if operation in ("DescribeIdentityUsage", "ListDatasets"):
        return {"IdentityPoolId": pool, "IdentityId": target}
    if operation in ("DescribeDataset", "ListRecords"):
        return {"IdentityPoolId": pool, "IdentityId": target, "DatasetName": "ds"}
    if operation == "DeleteDataset":
        # A dataset of its own, so that the cells after this one still find "ds". The deleted
        # identity cannot get one any more: it is asked to delete the "ds" it had.
        name = "ds"
        if target != world.deleted:
            name = unique("doomed")
            world.put_record(target, name, "k")
        return {"IdentityPoolId": pool, "IdentityId": target, "DatasetName": name}
    if operation == "UpdateRecords":
        return {"IdentityPoolId": pool, "IdentityId": target, "DatasetName": "ds",
                "SyncSessionToken": "filled in at call time",
                "RecordPatches": [{"Op": "replace", "Key": unique("k"), "Value": "v",
                                   "SyncCount": 0}]}
    if operation == "RegisterDevice":
        return {"IdentityPoolId": pool, "IdentityId": target, "Platform": "GCM",
                "Token": unique("push-token")}
    if operation in ("SubscribeToDataset", "UnsubscribeFromDataset"):
        device = world.devices.get(target, world.devices[world.identity])
        return {"IdentityPoolId": pool, "IdentityId": target, "DatasetName": "ds",
                "DeviceId": device}
    # ----- STS (D27) -----
    if operation == "AssumeRoleWithWebIdentity":
        token = world.server.unsigned_client().get_open_id_token(
            IdentityId=world.identity)["Token"]
        return {"RoleArn": role_arn("MatrixUnauth"), "RoleSessionName": "matrix",
                "WebIdentityToken": token}
    if operation == "GetCallerIdentity":
        return {}
    raise AssertionError(f"no input for {operation}")


# Answers of an operation when authorization lets the call through, where it is not 200:
# BulkPublish without streaming configured is InvalidParameterException (D26).
_ALLOWED_ANSWER = {"BulkPublish": "InvalidParameterException"}

# Column name -> short label for the printed matrix.
COLUMNS = [
    ("unsigned", "unsig"), ("bad-signature", "badsig"), ("unknown-key", "nokey"),
    ("skewed-20min", "skew"), ("expired-token", "expir"), ("developer", "dev"),
    ("own-identity", "own"), ("same-pool-other", "sib"), ("other-pool", "pool2"),
    ("deleted-identity", "del"),
]

_SIGNATURE_FAILURE = {
    "unsigned": "MissingAuthenticationTokenException",  # D10
    "bad-signature": "InvalidSignatureException",
    "unknown-key": "UnrecognizedClientException",
    "skewed-20min": "InvalidSignatureException",
    "expired-token": "ExpiredTokenException",
}


# The same signature failures as STS names them (D10 in STS's words, D27).
_STS_SIGNATURE_FAILURE = {
    "unsigned": "MissingAuthenticationToken",
    "bad-signature": "SignatureDoesNotMatch",
    "unknown-key": "InvalidClientTokenId",
    "skewed-20min": "SignatureDoesNotMatch",
    "expired-token": "ExpiredToken",
}


def expected_answer(column, service, operation, who):
    """(code or "200", HTTP status) for one cell, from D9-D11, operations.tsv and D27."""
    allowed = _ALLOWED_ANSWER.get(operation, "200")
    allowed_status = 200 if allowed == "200" else 400
    if operation in _PUBLIC:
        return allowed, allowed_status  # D11: a signature, if present, is ignored
    if service == "sts":
        # Any verified signature may ask; a deleted identity's credentials still verify (D8).
        if column in _STS_SIGNATURE_FAILURE:
            return _STS_SIGNATURE_FAILURE[column], 403
        return allowed, allowed_status
    if column in _SIGNATURE_FAILURE:
        return _SIGNATURE_FAILURE[column], 403  # D10
    denied = ("NotAuthorizedException", 403 if service == "cognito-sync" else 400)  # D9
    if column == "developer":
        return (allowed, allowed_status) if who in ("yes", "either") else denied
    if column == "own-identity":
        return (allowed, allowed_status) if who in ("either", "no") else denied
    if column == "deleted-identity" and who in ("either", "no"):
        # The credentials still verify (they are sealed, not looked up: D8), but the identity is
        # gone: its data must be unreachable, as for a caller without rights to it.
        return denied
    return denied


class AccessMatrixTest(unittest.TestCase):
    maxDiff = None

    def _clients(self, world, column, service):
        s = SERVER
        creds = {
            "own-identity": world.credentials, "same-pool-other": world.sibling_credentials,
            "other-pool": world.stranger_credentials, "deleted-identity": world.deleted_credentials,
            "expired-token": world.credentials,
        }
        if column == "unsigned":
            return s.unsigned_client(service)
        if column == "bad-signature":
            return s.client(service, secret_key="not/the/right/secret/0000000000000000000")
        if column == "unknown-key":
            return s.client(service, access_key="AKIDUNKNOWN000000000")
        if column in ("developer", "skewed-20min"):
            return s.client(service)
        c = creds[column]
        return s.client(service, access_key=c["AccessKeyId"], secret_key=c["SecretKey"],
                        session_token=c["SessionToken"])

    @staticmethod
    def _target(world, column):
        return world.deleted if column == "deleted-identity" else world.identity

    def _call(self, world, column, service, operation, clock_offset):
        target = self._target(world, column)
        try:
            with signing_clock(clock_offset):
                params = build_input(world, operation, target)
                if operation == "UpdateRecords":
                    params["SyncSessionToken"] = SERVER.client("cognito-sync").list_records(
                        IdentityPoolId=world.pool, IdentityId=target,
                        DatasetName="ds")["SyncSessionToken"]
        except ClientError as e:  # the cell's developer-made setup failed: shown as such
            return "setup:" + e.response["Error"]["Code"], 0, str(e)
        client = self._clients(world, column, service)
        call_offset = clock_offset
        if column == "skewed-20min":
            call_offset = (clock_offset or datetime.timedelta()) + datetime.timedelta(minutes=-20)  # 20 minutes behind
        try:
            with signing_clock(call_offset):
                response = getattr(client, snake(operation))(**params)
            return "200", response["ResponseMetadata"]["HTTPStatusCode"], ""
        except ClientError as e:
            return (e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"],
                    e.response["Error"].get("Message", ""))

    def test_every_operation_as_every_caller(self):
        operations = load_operations()
        self.assertEqual(len(operations), 40)
        operations += _STS_OPERATIONS
        world = World(SERVER)
        results = {}
        # Phase 1: every column but the expired token, on the server's true clock.
        for service, operation, who in operations:
            for column, _ in COLUMNS:
                if column == "expired-token":
                    continue
                results[(operation, column)] = self._call(world, column, service, operation, None)
        # Phase 2: the same server two hours later; the credentials minted in phase 1 expired.
        offset = datetime.timedelta(seconds=_CLOCK_OFFSET_S)
        os.environ["COGSYNC_TEST_CLOCK_OFFSET_SECONDS"] = str(_CLOCK_OFFSET_S)
        try:
            SERVER.restart()
        finally:
            os.environ.pop("COGSYNC_TEST_CLOCK_OFFSET_SECONDS", None)
        for service, operation, who in operations:
            results[(operation, "expired-token")] = self._call(
                world, "expired-token", service, operation, offset)
        SERVER.restart()  # back to the true clock for any later test

        mismatches = []
        lines = ["", "access matrix (ok = the expected answer; otherwise got/expected):",
                 f"{'operation':38} {'who':6} " + " ".join(f"{label:>6}" for _, label in COLUMNS)]
        for service, operation, who in operations:
            cells = []
            for column, _ in COLUMNS:
                code, status, message = results[(operation, column)]
                want_code, want_status = expected_answer(column, service, operation, who)
                ok = code == want_code and status == want_status
                if ok and column == "skewed-20min" and operation not in _PUBLIC:
                    ok = message.startswith("Signature expired")  # D10: AWS's wording
                cells.append(short(code) if ok else "FAIL")
                if not ok:
                    mismatches.append(f"{operation} as {column}: got {code} {status} {message!r}, "
                                      f"want {want_code} {want_status}")
            lines.append(f"{operation:38} {who:6} " + " ".join(f"{c:>6}" for c in cells))
        lines.append("legend: 200 ok; NotAu NotAuthorized; Missi MissingAuthenticationToken; "
                     "InvSi InvalidSignature; Unrec UnrecognizedClient; Expir ExpiredToken; "
                     "InvPa InvalidParameter; STS: SigDM SignatureDoesNotMatch; InvCT "
                     "InvalidClientTokenId")
        print("\n".join(lines), file=sys.stderr)
        self.assertEqual(mismatches, [])


def short(code):
    return {"200": "200", "NotAuthorizedException": "NotAu",
            "MissingAuthenticationTokenException": "Missi",
            "InvalidSignatureException": "InvSi", "UnrecognizedClientException": "Unrec",
            "ExpiredTokenException": "Expir",
            "InvalidParameterException": "InvPa", "MissingAuthenticationToken": "Missi",
            "SignatureDoesNotMatch": "SigDM", "InvalidClientTokenId": "InvCT",
            "ExpiredToken": "Expir"}.get(code, code[:5])


if __name__ == "__main__":
    unittest.main()
