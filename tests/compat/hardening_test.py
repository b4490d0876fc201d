"""Hostile tenants (issue 13): what an anonymous app user, a forged Host header or a careless
operator setting must not achieve.

- Finding 6 (D12): a login token of a provider the pool names without an audience (only in
  OpenIdConnectProviderARNs, or in CognitoIdentityProviders without a ClientId) is refused when
  the server configuration names no `audiences` for it, instead of accepting tokens issued to any
  app.
- Finding 8: upstream failures (SyncTrigger, SNS, a JWKS file) reach the client as a generic
  message with the request id; the URL, path and upstream answer go to the server log, on one
  line.
- Finding 9: a data directory cogsync creates is 0700; developer-credentials is created 0600
  with O_EXCL|O_NOFOLLOW (a symbolic link planted there is replaced, not written through).
- Finding 10: the discovery document never names a host taken from an arbitrary Host header.
- Finding 12: one rule for developer keys, also for COGSYNC_ACCESS_KEY_ID (ASIA reserved,
  16 characters at least outside --test-mode); moto's FOOBARKEY works under --test-mode.
"""

import base64
import json
import os
import stat
import subprocess
import tempfile
import time
import unittest
import uuid

from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from integrations_case import OUTBOUND_KEY_ID, OUTBOUND_SECRET, PUSH_ROLE, IntegrationTestCase
from support import lambda_fake
from support.cogsync_server import CogsyncServer, free_port, server_binary
from support.identity_case import IdentityTestCase
from support.lambda_fake import LambdaFake
from support.raw_requests import send

# A Cognito user pool as a token provider; its default issuer is https://<name>.
PROVIDER = "cognito-idp.us-east-1.amazonaws.com/us-east-1_Hardening"
AUD_PROVIDER = "cognito-idp.us-east-1.amazonaws.com/us-east-1_Audiences"
BROKEN_PROVIDER = "cognito-idp.us-east-1.amazonaws.com/us-east-1_BrokenKeys"
MISSING_JWKS = "/nonexistent-cogsync-dir/secret-jwks-location.json"
TRIGGER = "arn:aws:lambda:us-east-1:000000000000:function:failing-trigger"
HOOK_PATH = "/secret-hook-path"
MARKER = "SECRET-UPSTREAM-MARKER"
UPSTREAM_BODY = f"first upstream line\n{MARKER}\nthird upstream line".encode()
GCM_APP = "arn:aws:sns:us-east-1:000000000000:app/GCM/hardening"
ALLOWED_HOST = "sync.example.com"

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
FAKE = LambdaFake(OUTBOUND_KEY_ID, OUTBOUND_SECRET)
SERVER = None
JWKS_DIR = None


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def public_jwk():
    numbers = KEY.public_key().public_numbers()
    as_bytes = lambda n: n.to_bytes((n.bit_length() + 7) // 8, "big")  # noqa: E731
    return {"kty": "RSA", "kid": "hardening-1", "alg": "RS256", "use": "sig",
            "n": b64url(as_bytes(numbers.n)), "e": b64url(as_bytes(numbers.e))}


def login_token(provider, aud, sub="user-1"):
    """An RS256 JWT of `provider` signed with the key its JWKS file publishes."""
    now = int(time.time())
    header = {"alg": "RS256", "typ": "JWT", "kid": "hardening-1"}
    claims = {"iss": f"https://{provider}", "aud": aud, "sub": sub, "iat": now, "exp": now + 600}
    signing_input = (b64url(json.dumps(header).encode()) + "." +
                     b64url(json.dumps(claims).encode()))
    signature = KEY.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return signing_input + "." + b64url(signature)


def setUpModule():
    global SERVER, JWKS_DIR
    JWKS_DIR = tempfile.mkdtemp(prefix="cogsync-hardening-")
    jwks_file = os.path.join(JWKS_DIR, "jwks.json")
    with open(jwks_file, "w", encoding="utf-8") as f:
        json.dump({"keys": [public_jwk()]}, f)
    FAKE.start()
    SERVER = CogsyncServer(config={
        "login_providers": [
            {"name": PROVIDER, "jwks_file": jwks_file},
            {"name": AUD_PROVIDER, "jwks_file": jwks_file, "audiences": ["configured-app"]},
            {"name": BROKEN_PROVIDER, "jwks_file": MISSING_JWKS, "audiences": ["app"]}],
        "integrations": {
            "aws_access_key_id": OUTBOUND_KEY_ID, "aws_secret_access_key": OUTBOUND_SECRET,
            "trigger_timeout_ms": 3000, "sync_trigger_urls": {TRIGGER: FAKE.url(HOOK_PATH)},
            "sns_endpoint": FAKE.url(HOOK_PATH)},
        "discovery_hosts": [ALLOWED_HOST]})
    try:
        SERVER.start()
    except Exception:
        FAKE.stop()
        raise


def tearDownModule():
    SERVER.stop()
    FAKE.stop()
    for name in os.listdir(JWKS_DIR):
        os.unlink(os.path.join(JWKS_DIR, name))
    os.rmdir(JWKS_DIR)


def oidc_arn(provider):
    return f"arn:aws:iam::000000000000:oidc-provider/{provider}"


class LoginAudienceTest(IdentityTestCase):  # D12, finding 6
    server = None

    def setUp(self):
        self.server = SERVER
        super().setUp()

    def identities(self, pool_id):
        return self.cognito.list_identities(IdentityPoolId=pool_id, MaxResults=60)["Identities"]

    def assertRefusedForMissingAudience(self, pool_id, provider):
        error = self.assertApiError(
            "NotAuthorizedException", self.public.get_id, IdentityPoolId=pool_id,
            Logins={provider: login_token(provider, aud="some-other-app")})
        self.assertIn("No audience is configured for " + provider, error["Message"])
        self.assertIn("ClientId", error["Message"])
        self.assertIn("audiences", error["Message"])
        self.assertEqual(self.identities(pool_id), [])

    def test_oidc_provider_arn_without_audience_is_refused(self):
        pool_id = self.new_pool(allow_unauth=False,
                                OpenIdConnectProviderARNs=[oidc_arn(PROVIDER)])["IdentityPoolId"]
        self.assertRefusedForMissingAudience(pool_id, PROVIDER)

    def test_cognito_provider_without_client_id_is_refused(self):
        pool_id = self.new_pool(allow_unauth=False, CognitoIdentityProviders=[
            {"ProviderName": PROVIDER}])["IdentityPoolId"]
        self.assertRefusedForMissingAudience(pool_id, PROVIDER)

    def test_configured_audiences_apply_to_an_oidc_provider(self):
        pool_id = self.new_pool(allow_unauth=False,
                                OpenIdConnectProviderARNs=[oidc_arn(AUD_PROVIDER)])["IdentityPoolId"]
        identity = self.public.get_id(IdentityPoolId=pool_id, Logins={
            AUD_PROVIDER: login_token(AUD_PROVIDER, aud="configured-app")})["IdentityId"]
        self.assertEqual([i["IdentityId"] for i in self.identities(pool_id)], [identity])
        self.assertApiError("NotAuthorizedException", self.public.get_id, IdentityPoolId=pool_id,
                            Logins={AUD_PROVIDER: login_token(AUD_PROVIDER, aud="other-app")})

    def test_pool_client_id_is_the_audience(self):
        pool_id = self.new_pool(allow_unauth=False, CognitoIdentityProviders=[
            {"ProviderName": PROVIDER, "ClientId": "client_1"}])["IdentityPoolId"]
        self.public.get_id(IdentityPoolId=pool_id,
                           Logins={PROVIDER: login_token(PROVIDER, aud="client_1")})
        self.assertApiError("NotAuthorizedException", self.public.get_id, IdentityPoolId=pool_id,
                            Logins={PROVIDER: login_token(PROVIDER, aud="some-other-app")})


class ErrorDetailTest(IntegrationTestCase):  # finding 8
    server = None

    def setUp(self):
        self.server = SERVER
        super().setUp()
        FAKE.reset()
        FAKE.behave(lambda_fake.RAW, status=500, body=UPSTREAM_BODY)

    def assertGeneric(self, error_response):
        """The message names the request id and nothing of the upstream; the log has the
        upstream's answer on the line of that request id, its newlines escaped."""
        message = error_response["Error"]["Message"]
        request_id = error_response["ResponseMetadata"]["RequestId"]
        self.assertTrue(request_id)
        self.assertIn(f"(request {request_id})", message)
        for secret in (MARKER, HOOK_PATH, FAKE.endpoint, "127.0.0.1", MISSING_JWKS,
                       "nonexistent-cogsync-dir", "upstream line"):
            self.assertNotIn(secret, message)
        deadline = time.monotonic() + 5
        while True:
            lines = [line for line in SERVER.log().splitlines() if request_id in line]
            if lines or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        self.assertEqual(len(lines), 1, SERVER.log())
        return lines[0]

    def failed_trigger_update(self):
        """An identity's UpdateRecords on a pool whose SyncTrigger is the fake: its error."""
        pool_id = self.new_sync_pool()
        self.set_trigger(pool_id, TRIGGER)
        identity_id = self.new_identity(pool_id)
        client = self.identity_sync(identity_id)
        with self.assertRaises(ClientError) as cm:
            self.patch(pool_id, identity_id, "prefs",
                       [{"Op": "replace", "Key": "a", "Value": "1", "SyncCount": 0}], client=client)
        return cm.exception.response

    def test_sync_trigger_failure(self):
        line = self.assertGeneric(self.failed_trigger_update())
        self.assertIn(f"first upstream line\\n{MARKER}\\nthird upstream line", line)
        self.assertIn(HOOK_PATH, line)

    def test_sync_trigger_function_error(self):
        # A Lambda-style function error header on a URL trigger: the function's own output.
        FAKE.behave(lambda_fake.FUNCTION_ERROR)
        response = self.failed_trigger_update()
        self.assertEqual(response["Error"]["Code"], "InvalidLambdaFunctionOutputException")
        self.assertNotIn("boom", response["Error"]["Message"])
        self.assertIn("boom", self.assertGeneric(response))

    def test_sns_failure_at_register_device(self):
        pool_id = self.new_sync_pool()
        self.sync.set_identity_pool_configuration(IdentityPoolId=pool_id, PushSync={
            "ApplicationArns": [GCM_APP], "RoleArn": PUSH_ROLE})
        identity_id = self.new_identity(pool_id)
        client = self.identity_sync(identity_id)
        with self.assertRaises(ClientError) as cm:
            client.register_device(IdentityPoolId=pool_id, IdentityId=identity_id,
                                   Platform="GCM", Token=f"token-{uuid.uuid4().hex}")
        self.assertEqual(cm.exception.response["Error"]["Code"], "InternalErrorException")
        line = self.assertGeneric(cm.exception.response)
        self.assertIn(MARKER, line)

    def test_jwks_file_path_is_not_shown_to_anonymous_callers(self):
        pool_id = self.new_pool(allow_unauth=False, CognitoIdentityProviders=[
            {"ProviderName": BROKEN_PROVIDER, "ClientId": "app"}])["IdentityPoolId"]
        with self.assertRaises(ClientError) as cm:
            self.public.get_id(IdentityPoolId=pool_id,
                               Logins={BROKEN_PROVIDER: login_token(BROKEN_PROVIDER, aud="app")})
        line = self.assertGeneric(cm.exception.response)
        self.assertIn(MISSING_JWKS, line)


class DiscoveryHostTest(unittest.TestCase):  # finding 10
    def discovery(self, host):
        return send(SERVER, "GET", "/.well-known/openid-configuration", b"", {"Host": host})

    def test_a_forged_host_is_never_served(self):
        for host in ("evil.example", "evil.example:80", "127.0.0.1.evil.example",
                     "localhost.evil.example:8080", "sync.example.com.evil.example"):
            response = self.discovery(host)
            self.assertEqual(response.status, 404, (host, response))
            self.assertNotIn(b"evil", response.body)
            self.assertIn(b"public_url", response.body)

    def test_loopback_and_configured_hosts(self):
        for host in (f"127.0.0.1:{SERVER.port}", f"localhost:{SERVER.port}", ALLOWED_HOST,
                     "SYNC.example.com"):
            response = self.discovery(host)
            self.assertEqual(response.status, 200, (host, response))
            self.assertEqual(response.json()["jwks_uri"],
                             f"http://{host}/.well-known/jwks.json")


class FileModesTest(unittest.TestCase):  # finding 9
    def test_created_data_directory_is_private(self):
        server = CogsyncServer(developer_key=False).start()
        try:
            data = os.path.join(server.data_dir, "data")
            self.assertEqual(stat.S_IMODE(os.stat(data).st_mode), 0o700)
            credentials = os.path.join(data, "developer-credentials")
            self.assertEqual(stat.S_IMODE(os.lstat(credentials).st_mode), 0o600)
            with open(credentials, encoding="utf-8") as f:
                self.assertIn("aws_access_key_id = AKIA", f.read())
        finally:
            server.stop()

    def test_a_planted_symlink_is_not_followed(self):
        server = CogsyncServer(developer_key=False)
        server.data_dir = tempfile.mkdtemp(prefix="cogsync-compat-")
        data = os.path.join(server.data_dir, "data")
        os.mkdir(data, 0o755)
        victim = os.path.join(server.data_dir, "victim.txt")
        with open(victim, "w", encoding="utf-8") as f:
            f.write("untouched\n")
        os.chmod(victim, 0o644)
        os.symlink(victim, os.path.join(data, "developer-credentials"))
        server.start()
        try:
            with open(victim, encoding="utf-8") as f:
                self.assertEqual(f.read(), "untouched\n")
            self.assertEqual(stat.S_IMODE(os.stat(victim).st_mode), 0o644)
            credentials = os.path.join(data, "developer-credentials")
            self.assertFalse(os.path.islink(credentials))
            self.assertEqual(stat.S_IMODE(os.lstat(credentials).st_mode), 0o600)
            # An existing directory is the operator's: its mode is left alone.
            self.assertEqual(stat.S_IMODE(os.stat(data).st_mode), 0o755)
        finally:
            server.stop()


class DeveloperKeyRuleTest(unittest.TestCase):  # finding 12, D7
    def serve(self, key_id, secret, test_mode):
        """Starts `cogsync serve` with the key in the environment: (exit code or None while still
        running after 10 s, output)."""
        data_dir = tempfile.mkdtemp(prefix="cogsync-keyrule-")
        self.addCleanup(lambda: subprocess.run(["rm", "-rf", data_dir], check=False))
        args = [server_binary(), "serve", "--data-dir", os.path.join(data_dir, "data"),
                "--listen", f"127.0.0.1:{free_port()}", "--no-access-log"]
        if test_mode:
            args.append("--test-mode")
        env = dict(os.environ, COGSYNC_ACCESS_KEY_ID=key_id, COGSYNC_SECRET_ACCESS_KEY=secret)
        process = subprocess.Popen(args, env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True)
        try:
            output, _ = process.communicate(timeout=10)
            return process.returncode, output
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
            return None, output

    def test_asia_prefix_is_refused_from_the_environment(self):
        for test_mode in (False, True):
            code, output = self.serve("ASIAENVKEY0000000001", "env/secret/0000000000000000",
                                      test_mode)
            self.assertIsNotNone(code, "the server started with an ASIA developer key")
            self.assertNotEqual(code, 0)
            self.assertIn("ASIA", output)

    def test_short_key_is_refused_outside_test_mode(self):
        code, output = self.serve("AKIDSHORT", "short", test_mode=False)
        self.assertIsNotNone(code, "the server started with a 9-character developer key")
        self.assertNotEqual(code, 0)
        self.assertIn("16 to 128", output)

    def test_keys_create_applies_the_same_rule(self):
        data_dir = tempfile.mkdtemp(prefix="cogsync-keyrule-")
        self.addCleanup(lambda: subprocess.run(["rm", "-rf", data_dir], check=False))
        for key_id, secret, expected in (("ASIAKEYSCREATE000001", "keys/create/secret/0000", "ASIA"),
                                         ("AKIDSHORT", "keys/create/secret/0000", "16 to 128"),
                                         ("AKIDKEYSCREATE000001", "short", "16 to 128")):
            result = subprocess.run(
                [server_binary(), "keys", "create", "--access-key-id", key_id,
                 "--secret-access-key", secret, "--data-dir", os.path.join(data_dir, "data")],
                capture_output=True, text=True, timeout=60)
            self.assertNotEqual(result.returncode, 0, result.stdout)
            self.assertIn(expected, result.stdout + result.stderr)

    def test_moto_default_credentials_work_in_test_mode(self):
        # What a suite written for moto signs with unless told otherwise.
        server = CogsyncServer(developer_key=False, env={
            "COGSYNC_ACCESS_KEY_ID": "FOOBARKEY", "COGSYNC_SECRET_ACCESS_KEY": "FOOBARSECRET"})
        server.start()
        try:
            client = server.client(access_key="FOOBARKEY", secret_key="FOOBARSECRET")
            pool = client.create_identity_pool(IdentityPoolName="moto",
                                               AllowUnauthenticatedIdentities=True)
            self.assertIn(pool["IdentityPoolId"],
                          [p["IdentityPoolId"] for p in
                           client.list_identity_pools(MaxResults=60)["IdentityPools"]])
        finally:
            server.stop()


if __name__ == "__main__":
    unittest.main()
