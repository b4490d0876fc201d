"""Lazy login binding during a migration from Amazon Cognito (D29; issue 15, Scope 2).

A second cogsync plays AWS (the source). Users log in there with OpenID Connect tokens signed by
a key whose JWKS this test serves, so both servers verify them for real. Their identities are
then copied into the target with the same ids; the source cannot say which subject owns which
identity, so the copy carries only the provider names (unbound_logins). The target forwards
unknown logins to the source's GetId through a proxy that counts the calls per subject and
injects faults.

The copy is made at store level (sqlite3 on the stopped target's database): the archive import
of issue 14 and `cogsync migrate` of issue 15 Scope 1 are not on main yet, and the public API
cannot create identities with given ids. Once the import exists, seed through it instead.
"""

import os
import sqlite3
import subprocess
import threading
import unittest
import urllib.request

from botocore.exceptions import ClientError

from support.cogsync_server import CogsyncServer, server_binary
from support.identity_case import role_arn, unique_name
from support.oidc_issuer import OidcIssuer
from support.source_proxy import SourceProxy

AUDIENCE = "client-1"
MIGRATED = ["alice", "bob", "dave", "eve", "frank", "gina", "hank"]
NOT_MIGRATED = ["carol"]

issuer = source = target = proxy = None
pool_id = None
ids = {}  # user -> identity id at the source


def database(server):
    return os.path.join(server.data_dir, "data", "cogsync.db")


def copy_migrated_identities(users):
    """What a migration copies: the pool row and the users' identities with their ids, each
    with the provider names it was linked to (AWS lists names, not subjects)."""
    db = sqlite3.connect(database(target))
    try:
        db.execute("ATTACH DATABASE ? AS src", (f"file:{database(source)}?mode=ro",))
        db.execute("INSERT INTO pools SELECT * FROM src.pools WHERE id = ?", (pool_id,))
        for user in users:
            db.execute("INSERT INTO identities SELECT * FROM src.identities WHERE id = ?",
                       (ids[user],))
            db.execute("INSERT INTO unbound_logins (identity_id, provider) VALUES (?, ?)",
                       (ids[user], issuer.provider))
        db.commit()
    finally:
        db.close()


def setUpModule():
    global issuer, source, target, proxy, pool_id
    issuer = OidcIssuer().start()
    providers = [issuer.provider_config()]
    source = CogsyncServer(config={"login_providers": providers}).start()
    pool_id = source.client().create_identity_pool(
        IdentityPoolName=unique_name("migrated"), AllowUnauthenticatedIdentities=True,
        SupportedLoginProviders={issuer.provider: AUDIENCE})["IdentityPoolId"]
    source.client().set_identity_pool_roles(IdentityPoolId=pool_id, Roles={
        "authenticated": role_arn("migrated-auth"), "unauthenticated": role_arn("migrated-unauth")})
    public = source.unsigned_client()
    for user in MIGRATED + NOT_MIGRATED:
        ids[user] = public.get_id(IdentityPoolId=pool_id, Logins=login(user))["IdentityId"]
    proxy = SourceProxy(source.port).start()
    target = CogsyncServer(config={
        "login_providers": providers,
        "migration": {"source_endpoint": proxy.endpoint, "window_end": "2099-01-01",
                      "timeout_ms": 1000}})
    target.start()
    target._terminate()  # keep the data directory: the schema exists now
    try:
        copy_migrated_identities(MIGRATED)
    except Exception:
        target.stop()
        raise
    target.start()


def tearDownModule():
    for thing in (target, proxy, source, issuer):
        if thing is not None:
            thing.stop()


def login(user):
    return {issuer.provider: issuer.token(user, AUDIENCE)}


def identity_count():
    count, token = 0, {}
    while True:
        page = target.client().list_identities(IdentityPoolId=pool_id, MaxResults=60, **token)
        count += len(page["Identities"])
        if not page.get("NextToken"):
            return count
        token = {"NextToken": page["NextToken"]}


class LazyBindingTest(unittest.TestCase):  # D29

    def setUp(self):
        self.public = target.unsigned_client()
        proxy.mode = "up"
        proxy.delay = 0.0

    def assertRetryable(self, call, **kwargs):
        with self.assertRaises(ClientError) as caught:
            call(**kwargs)
        error = caught.exception.response
        self.assertEqual(error["Error"]["Code"], "ServiceUnavailableException")
        self.assertEqual(error["ResponseMetadata"]["HTTPStatusCode"], 503)

    def assertNotAuthorized(self, call, **kwargs):
        with self.assertRaises(ClientError) as caught:
            call(**kwargs)
        self.assertEqual(caught.exception.response["Error"]["Code"], "NotAuthorizedException")

    def test_migrated_login_binds_to_its_old_identity_once(self):
        before = identity_count()
        got = self.public.get_id(IdentityPoolId=pool_id, Logins=login("alice"))
        self.assertEqual(got["IdentityId"], ids["alice"])
        self.assertEqual(proxy.calls("alice"), 1)
        forwarded = [b for b in proxy.bodies if issuer.provider in b.get("Logins", {})]
        self.assertTrue(all(b["IdentityPoolId"] == pool_id for b in forwarded))
        # Bound: later calls, of every login operation, are answered locally.
        again = self.public.get_id(IdentityPoolId=pool_id, Logins=login("alice"))
        self.assertEqual(again["IdentityId"], ids["alice"])
        credentials = self.public.get_credentials_for_identity(
            IdentityId=ids["alice"], Logins=login("alice"))
        self.assertEqual(credentials["IdentityId"], ids["alice"])
        token = self.public.get_open_id_token(IdentityId=ids["alice"], Logins=login("alice"))
        self.assertEqual(token["IdentityId"], ids["alice"])
        self.assertEqual(proxy.calls("alice"), 1)
        self.assertEqual(identity_count(), before)
        described = target.client().describe_identity(IdentityId=ids["alice"])
        self.assertEqual(described["Logins"], [issuer.provider])

    def test_concurrent_first_logins_bind_once(self):
        proxy.delay = 0.5  # the first forward is still running when the others arrive
        answers, errors = [], []

        def first_login():
            try:
                answers.append(self.public.get_id(IdentityPoolId=pool_id,
                                                  Logins=login("bob"))["IdentityId"])
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(e)

        threads = [threading.Thread(target=first_login) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        self.assertEqual(answers, [ids["bob"]] * 8)
        self.assertEqual(proxy.calls("bob"), 1)

    def test_another_users_token_never_reaches_an_unbound_identity(self):
        dave = ids["dave"]
        # carol is unknown here (not migrated), eve is migrated: neither reaches dave's identity,
        # whose login is not bound yet.
        self.assertNotAuthorized(self.public.get_credentials_for_identity, IdentityId=dave,
                                 Logins=login("carol"))
        self.assertNotAuthorized(self.public.get_open_id_token, IdentityId=dave,
                                 Logins=login("eve"))
        # Nor does anyone without a login: dave's identity was authenticated at the source.
        self.assertNotAuthorized(self.public.get_credentials_for_identity, IdentityId=dave)
        # eve's forward bound her own identity, and carol got none of dave's.
        self.assertEqual(self.public.get_id(IdentityPoolId=pool_id, Logins=login("eve"))
                         ["IdentityId"], ids["eve"])
        self.assertEqual(proxy.calls("eve"), 1)
        carol = self.public.get_id(IdentityPoolId=pool_id, Logins=login("carol"))["IdentityId"]
        self.assertNotIn(carol, ids.values())
        # dave's own first login, naming his identity, binds it.
        credentials = self.public.get_credentials_for_identity(IdentityId=dave,
                                                               Logins=login("dave"))
        self.assertEqual(credentials["IdentityId"], dave)
        self.assertEqual(proxy.calls("dave"), 1)

    def test_source_down_gives_a_retryable_error_and_creates_nothing(self):
        before = identity_count()
        proxy.mode = "down"
        self.assertRetryable(self.public.get_id, IdentityPoolId=pool_id, Logins=login("frank"))
        self.assertRetryable(self.public.get_credentials_for_identity, IdentityId=ids["frank"],
                             Logins=login("frank"))
        proxy.mode = "slow"  # past the 1 s timeout
        self.assertRetryable(self.public.get_id, IdentityPoolId=pool_id, Logins=login("frank"))
        self.assertEqual(identity_count(), before)
        self.assertEqual(proxy.calls("frank"), 3)
        # A failure is not an answer: the next call asks again, and binds.
        proxy.mode = "up"
        got = self.public.get_id(IdentityPoolId=pool_id, Logins=login("frank"))
        self.assertEqual(got["IdentityId"], ids["frank"])
        self.assertEqual(proxy.calls("frank"), 4)
        self.assertEqual(identity_count(), before)

    def test_login_the_source_refuses_gets_a_new_identity(self):
        proxy.refused.add("gina")
        try:
            first = self.public.get_id(IdentityPoolId=pool_id, Logins=login("gina"))["IdentityId"]
            second = self.public.get_id(IdentityPoolId=pool_id, Logins=login("gina"))["IdentityId"]
        finally:
            proxy.refused.discard("gina")
        self.assertNotIn(first, ids.values())
        self.assertEqual(second, first)
        self.assertEqual(proxy.calls("gina"), 1)

    def test_bindings_are_counted_in_status_and_metrics(self):
        self.assertEqual(self.public.get_id(IdentityPoolId=pool_id, Logins=login("hank"))
                         ["IdentityId"], ids["hank"])
        status = subprocess.run(
            [server_binary(), "status", "--data-dir", os.path.join(target.data_dir, "data")],
            capture_output=True, text=True, timeout=30, check=True).stdout
        line = next(l for l in status.splitlines() if l.startswith("migration logins:"))
        words = line.split(":", 1)[1].split()
        counts = dict(zip(words[::2], map(int, words[1::2])))
        self.assertGreaterEqual(counts["bound"], 1)
        self.assertGreaterEqual(counts["forwarded"], counts["bound"])
        with urllib.request.urlopen(target.endpoint + "/metrics", timeout=10) as response:
            metrics = response.read().decode()
        bound = [l for l in metrics.splitlines()
                 if l.startswith('cogsync_migration_logins_total{outcome="bound"}')]
        self.assertEqual(len(bound), 1)
        self.assertGreaterEqual(int(bound[0].split()[-1]), 1)


if __name__ == "__main__":
    unittest.main()
