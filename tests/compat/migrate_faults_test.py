"""`cogsync migrate` (issue 15) against a faulty source: a second cogsync plays AWS behind
support/source_proxy.py, which answers 500, stalls past the client's timeout or drops the
connection mid-response on every nth request, or fails for good after n requests.

The faulted run retries with back-off and ends equal to an unfaulted run; a run that meets a
source failing for good stops with a clear report and exit code 1, having written whole pages
only (each with its checkpoint), and the rerun resumes to the same end as an unfaulted run.
"""

import unittest

from support import migrate_tools as tools
from support.cogsync_server import CogsyncServer
from support.identity_case import unique_name
from support.source_proxy import SourceProxy

source = proxy = None
pool = None
FAST = ("--source-timeout-ms", "400")


def setUpModule():
    global source, proxy, pool
    source = CogsyncServer().start()
    proxy = SourceProxy(source.port).start()
    proxy.stall_seconds = 1.0
    # Three ListIdentities pages (60 each); every third identity holds a dataset.
    pool = source.client().create_identity_pool(
        IdentityPoolName=unique_name("faults"),
        AllowUnauthenticatedIdentities=True)["IdentityPoolId"]
    sync = source.client("cognito-sync")
    for n in range(130):
        identity = source.unsigned_client().get_id(IdentityPoolId=pool)["IdentityId"]
        if n % 3 == 0:
            token = sync.list_records(IdentityPoolId=pool, IdentityId=identity,
                                      DatasetName="save")["SyncSessionToken"]
            sync.update_records(IdentityPoolId=pool, IdentityId=identity, DatasetName="save",
                                SyncSessionToken=token, RecordPatches=[
                                    {"Op": "replace", "Key": "n", "Value": str(n),
                                     "SyncCount": 0}])


def tearDownModule():
    for thing in (proxy, source):
        if thing is not None:
            thing.stop()


class FaultTest(unittest.TestCase):
    def setUp(self):
        proxy.fault_every = 0
        proxy.break_after = None
        proxy.injected.clear()
        proxy.operations.clear()

    def unfaulted(self):
        data = tools.target_dir(self)
        code, out, err = tools.run_migrate(proxy.endpoint, data, [pool], *FAST)
        self.assertEqual(code, 0, out + err)
        return data, sum(proxy.operations.values())

    def test_500s_stalls_and_cut_answers_are_retried_to_the_same_result(self):  # D29
        clean, _ = self.unfaulted()
        faulted = tools.target_dir(self)
        proxy.fault_every = 6  # 500, stall, cut, 500, ... in turn
        code, out, err = tools.run_migrate(proxy.endpoint, faulted, [pool], *FAST)
        self.assertEqual(code, 0, out + err)
        for kind in ("500", "stall", "cut"):
            self.assertGreater(proxy.injected[kind], 2, dict(proxy.injected))
        # Every fault was retried (a stall too: its attempt timed out).
        retried = int(out.split(" retried)")[0].rsplit(", ", 1)[1])
        self.assertGreaterEqual(retried, sum(proxy.injected.values()), out)
        self.assertEqual(tools.exported(faulted), tools.exported(clean))

    def test_a_source_failing_for_good_stops_cleanly_and_the_rerun_resumes(self):  # D29
        clean, requests = self.unfaulted()
        broken = tools.target_dir(self)
        proxy.operations.clear()
        # Past the first page (about half the requests), inside the second.
        proxy.break_after = requests * 7 // 10
        code, out, err = tools.run_migrate(proxy.endpoint, broken, [pool], *FAST,
                                           "--max-attempts", "3")
        self.assertEqual(code, 1, out + err)
        self.assertIn(f"not copied: pool {pool} stopped: identity ", out)
        self.assertIn("the source answered InternalErrorException", out)
        # Whole pages only: the first page's 60 identities, nothing of the second.
        self.assertRegex(out, rf"pool {pool}: 60 identities,")
        proxy.break_after = None
        proxy.operations.clear()
        code, out, err = tools.run_migrate(proxy.endpoint, broken, [pool], *FAST)
        self.assertEqual(code, 0, out + err)
        # The resume lists from the checkpoint: the first page is not read again.
        self.assertRegex(out, rf"pool {pool}: 70 identities,")
        self.assertEqual(tools.exported(broken), tools.exported(clean))


if __name__ == "__main__":
    unittest.main()
