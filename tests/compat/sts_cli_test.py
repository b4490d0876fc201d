"""STS through the AWS CLI (D27): `aws sts assume-role-with-web-identity` with an OpenID token
from GetOpenIdToken, `aws sts get-caller-identity`, and the bad inputs of the classic-flow
issue, each refused with STS's error as the CLI prints it."""

import time
import unittest

from support.aws_cli import AwsCli
from support.cogsync_server import ACCOUNT_ID, CogsyncServer
from support.identity_case import jwt_claims
from support.sts_case import AUTH_ROLE, UNAUTH_ROLE, StsTestCase

SERVER = None
CLI = None


def setUpModule():
    global SERVER, CLI
    SERVER = CogsyncServer().start()
    CLI = AwsCli(SERVER)


def tearDownModule():
    CLI.close()
    SERVER.stop()


def assume(token, role=UNAUTH_ROLE, session="cli-session", *extra):
    return CLI.run("sts", "assume-role-with-web-identity", "--role-arn", role,
                   "--role-session-name", session, "--web-identity-token", token, *extra,
                   signed=False)


class StsCliTest(StsTestCase):
    server = None

    @classmethod
    def setUpClass(cls):
        cls.server = SERVER

    def assertCliError(self, result, code, operation="AssumeRoleWithWebIdentity", message=None):
        exit_code, out, err = result
        self.assertNotEqual(exit_code, 0, out)
        self.assertIn(f"An error occurred ({code}) when calling the {operation} operation", err)
        if message is not None:
            self.assertIn(message, err)

    def test_assume_role_with_web_identity(self):  # D27
        pool_id = self.classic_pool()
        identity_id, token = self.unauth_token(pool_id)
        code, out, err = assume(token, UNAUTH_ROLE, "cli-session", "--duration-seconds", "900")
        self.assertEqual(code, 0, err)
        self.assertEqual(out["SubjectFromWebIdentityToken"], identity_id)
        self.assertEqual(out["Audience"], pool_id)
        self.assertEqual(out["AssumedRoleUser"]["Arn"],
                         f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/ClassicUnauth/cli-session")
        self.assertRegex(out["Credentials"]["AccessKeyId"], r"^ASIA[A-Z0-9]{16}$")
        # The credentials work with the CLI too: get-caller-identity names the session.
        code, caller, err = CLI.run("sts", "get-caller-identity", credentials=out["Credentials"])
        self.assertEqual(code, 0, err)
        self.assertEqual(caller["Arn"], out["AssumedRoleUser"]["Arn"])
        self.assertEqual(caller["UserId"], out["AssumedRoleUser"]["AssumedRoleId"])

    def test_get_caller_identity_with_developer_key(self):
        code, out, err = CLI.run("sts", "get-caller-identity")
        self.assertEqual(code, 0, err)
        self.assertEqual(out["Account"], ACCOUNT_ID)
        self.assertEqual(out["Arn"], f"arn:aws:iam::{ACCOUNT_ID}:user/developer")

    def test_bad_inputs(self):
        pool_id = self.classic_pool()
        _, token = self.unauth_token(pool_id)
        self.assertCliError(assume(token, AUTH_ROLE), "AccessDenied",
                            message="Not authorized to perform sts:AssumeRoleWithWebIdentity")
        self.assertCliError(assume("not-a-jwt"), "InvalidIdentityToken",
                            message="The ID Token provided is not a valid JWT.")
        self.assertCliError(assume(token[:-6] + "AAAAAA"), "InvalidIdentityToken")
        # The CLI checks minimums itself; a pattern it leaves to the server.
        self.assertCliError(assume(token, UNAUTH_ROLE, "has space"), "ValidationError",
                            message="Value 'has space' at 'roleSessionName' failed to satisfy "
                                    "constraint: Member must satisfy regular expression pattern: "
                                    "[\\w+=,.@-]*")

    def test_expired_token(self):
        pool_id = self.classic_pool()
        _, token = self.developer_token(pool_id, TokenDuration=1)
        time.sleep(max(0.0, jwt_claims(token)["exp"] - time.time()) + 1.1)
        self.assertCliError(assume(token, AUTH_ROLE), "ExpiredTokenException",
                            message="Token expired: current date/time ")

    def test_classic_flow_disabled(self):
        pool_id = self.classic_pool(AllowClassicFlow=False)
        identity_id = self.public.get_id(IdentityPoolId=pool_id)["IdentityId"]
        code, out, err = CLI.run("cognito-identity", "get-open-id-token", "--identity-id",
                                 identity_id, signed=False)
        self.assertNotEqual(code, 0, out)
        self.assertIn("(InvalidParameterException) when calling the GetOpenIdToken operation: "
                      "Basic (classic) flow is not enabled, please use enhanced flow.", err)


if __name__ == "__main__":
    unittest.main()
