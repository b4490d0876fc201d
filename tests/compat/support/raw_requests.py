"""Hand-built Cognito Identity requests, for inputs an SDK would refuse to send.

Requests are signed with botocore's own SigV4 signer, so a rejection by the server is about the
content under test and never about a home-made signature.
"""

import datetime
import json
from unittest import mock

import botocore.auth
import botocore.awsrequest
import botocore.credentials

from support.cogsync_server import ACCESS_KEY_ID, REGION, SECRET_ACCESS_KEY

IDENTITY_TARGET_PREFIX = "AWSCognitoIdentityService."
IDENTITY_CONTENT_TYPE = "application/x-amz-json-1.1"


class RawResponse:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # lower-cased names
        self.body = body

    def json(self):
        return json.loads(self.body) if self.body else None

    @property
    def error_type(self):
        return self.headers.get("x-amzn-errortype")

    def __repr__(self):
        return f"RawResponse({self.status}, {self.headers!r}, {self.body[:300]!r})"


def identity_headers(operation, target=None):
    return {
        "X-Amz-Target": target if target is not None else IDENTITY_TARGET_PREFIX + operation,
        "Content-Type": IDENTITY_CONTENT_TYPE,
    }


def sign(server, method, path, body, headers, access_key=ACCESS_KEY_ID,
         secret_key=SECRET_ACCESS_KEY, session_token=None, service="cognito-identity",
         clock_skew=None):
    """The headers of a SigV4-signed request; clock_skew (a timedelta) shifts X-Amz-Date."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    request = botocore.awsrequest.AWSRequest(
        method=method, url=server.endpoint + path, data=body, headers=dict(headers))
    credentials = botocore.credentials.Credentials(access_key, secret_key, session_token)
    signer = botocore.auth.SigV4Auth(credentials, service, REGION)
    if clock_skew is None:
        signer.add_auth(request)
    else:
        shifted = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None) + clock_skew
        with mock.patch.object(botocore.auth, "get_current_datetime", return_value=shifted):
            signer.add_auth(request)
    return dict(request.headers.items())


def send(server, method, path, body=b"", headers=None, timeout=10):
    if isinstance(body, str):
        body = body.encode("utf-8")
    conn = server.connection(timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        return RawResponse(response.status, {k.lower(): v for k, v in response.getheaders()}, data)
    finally:
        conn.close()


def call_identity(server, operation, body, signed=True, target=None, extra_headers=None, **sign_args):
    """POST / with an Identity operation; body may be a dict (sent as JSON) or raw text."""
    if not isinstance(body, (str, bytes)):
        body = json.dumps(body)
    headers = identity_headers(operation, target)
    if extra_headers:
        headers.update(extra_headers)
    if signed:
        headers = sign(server, "POST", "/", body, headers, **sign_args)
    return send(server, "POST", "/", body, headers)


def assert_aws_error(test, response, status, code, message=None, message_prefix=None,
                     message_contains=None):
    """The AWS error shape (D1, D2, D10): the status, the code in both x-amzn-ErrorType and the
    body's __type, a body of exactly {"__type", "message"}, and a request id."""
    test.assertEqual(response.status, status, response)
    test.assertEqual(response.error_type, code, response)
    test.assertTrue(response.headers.get("x-amzn-requestid"), response)
    body = response.json()
    test.assertEqual(set(body), {"__type", "message"}, body)
    test.assertEqual(body["__type"], code)
    if message is not None:
        test.assertEqual(body["message"], message)
    if message_prefix is not None:
        test.assertTrue(body["message"].startswith(message_prefix), body["message"])
    if message_contains is not None:
        test.assertIn(message_contains, body["message"])
    return body
