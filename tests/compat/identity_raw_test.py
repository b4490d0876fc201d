"""Cognito Identity over raw HTTP: the bad requests an SDK would refuse to send.

Requests are built by hand with http.client (or a bare socket) and signed with botocore's
SigV4 signer. Every bad request is followed by a check that nothing changed on the server.
"""

import datetime
import json
import socket
import unittest

from support.cogsync_server import CogsyncServer
from support.raw_requests import call_identity, identity_headers, send, sign, assert_aws_error

SERVER = CogsyncServer()
MISSING_POOL = "us-east-1:00000000-0000-0000-0000-000000000000"


def setUpModule():
    SERVER.start()


def tearDownModule():
    SERVER.stop()


class RawTestCase(unittest.TestCase):
    def setUp(self):
        created = call_identity(SERVER, "CreateIdentityPool", {
            "IdentityPoolName": "raw", "AllowUnauthenticatedIdentities": True})
        self.assertEqual(created.status, 200, created)
        self.pool_id = created.json()["IdentityPoolId"]
        self.addCleanup(call_identity, SERVER, "DeleteIdentityPool",
                        {"IdentityPoolId": self.pool_id})
        self.pools_before = self.list_pools()

    def list_pools(self):
        response = call_identity(SERVER, "ListIdentityPools", {"MaxResults": 60})
        self.assertEqual(response.status, 200, response)
        return response.json()["IdentityPools"]

    def assertNothingChanged(self):
        self.assertEqual(self.list_pools(), self.pools_before)

    def assertError(self, response, status, code, message=None, message_prefix=None):
        """D1/D10 status, the code in both x-amzn-ErrorType and the body, a request id."""
        return assert_aws_error(self, response, status, code, message=message,
                                message_prefix=message_prefix)


class MalformedInputTest(RawTestCase):
    def test_malformed_json(self):
        response = call_identity(SERVER, "CreateIdentityPool",
                                 '{"IdentityPoolName": "x", "AllowUnauthenticatedIdentities": tr')
        self.assertError(response, 400, "SerializationException")
        self.assertNothingChanged()

    def test_a_json_array_body(self):
        response = call_identity(SERVER, "CreateIdentityPool", '[{"IdentityPoolName": "x"}]')
        self.assertError(response, 400, "SerializationException")
        self.assertNothingChanged()

    def test_wrong_member_types(self):
        cases = [
            ("ListIdentityPools", {"MaxResults": "ten"}),
            ("ListIdentityPools", {"MaxResults": True}),
            ("CreateIdentityPool", {"IdentityPoolName": 5, "AllowUnauthenticatedIdentities": True}),
            ("CreateIdentityPool", {"IdentityPoolName": "x", "AllowUnauthenticatedIdentities": "yes"}),
            ("CreateIdentityPool", {"IdentityPoolName": "x", "AllowUnauthenticatedIdentities": True,
                                    "SupportedLoginProviders": ["not", "a", "map"]}),
        ]
        for operation, body in cases:
            with self.subTest(body=body):
                response = call_identity(SERVER, operation, body)
                self.assertEqual(response.status, 400, response)
                self.assertIn(response.error_type, ("SerializationException", "ValidationException"))
        self.assertError(call_identity(SERVER, "ListIdentityPools", {"MaxResults": "ten"}), 400,
                         "SerializationException",
                         message="STRING_VALUE can not be converted to an Integer at 'maxResults'")
        self.assertNothingChanged()

    def test_missing_required_members(self):  # D3
        response = call_identity(SERVER, "CreateIdentityPool", {})
        self.assertError(
            response, 400, "ValidationException",
            message="2 validation errors detected: Value null at 'identityPoolName' failed to "
                    "satisfy constraint: Member must not be null; Value null at "
                    "'allowUnauthenticatedIdentities' failed to satisfy constraint: Member must "
                    "not be null")
        self.assertNothingChanged()

    def test_an_empty_body_counts_as_an_empty_object(self):
        response = call_identity(SERVER, "ListIdentityPools", "")
        self.assertError(response, 400, "ValidationException",
                         message_prefix="1 validation error detected: Value null at 'maxResults'")


class RoutingTest(RawTestCase):
    def test_unknown_target_is_unknown_operation(self):  # D1
        response = call_identity(SERVER, "NoSuchOperation", {})
        self.assertError(response, 400, "UnknownOperationException")
        response = call_identity(SERVER, "", {}, target="SomethingElse.ListIdentityPools")
        self.assertError(response, 400, "UnknownOperationException")
        self.assertNothingChanged()

    def test_the_legacy_target_prefix_works(self):  # D5
        target = "com.amazonaws.cognito.identity.model.AWSCognitoIdentityService.GetId"
        response = call_identity(SERVER, "GetId", {"IdentityPoolId": self.pool_id}, signed=False,
                                 target=target, extra_headers={"Content-Type": "application/json"})
        self.assertEqual(response.status, 200, response)
        identity_id = response.json()["IdentityId"]
        described = call_identity(SERVER, "DescribeIdentity", {"IdentityId": identity_id})
        self.assertEqual(described.status, 200, described)
        self.assertEqual(described.json()["Logins"], [])

    def test_success_responses_carry_json_and_a_request_id(self):  # D6
        identity_id = call_identity(SERVER, "GetId", {"IdentityPoolId": self.pool_id},
                                    signed=False).json()["IdentityId"]
        response = call_identity(SERVER, "DescribeIdentity", {"IdentityId": identity_id})
        self.assertEqual(response.status, 200)
        self.assertEqual(response.headers["content-type"], "application/x-amz-json-1.1")
        self.assertRegex(response.headers["x-amzn-requestid"],
                         r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
        # Epoch seconds as a plain decimal with at most millisecond precision.
        created = json.loads(response.body, parse_float=str, parse_int=str)["CreationDate"]
        self.assertRegex(created, r"^[0-9]{10}(\.[0-9]{1,3})?$")

    def test_operations_without_output_answer_200(self):
        response = call_identity(SERVER, "SetIdentityPoolRoles", {
            "IdentityPoolId": self.pool_id,
            "Roles": {"unauthenticated": "arn:aws:iam::000000000000:role/Unauth"}})
        self.assertEqual(response.status, 200, response)
        self.assertIn(response.body.strip(), (b"", b"{}"))


class SignatureTest(RawTestCase):  # D10
    def test_unsigned_call_to_a_signed_operation(self):
        response = call_identity(SERVER, "CreateIdentityPool", {
            "IdentityPoolName": "sneaky", "AllowUnauthenticatedIdentities": True}, signed=False)
        self.assertError(response, 403, "MissingAuthenticationTokenException")
        self.assertNothingChanged()

    def test_malformed_authorization_is_incomplete_signature(self):
        response = call_identity(SERVER, "CreateIdentityPool", {
            "IdentityPoolName": "sneaky", "AllowUnauthenticatedIdentities": True}, signed=False,
            extra_headers={"Authorization": "AWS4-HMAC-SHA256 garbage"})
        self.assertError(response, 400, "IncompleteSignatureException")
        self.assertNothingChanged()

    def test_bad_signature(self):
        body = json.dumps({"IdentityPoolName": "sneaky", "AllowUnauthenticatedIdentities": True})
        headers = sign(SERVER, "POST", "/", body, identity_headers("CreateIdentityPool"))
        signature_at = headers["Authorization"].index("Signature=") + len("Signature=")
        auth = headers["Authorization"]
        flipped = "0" if auth[signature_at] != "0" else "1"
        headers["Authorization"] = auth[:signature_at] + flipped + auth[signature_at + 1:]
        response = send(SERVER, "POST", "/", body, headers)
        self.assertError(response, 403, "InvalidSignatureException")
        self.assertNothingChanged()

    def test_body_changed_after_signing(self):
        body = json.dumps({"IdentityPoolName": "sneaky", "AllowUnauthenticatedIdentities": True})
        headers = sign(SERVER, "POST", "/", body, identity_headers("CreateIdentityPool"))
        response = send(SERVER, "POST", "/", body.replace("sneaky", "sneakz"), headers)
        self.assertError(response, 403, "InvalidSignatureException")
        self.assertNothingChanged()

    def test_unknown_key(self):
        response = call_identity(SERVER, "CreateIdentityPool", {
            "IdentityPoolName": "sneaky", "AllowUnauthenticatedIdentities": True},
            access_key="AKIDNOSUCHKEY0000000")
        self.assertError(response, 403, "UnrecognizedClientException",
                         message="The security token included in the request is invalid.")
        self.assertNothingChanged()

    def test_date_twenty_minutes_off(self):
        body = {"IdentityPoolName": "late", "AllowUnauthenticatedIdentities": True}
        past = call_identity(SERVER, "CreateIdentityPool", body,
                             clock_skew=datetime.timedelta(minutes=-20))
        self.assertError(past, 403, "InvalidSignatureException", message_prefix="Signature expired")
        future = call_identity(SERVER, "CreateIdentityPool", body,
                               clock_skew=datetime.timedelta(minutes=20))
        self.assertError(future, 403, "InvalidSignatureException",
                         message_prefix="Signature not yet current")
        self.assertNothingChanged()
        # Within the 15 minutes of grace the request is accepted.
        near = call_identity(SERVER, "ListIdentityPools", {"MaxResults": 60},
                             clock_skew=datetime.timedelta(minutes=-10))
        self.assertEqual(near.status, 200, near)

    def test_public_operation_ignores_a_bad_signature(self):  # D11
        response = call_identity(SERVER, "GetId", {"IdentityPoolId": self.pool_id},
                                 access_key="AKIDNOSUCHKEY0000000")
        self.assertEqual(response.status, 200, response)


class LimitsAndCorsTest(RawTestCase):
    def raw_exchange(self, request_bytes, timeout=5):
        """Sends bytes on a fresh connection and reads the response head."""
        with socket.create_connection(("127.0.0.1", SERVER.port), timeout=timeout) as s:
            try:
                s.sendall(request_bytes)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the server may answer and close before reading everything
            data = b""
            try:
                while b"\r\n\r\n" not in data:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    data += chunk
            except ConnectionResetError:
                pass
        status_line = data.split(b"\r\n", 1)[0].decode("latin-1")
        self.assertTrue(status_line.startswith("HTTP/1.1 "), repr(data[:200]))
        return int(status_line.split()[1]), data

    def test_oversized_body_is_refused_before_it_is_read(self):
        # Only the head is sent: a 413 proves the server judged Content-Length alone.
        head = ("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                "X-Amz-Target: AWSCognitoIdentityService.CreateIdentityPool\r\n"
                "Content-Type: application/x-amz-json-1.1\r\n"
                "Content-Length: 2300000\r\n\r\n").encode()
        status, data = self.raw_exchange(head)
        self.assertEqual(status, 413, data[:300])
        self.assertIn(b"x-amzn-requestid", data.lower())
        self.assertNothingChanged()

    def test_oversized_headers_are_refused(self):
        head = ("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                "X-Amz-Target: AWSCognitoIdentityService.ListIdentityPools\r\n"
                f"X-Padding: {'a' * 200000}\r\n"
                "Content-Length: 2\r\n\r\n{}").encode()
        status, data = self.raw_exchange(head)
        self.assertIn(status, (400, 431), data[:300])
        self.assertNothingChanged()

    def test_cors_preflight_of_a_browser(self):
        # The preflight a browser SDK sent (captured-requests.txt section 6).
        response = send(SERVER, "OPTIONS", "/", headers={
            "Origin": "http://app.test:8080",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "X-Amz-User-Agent, X-Amz-Target, X-Amz-Content-Sha256",
            "User-Agent": "Mozilla/5.0 (linux) AppleWebKit/537.36 (KHTML, like Gecko) jsdom/29.1.1",
            "Accept": "*/*"})
        self.assertIn(response.status, (200, 204), response)
        self.assertIn(response.headers.get("access-control-allow-origin"),
                      ("*", "http://app.test:8080"))
        self.assertIn("POST", response.headers.get("access-control-allow-methods", ""))
        allowed = {h.strip().lower()
                   for h in response.headers.get("access-control-allow-headers", "").split(",")}
        self.assertTrue({"x-amz-user-agent", "x-amz-target", "x-amz-content-sha256"} <= allowed
                        or "*" in allowed, allowed)
        self.assertTrue(response.headers.get("x-amzn-requestid"))
        self.assertNothingChanged()

    def test_actual_cors_request_exposes_headers(self):
        response = call_identity(SERVER, "GetId", {"IdentityPoolId": self.pool_id}, signed=False,
                                 extra_headers={"Origin": "http://app.test:8080"})
        self.assertEqual(response.status, 200, response)
        self.assertIn(response.headers.get("access-control-allow-origin"),
                      ("*", "http://app.test:8080"))

    def test_unknown_path_has_an_error_shape(self):
        response = send(SERVER, "GET", "/no/such/path")
        self.assertEqual(response.status, 404, response)
        self.assertTrue(response.headers.get("x-amzn-requestid"))
        self.assertTrue(response.error_type)
        self.assertEqual(set(response.json()), {"__type", "message"})

    def test_discovery_documents(self):  # D13
        response = send(SERVER, "GET", "/.well-known/openid-configuration")
        self.assertEqual(response.status, 200, response)
        self.assertEqual(response.json()["issuer"], "https://cognito-identity.amazonaws.com")
        jwks = send(SERVER, "GET", "/.well-known/jwks.json")
        self.assertEqual(jwks.status, 200, jwks)
        keys = jwks.json()["keys"]
        self.assertGreaterEqual(len(keys), 1)
        self.assertEqual(keys[0]["kty"], "RSA")
        self.assertTrue(keys[0]["kid"])


if __name__ == "__main__":
    unittest.main()
