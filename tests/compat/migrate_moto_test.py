"""`cogsync migrate` (issue 15) from a source that is not cogsync: moto's server
(`python3 -m moto.server`), which implements part of Cognito Identity (pools, GetId,
ListIdentities) and no Cognito Sync; an operation it lacks answers 500.

With --identities-only the pool and identity part is copied (ids kept exactly) and the report
says what was not read; without it the run stops on the first operation moto lacks, with a clear
report and nothing written. Checked with boto3 against moto and the target.
"""

import os
import unittest

from botocore.exceptions import ClientError

from support import migrate_tools as tools
from support.cogsync_server import CogsyncServer
from support.moto_server import ACCESS_KEY_ID, SECRET_ACCESS_KEY, MotoServer

moto = None
pools = {}


def setUpModule():
    global moto
    moto = MotoServer().start()
    cognito = moto.client("cognito-identity")
    for name, kwargs in (("open", {"AllowUnauthenticatedIdentities": True,
                                   "IdentityPoolTags": {"team": "games"}}),
                         ("closed", {"AllowUnauthenticatedIdentities": False,
                                     "SupportedLoginProviders": {
                                         "graph.facebook.com": "1234567890"}})):
        pool = cognito.create_identity_pool(IdentityPoolName=f"moto-{name}",
                                            **kwargs)["IdentityPoolId"]
        pools[name] = pool
    for _ in range(5):
        cognito.get_id(IdentityPoolId=pools["open"])


def tearDownModule():
    if moto is not None:
        moto.stop()


def run(data, *extra):
    return tools.run_migrate(moto.endpoint, data, sorted(pools.values()), *extra,
                             key=ACCESS_KEY_ID, secret=SECRET_ACCESS_KEY)


def identity_ids(client, pool):
    return sorted(i["IdentityId"] for i in client.list_identities(
        IdentityPoolId=pool, MaxResults=60)["Identities"])


class MotoSourceTest(unittest.TestCase):
    def test_pools_and_identities_are_copied_with_ids_equal(self):  # D29
        data = tools.target_dir(self)
        code, out, err = run(data, "--identities-only")
        self.assertEqual(code, 0, out + err)
        self.assertIn(f"pool {pools['open']}: 5 identities", out)
        self.assertIn("not read (--identities-only): roles, principal tags, developer user "
                      "identifiers, Sync configuration and events, datasets and records", out)
        # A rerun (the delta pass) continues its own migration and finds nothing new.
        code, out, err = run(data, "--identities-only")
        self.assertEqual(code, 0, out + err)
        self.assertIn(f"pool {pools['open']}: 5 identities", out)
        # --verify compares what was read: no difference.
        code, out, err = run(data, "--identities-only", "--verify")
        self.assertEqual(code, 0, out + err)
        self.assertIn("verified 5 identities, 0 datasets, 0 records: 0 differences", err)
        target = CogsyncServer()
        target.data_dir = os.path.dirname(data)
        target.start()
        self.addCleanup(target._terminate)
        source, copy = moto.client("cognito-identity"), target.client()
        for pool in pools.values():
            at_moto = source.describe_identity_pool(IdentityPoolId=pool)
            here = copy.describe_identity_pool(IdentityPoolId=pool)
            for key in ("IdentityPoolId", "IdentityPoolName", "AllowUnauthenticatedIdentities",
                        "IdentityPoolTags", "SupportedLoginProviders"):
                self.assertEqual(here.get(key) or None, at_moto.get(key) or None, key)
            self.assertEqual(identity_ids(copy, pool), identity_ids(source, pool))
        self.assertEqual(len(identity_ids(copy, pools["open"])), 5)
        # The copied identities are usable on the target: a device continues with its id (an
        # OpenID token; credentials would need the roles, which moto does not serve).
        device = identity_ids(source, pools["open"])[0]
        answer = target.unsigned_client().get_open_id_token(IdentityId=device)
        self.assertEqual(answer["IdentityId"], device)

    def test_without_identities_only_the_run_stops_clearly_and_writes_nothing(self):
        data = tools.target_dir(self)
        code, out, err = run(data, "--max-attempts", "1")
        self.assertEqual(code, 1, out + err)
        self.assertRegex(out, rf"not copied: pool {pools['open']} stopped: the source answered "
                              r"HTTP 500")
        target = CogsyncServer()
        target.data_dir = os.path.dirname(data)
        target.start()
        self.addCleanup(target._terminate)
        with self.assertRaises(ClientError) as caught:
            target.client().describe_identity_pool(IdentityPoolId=pools["open"])
        self.assertEqual(caught.exception.response["Error"]["Code"], "ResourceNotFoundException")


if __name__ == "__main__":
    unittest.main()
