"""Helpers of the `cogsync migrate` suites (issue 15, D29): run the command against a source,
see a pool as boto3 shows it, compare two targets through their exports."""

import os
import shutil
import tempfile

from support.archive_tools import comparable, export, read_lines, run_cogsync
from support.cogsync_server import ACCESS_KEY_ID, SECRET_ACCESS_KEY


def migrate_args(endpoint, data_dir, pools, *extra, rate="400", key=ACCESS_KEY_ID,
                 secret=SECRET_ACCESS_KEY):
    args = ["migrate", "--data-dir", data_dir, "--source-endpoint", endpoint,
            "--access-key-id", key, "--secret-access-key", secret, "--rate", rate, "--quiet"]
    for pool in pools:
        args += ["--pool", pool]
    return args + list(extra)


def run_migrate(endpoint, data_dir, pools, *extra, **kwargs):
    """Runs `cogsync migrate`; returns (exit code, stdout, stderr) as text."""
    proc = run_cogsync(*migrate_args(endpoint, data_dir, pools, *extra, **kwargs), check=False)
    return proc.returncode, proc.stdout.decode(), proc.stderr.decode()


def all_pages(call, key, **kwargs):
    out, token = [], {}
    while True:
        page = call(**kwargs, **token)
        out += page[key]
        if not page.get("NextToken"):
            return out
        token = {"NextToken": page["NextToken"]}


def without_metadata(answer):
    return {k: v for k, v in answer.items() if k != "ResponseMetadata"}


def view(server, pool):
    """Everything boto3 shows of a pool, in one comparable structure."""
    cognito, sync = server.client(), server.client("cognito-sync")
    out = {"pool": without_metadata(cognito.describe_identity_pool(IdentityPoolId=pool)),
           "roles": without_metadata(cognito.get_identity_pool_roles(IdentityPoolId=pool)),
           "config": without_metadata(sync.get_identity_pool_configuration(IdentityPoolId=pool)),
           "events": without_metadata(sync.get_cognito_events(IdentityPoolId=pool)),
           "identities": {}}
    for provider in out["pool"].get("SupportedLoginProviders", {}):
        out["tags:" + provider] = without_metadata(cognito.get_principal_tag_attribute_map(
            IdentityPoolId=pool, IdentityProviderName=provider))
    enabled = {i["IdentityId"] for i in all_pages(
        cognito.list_identities, "Identities", IdentityPoolId=pool, MaxResults=60,
        HideDisabled=True)}
    for identity in all_pages(cognito.list_identities, "Identities", IdentityPoolId=pool,
                              MaxResults=60, HideDisabled=False):
        iid = identity["IdentityId"]
        entry = {"listed": identity, "enabled": iid in enabled, "datasets": {}}
        if out["pool"].get("DeveloperProviderName") and identity.get("Logins"):
            entry["developer"] = cognito.lookup_developer_identity(
                IdentityPoolId=pool, IdentityId=iid, MaxResults=60).get(
                    "DeveloperUserIdentifierList")
        for dataset in all_pages(sync.list_datasets, "Datasets", IdentityPoolId=pool,
                                 IdentityId=iid):
            records = sync.list_records(IdentityPoolId=pool, IdentityId=iid,
                                        DatasetName=dataset["DatasetName"], LastSyncCount=0)
            entry["datasets"][dataset["DatasetName"]] = {
                "dataset": dataset, "count": records["DatasetSyncCount"],
                "records": sorted(records["Records"], key=lambda r: r["Key"])}
        out["identities"][iid] = entry
    return out


def exported(data_dir):
    """The target's export, comparable with another's (the pool line's creation time is the
    migration's, not the source's)."""
    path = os.path.join(os.path.dirname(data_dir), f"export-{os.getpid()}-{id(data_dir)}.jsonl")
    export(path, data_dir=data_dir)
    lines = read_lines(path)
    os.unlink(path)
    return [{k: v for k, v in line.items() if not (line["type"] == "pool" and k == "created_ms")}
            for line in comparable(lines)]


def target_dir(case):
    """A fresh data directory for a target, removed after the test."""
    root = tempfile.mkdtemp(prefix="cogsync-migrate-")
    case.addCleanup(shutil.rmtree, root, True)
    return os.path.join(root, "data")
