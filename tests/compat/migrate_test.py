"""`cogsync migrate` (issue 15 Scope 1, D29): a second cogsync plays AWS as the source.

The source is seeded with real clients (boto3): pools with every setting, unauthenticated,
developer, OpenID Connect and merged (disabled) identities, datasets over several revisions,
tombstones, a deleted dataset. `cogsync migrate` reads it through a proxy that counts requests
per operation and can throttle, into a fresh store; the target, started on that store, must
answer boto3 exactly as the source does. Then: kill -9 mid-run and resume, the delta pass after
more writes at the source, a throttling source, and --verify against a planted difference.
"""

import json
import os
import signal
import subprocess
import time
import unittest

from botocore.exceptions import ClientError

from archive_test import populate
from support import migrate_tools as tools
from support.archive_tools import (ArchiveBuilder, export, identity_id, import_archive, pool_id,
                                   read_lines)
from support.cogsync_server import CogsyncServer, server_binary
from support.identity_case import role_arn, unique_name
from support.oidc_issuer import OidcIssuer
from support.source_proxy import SourceProxy

AUDIENCE = "client-1"
issuer = source = proxy = None
state = {}
oidc_pool = None
oidc_ids = {}


def setUpModule():
    global issuer, source, proxy, oidc_pool
    issuer = OidcIssuer().start()
    source = CogsyncServer(config={"login_providers": [issuer.provider_config()]}).start()
    state.update(populate(source))
    # More than one ListIdentities page (60), so that a killed run stops between pages.
    for _ in range(70):
        source.unsigned_client().get_id(IdentityPoolId=state["pool"])
    # A pool whose users log in with OpenID Connect: AWS lists their provider, never the subject.
    oidc_pool = source.client().create_identity_pool(
        IdentityPoolName=unique_name("oidc"), AllowUnauthenticatedIdentities=False,
        SupportedLoginProviders={issuer.provider: AUDIENCE})["IdentityPoolId"]
    source.client().set_identity_pool_roles(IdentityPoolId=oidc_pool, Roles={
        "authenticated": role_arn("oidc-auth")})
    for user in ("alice", "bob"):
        oidc_ids[user] = source.unsigned_client().get_id(
            IdentityPoolId=oidc_pool, Logins={issuer.provider: issuer.token(user, AUDIENCE)}
        )["IdentityId"]
    # Graceful restart: buffered session counts flushed, as archive_test does.
    source.restart()
    proxy = SourceProxy(source.port).start()


def tearDownModule():
    for thing in (proxy, source, issuer):
        if thing is not None:
            thing.stop()


def migrate_args(data_dir, *extra, pools=None, rate="400"):
    return tools.migrate_args(proxy.endpoint, data_dir, pools or [state["pool"], oidc_pool],
                              *extra, rate=rate)


def migrate(data_dir, *extra, check=True, **kwargs):
    code, out, err = tools.run_migrate(proxy.endpoint, data_dir,
                                       kwargs.pop("pools", None) or [state["pool"], oidc_pool],
                                       *extra, **kwargs)
    if check and code != 0:
        raise AssertionError(f"cogsync migrate exited {code}:\n{out}{err}")
    return code, out, err


class MigrateCase(unittest.TestCase):
    def setUp(self):
        proxy.throttle_every = 0
        proxy.operations.clear()

    def target_dir(self):
        return tools.target_dir(self)

    def serve(self, data_dir):
        server = CogsyncServer(config={"login_providers": [issuer.provider_config()]})
        server.data_dir = os.path.dirname(data_dir)
        server.start()
        self.addCleanup(server._terminate)
        return server

    def assertSameAsSource(self, data_dir):
        target = self.serve(data_dir)
        try:
            for pool in (state["pool"], oidc_pool):
                self.assertEqual(tools.view(target, pool), tools.view(source, pool))
        finally:
            target._terminate()


class MigrateTest(MigrateCase):

    def test_copy_keeps_ids_syncCounts_records_dates_and_settings(self):  # D29
        data = self.target_dir()
        code, out, err = migrate(data)
        self.assertEqual(code, 0, out + err)
        self.assertIn(f"pool {state['pool']}: ", out)
        self.assertSameAsSource(data)
        # The disabled (merged) identity is disabled in the target too, and the pool's copy
        # holds the tombstone and the SyncCounts over several revisions.
        target = self.serve(data)
        sync = target.client("cognito-sync")
        records = sync.list_records(IdentityPoolId=state["pool"], IdentityId=state["anon"][0],
                                    DatasetName="settings", LastSyncCount=0)
        self.assertEqual(records["DatasetSyncCount"], 3)
        gone = [r for r in records["Records"] if r["Key"] == "gone"]
        self.assertEqual(len(gone), 1)
        self.assertNotIn("Value", gone[0])
        # --verify reads the store beside the running server (it only reads).
        code, out, err = migrate(data, "--verify")
        self.assertEqual(code, 0, out + err)

    def test_copied_identities_of_token_providers_are_not_open_to_any_login(self):  # D29
        data = self.target_dir()
        self.assertEqual(migrate(data)[0], 0)
        target = self.serve(data)
        public = target.unsigned_client()
        alice = oidc_ids["alice"]
        # Without logins: the identity is authenticated, so no credentials.
        with self.assertRaises(ClientError) as caught:
            public.get_credentials_for_identity(IdentityId=alice)
        self.assertEqual(caught.exception.response["Error"]["Code"], "NotAuthorizedException")
        # Another user's valid token never reaches alice's identity.
        with self.assertRaises(ClientError) as caught:
            public.get_credentials_for_identity(
                IdentityId=alice, Logins={issuer.provider: issuer.token("mallory", AUDIENCE)})
        self.assertEqual(caught.exception.response["Error"]["Code"], "NotAuthorizedException")

    def test_archive_identity_with_provider_names_but_no_subjects(self):  # D29
        data = self.target_dir()
        archive = os.path.join(os.path.dirname(data), "unbound.jsonl")
        b = ArchiveBuilder(1)
        pool, identity = pool_id(1), identity_id(1)
        b.pool(pool)
        description = json.loads(b.lines[-1])
        description["description"]["SupportedLoginProviders"] = {issuer.provider: AUDIENCE}
        description["roles"] = {"authenticated": role_arn("auth")}
        b.lines[-1] = json.dumps(description).encode() + b"\n"
        b.identity(pool, identity)
        line = json.loads(b.lines[-1])
        line["unbound_logins"] = [issuer.provider]
        b.lines[-1] = json.dumps(line).encode() + b"\n"
        b.write(archive)
        import_archive(archive, data_dir=data)
        target = self.serve(data)
        # The subject is unknown: the identity is authenticated and no login is its own yet.
        with self.assertRaises(ClientError) as caught:
            target.unsigned_client().get_credentials_for_identity(IdentityId=identity)
        self.assertEqual(caught.exception.response["Error"]["Code"], "NotAuthorizedException")
        with self.assertRaises(ClientError) as caught:
            target.unsigned_client().get_credentials_for_identity(
                IdentityId=identity, Logins={issuer.provider: issuer.token("eve", AUDIENCE)})
        self.assertEqual(caught.exception.response["Error"]["Code"], "NotAuthorizedException")
        # And the export carries the provider names on.
        target._terminate()
        out = os.path.join(os.path.dirname(data), "again.jsonl")
        export(out, data_dir=data)
        lines = [l for l in read_lines(out) if l["type"] == "identity"]
        self.assertEqual(lines[0]["unbound_logins"], [issuer.provider])

    def test_kill_mid_run_then_resume_equals_an_uninterrupted_run(self):
        whole = self.target_dir()
        self.assertEqual(migrate(whole)[0], 0)
        resumed = self.target_dir()
        process = subprocess.Popen([server_binary(), *migrate_args(resumed, rate="20")],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(4.5)
        process.send_signal(signal.SIGKILL)
        process.wait()
        self.assertEqual(migrate(resumed)[0], 0)
        # A rerun of a finished migration changes nothing either.
        self.assertEqual(migrate(resumed)[0], 0)
        self.assertEqual(tools.exported(whole), tools.exported(resumed))

    def test_throttling_source_is_backed_off_and_the_copy_completes(self):
        data = self.target_dir()
        proxy.throttle_every = 4
        code, out, err = migrate(data)
        self.assertEqual(code, 0, out + err)
        self.assertGreater(proxy.throttled, 0)
        self.assertRegex(out, r"\(([1-9][0-9]*) throttled")
        proxy.throttle_every = 0
        self.assertSameAsSource(data)

    def test_verify_finds_a_planted_difference(self):
        data = self.target_dir()
        self.assertEqual(migrate(data)[0], 0)
        target = self.serve(data)
        sync = target.client("cognito-sync")
        pid, iid = state["pool"], state["anon"][0]
        # The pool's SyncTrigger has no function here: off, so that the write goes through.
        sync.set_cognito_events(IdentityPoolId=pid, Events={})
        listed = sync.list_records(IdentityPoolId=pid, IdentityId=iid, DatasetName="settings")
        theme = [r for r in listed["Records"] if r["Key"] == "theme"][0]
        sync.update_records(IdentityPoolId=pid, IdentityId=iid, DatasetName="settings",
                            SyncSessionToken=listed["SyncSessionToken"], RecordPatches=[
                                {"Op": "replace", "Key": "theme", "Value": "planted",
                                 "SyncCount": theme["SyncCount"]}])
        target._terminate()
        code, out, err = migrate(data, "--verify", check=False)
        self.assertEqual(code, 1, out + err)
        self.assertIn("record 'theme'", out)
        self.assertIn("planted", out)

    def test_z_delta_pass_copies_only_what_changed(self):  # runs last: it changes the source
        data = self.target_dir()
        self.assertEqual(migrate(data)[0], 0)
        sync = source.client("cognito-sync")
        pid = state["pool"]
        sync.set_cognito_events(IdentityPoolId=pid, Events={})  # no function to call here

        def update(identity, dataset, key, value):
            listed = sync.list_records(IdentityPoolId=pid, IdentityId=identity,
                                       DatasetName=dataset)
            count = [r["SyncCount"] for r in listed["Records"] if r["Key"] == key] or [0]
            sync.update_records(IdentityPoolId=pid, IdentityId=identity, DatasetName=dataset,
                                SyncSessionToken=listed["SyncSessionToken"], RecordPatches=[
                                    {"Op": "replace", "Key": key, "Value": value,
                                     "SyncCount": count[0]}])
        update(state["anon"][0], "settings", "theme", "blue")
        newcomer = source.unsigned_client().get_id(IdentityPoolId=pid)["IdentityId"]
        update(newcomer, "fresh", "k", "v")
        sync.delete_dataset(IdentityPoolId=pid, IdentityId=state["dev"]["user-1"],
                            DatasetName="profile")
        proxy.operations.clear()
        code, out, err = migrate(data)
        self.assertEqual(code, 0, out + err)
        # Two datasets grew (one changed, one new); the deleted one needs no read; the
        # developer ids of identities already copied are not read again.
        self.assertEqual(proxy.operations["ListRecords"], 2, dict(proxy.operations))
        self.assertEqual(proxy.operations["LookupDeveloperIdentity"], 0, dict(proxy.operations))
        self.assertRegex(out, r"pool \S+: \d+ identities, 2 datasets copied, \d+ unchanged, "
                              r"1 deleted")
        self.assertSameAsSource(data)
        # The deletion is remembered (D17): a device that synced 'profile' learns of it.
        target = self.serve(data)
        answer = target.client("cognito-sync").list_records(
            IdentityPoolId=pid, IdentityId=state["dev"]["user-1"], DatasetName="profile",
            LastSyncCount=1)
        self.assertFalse(answer["DatasetExists"])
        self.assertTrue(answer["DatasetDeletedAfterRequestedSyncCount"])


if __name__ == "__main__":
    unittest.main()
