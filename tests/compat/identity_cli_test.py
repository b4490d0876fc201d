"""Cognito Identity through the AWS CLI (`aws cognito-identity ... --endpoint-url`).

Each command runs in a subprocess whose environment holds the test server's developer key and
points the CLI's configuration and credential files at an empty temporary directory, so
nothing of the machine's AWS setup is used.
"""

import unittest

from support.aws_cli import AwsCli
from support.cogsync_server import CogsyncServer

SERVER = CogsyncServer()
CLI = None


def setUpModule():
    global CLI
    SERVER.start()
    CLI = AwsCli(SERVER)


def tearDownModule():
    SERVER.stop()
    CLI.close()


def aws(*args, signed=True):
    """Runs `aws cognito-identity <args>`: (exit code, parsed JSON or None, stderr)."""
    return CLI.run("cognito-identity", *args, signed=signed, timeout=60)


class IdentityCliTest(unittest.TestCase):
    def create_pool(self, name):
        code, pool, err = aws("create-identity-pool", "--identity-pool-name", name,
                              "--allow-unauthenticated-identities")
        self.assertEqual(code, 0, err)
        self.addCleanup(aws, "delete-identity-pool", "--identity-pool-id", pool["IdentityPoolId"])
        return pool

    def test_pool_lifecycle(self):
        pool = self.create_pool("cli-pool")
        pool_id = pool["IdentityPoolId"]
        self.assertEqual(pool["IdentityPoolName"], "cli-pool")
        self.assertIs(pool["AllowUnauthenticatedIdentities"], True)
        self.assertIs(pool["AllowClassicFlow"], False)  # D4 defaults
        self.assertEqual(pool["SupportedLoginProviders"], {})

        code, listed, err = aws("list-identity-pools", "--max-results", "60")
        self.assertEqual(code, 0, err)
        self.assertIn({"IdentityPoolId": pool_id, "IdentityPoolName": "cli-pool"},
                      listed["IdentityPools"])

        code, described, err = aws("describe-identity-pool", "--identity-pool-id", pool_id)
        self.assertEqual(code, 0, err)
        self.assertEqual(described["IdentityPoolId"], pool_id)
        self.assertEqual(described["IdentityPoolName"], "cli-pool")

        code, out, err = aws("delete-identity-pool", "--identity-pool-id", pool_id)
        self.assertEqual(code, 0, err)
        self.assertIsNone(out)
        code, _, err = aws("describe-identity-pool", "--identity-pool-id", pool_id)
        self.assertNotEqual(code, 0)
        self.assertIn("ResourceNotFoundException", err)
        self.assertIn(f"IdentityPool '{pool_id}' not found.", err)

    def test_get_id_unsigned(self):  # D11
        pool_id = self.create_pool("cli-public")["IdentityPoolId"]
        code, first, err = aws("get-id", "--identity-pool-id", pool_id, signed=False)
        self.assertEqual(code, 0, err)
        self.assertRegex(first["IdentityId"], r"^us-east-1:[0-9a-f-]{36}$")
        code, second, err = aws("get-id", "--identity-pool-id", pool_id)
        self.assertEqual(code, 0, err)
        self.assertNotEqual(first["IdentityId"], second["IdentityId"])

    def test_list_identity_pools_pages_with_next_token(self):
        mine = {self.create_pool(f"cli-page-{i}")["IdentityPoolId"] for i in range(3)}
        # MaxResults is required, and naming it turns the CLI's own pagination off, so the
        # pages are followed by hand with --next-token.
        seen, token = [], None
        for _ in range(10):
            extra = ["--next-token", token] if token else []
            code, page, err = aws("list-identity-pools", "--max-results", "2", *extra)
            self.assertEqual(code, 0, err)
            self.assertLessEqual(len(page["IdentityPools"]), 2)
            seen += [p["IdentityPoolId"] for p in page["IdentityPools"]]
            token = page.get("NextToken")
            if not token:
                break
        self.assertTrue(mine <= set(seen), (mine, seen))
        self.assertEqual(len(seen), len(set(seen)))

    def test_unsigned_developer_command_is_refused(self):  # D10
        code, _, err = aws("list-identity-pools", "--max-results", "5", signed=False)
        self.assertNotEqual(code, 0)
        self.assertIn("MissingAuthenticationTokenException", err)

    def test_validation_error_reaches_the_user(self):  # D3
        code, _, err = aws("create-identity-pool", "--identity-pool-name", "bad!name",
                           "--allow-unauthenticated-identities")
        self.assertNotEqual(code, 0)
        self.assertIn("ValidationException", err)
        self.assertIn("at 'identityPoolName' failed to satisfy constraint", err)


if __name__ == "__main__":
    unittest.main()
