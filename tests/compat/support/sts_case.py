"""Helpers for the STS (classic flow) suites, D27: pools with roles, OpenID tokens from the
server, STS clients, and STS error assertions (codes and statuses of the botocore sts model)."""

import xml.etree.ElementTree as ET

from botocore.config import Config
from botocore.exceptions import ClientError

from support.cogsync_server import _SESSION, NO_RETRY, REGION
from support.identity_case import IdentityTestCase, role_arn

STS_NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/"
UNAUTH_ROLE = role_arn("ClassicUnauth")
AUTH_ROLE = role_arn("ClassicAuth")
DEV_PROVIDER = "login.classic.dev"

# The status STS gives each error code (the sts model, and AWS's common errors).
STS_STATUS = {
    "ValidationError": 400,
    "InvalidIdentityToken": 400,
    "ExpiredTokenException": 400,
    "AccessDenied": 403,
    "InvalidAction": 400,
    "MissingAction": 400,
    "MalformedQueryString": 400,
    "InvalidClientTokenId": 403,
    "SignatureDoesNotMatch": 403,
    "MissingAuthenticationToken": 403,
    "ExpiredToken": 403,
}


def sts_xml(body):
    """The parsed XML of an STS answer, with the namespace checked and stripped from tags."""
    root = ET.fromstring(body)
    assert root.tag.startswith("{" + STS_NAMESPACE + "}"), root.tag
    for element in root.iter():
        element.tag = element.tag.split("}", 1)[-1]
    return root


class StsTestCase(IdentityTestCase):
    """Subclasses set `server` in setUpModule, like IdentityTestCase."""

    def setUp(self):
        super().setUp()
        self.sts = self.server.client("sts")
        # boto3 itself refuses some bad inputs; this client sends them so the server answers.
        self.sts_unchecked = _SESSION.client(
            "sts", endpoint_url=self.server.endpoint, region_name=REGION,
            aws_access_key_id="unused", aws_secret_access_key="unused",
            config=NO_RETRY.merge(Config(parameter_validation=False)))

    def classic_pool(self, **kwargs):
        """A pool with both roles set and a developer provider; AllowClassicFlow as given."""
        pool = self.new_pool(DeveloperProviderName=DEV_PROVIDER, **kwargs)
        self.cognito.set_identity_pool_roles(
            IdentityPoolId=pool["IdentityPoolId"],
            Roles={"authenticated": AUTH_ROLE, "unauthenticated": UNAUTH_ROLE})
        return pool["IdentityPoolId"]

    def unauth_token(self, pool_id):
        """(identity id, OpenID token) of a new unauthenticated identity: GetId, GetOpenIdToken."""
        identity_id = self.public.get_id(IdentityPoolId=pool_id)["IdentityId"]
        token = self.public.get_open_id_token(IdentityId=identity_id)["Token"]
        return identity_id, token

    def developer_token(self, pool_id, user="user-1", **kwargs):
        """(identity id, token) of a developer-authenticated identity (authenticated amr)."""
        answer = self.cognito.get_open_id_token_for_developer_identity(
            IdentityPoolId=pool_id, Logins={DEV_PROVIDER: user}, **kwargs)
        return answer["IdentityId"], answer["Token"]

    def assume(self, token, role=UNAUTH_ROLE, session="app-session", client=None, **kwargs):
        client = client or self.sts
        return client.assume_role_with_web_identity(
            RoleArn=role, RoleSessionName=session, WebIdentityToken=token, **kwargs)

    def assertStsError(self, code, call, *args, message=None, message_prefix=None, **kwargs):
        """Runs the call and checks STS's code, its status and (optionally) the message."""
        with self.assertRaises(ClientError) as cm:
            call(*args, **kwargs)
        error = cm.exception.response["Error"]
        self.assertEqual(error["Code"], code, cm.exception.response)
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"],
                         STS_STATUS[code], cm.exception.response)
        if error.get("Type") is not None:
            self.assertEqual(error["Type"], "Sender")
        if message is not None:
            self.assertEqual(error["Message"], message)
        if message_prefix is not None:
            self.assertTrue(error["Message"].startswith(message_prefix), error["Message"])
        return error
