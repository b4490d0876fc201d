"""Helpers of the archive suites: run `cogsync export/import/backup/restore`, read archives, and
write archives from Python (a second, independent writer of the format of docs/archive.md).
"""

import gzip
import hashlib
import json
import os
import subprocess
import uuid

from support.cogsync_server import server_binary

REGION = "us-east-1"


def run_cogsync(*args, input_bytes=None, check=True, timeout=600):
    """Runs `cogsync ARGS`; returns the CompletedProcess (stdout/stderr as bytes)."""
    proc = subprocess.run([server_binary(), *args], input=input_bytes, capture_output=True,
                          timeout=timeout, check=False)
    if check and proc.returncode != 0:
        raise AssertionError(f"cogsync {' '.join(args)} exited {proc.returncode}:\n"
                             f"{proc.stderr.decode('utf-8', 'replace')}")
    return proc


def store_args(data_dir=None, store=None):
    return ["--store", store] if store else ["--data-dir", data_dir]


def export(path, data_dir=None, store=None, extra=()):
    run_cogsync("export", *store_args(data_dir, store), "--output", path, "--quiet", *extra)
    return read_lines(path)


def import_archive(path, data_dir=None, store=None, extra=(), check=True):
    return run_cogsync("import", *store_args(data_dir, store), "--input", path, *extra,
                       check=check)


def read_lines(path):
    """The archive's lines as parsed objects (gzip or plain)."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    return [json.loads(line) for line in raw.decode("utf-8").splitlines()]


def comparable(lines):
    """The lines without what differs between two exports of the same state: the header's
    creation time and archive id, and the trailer's checksum (which covers the header)."""
    out = []
    for line in lines:
        line = dict(line)
        if line["type"] == "header":
            line.pop("created_ms")
            line.pop("archive_id")
        if line["type"] == "trailer":
            line.pop("sha256")
        out.append(line)
    return out


class ArchiveBuilder:
    """Writes an archive line by line, exactly as docs/archive.md specifies (header, lines,
    trailer with counts and the SHA-256 of every byte before it)."""

    COUNT_KEYS = ("access_keys", "secrets", "pools", "identities", "logins", "datasets",
                  "records", "devices", "subscriptions")

    def __init__(self, pool_count, version=1):
        self.lines = []
        self.counts = dict.fromkeys(self.COUNT_KEYS, 0)
        self.add({"type": "header", "format": "cogsync-archive", "version": version,
                  "cogsync_version": "test", "region": REGION, "account_id": "000000000000",
                  "archive_id": str(uuid.uuid4()), "created_ms": 1700000000000,
                  "secrets": False, "scope": {"pools": [], "identities": []},
                  "counts": {"pools": pool_count}})

    def add(self, obj):
        kind = {"pool": "pools", "identity": "identities", "login": "logins",
                "dataset": "datasets", "record": "records", "device": "devices",
                "subscription": "subscriptions", "access_key": "access_keys",
                "secret": "secrets"}.get(obj["type"])
        if kind:
            self.counts[kind] += 1
        self.lines.append(json.dumps(obj, separators=(",", ":")).encode("utf-8") + b"\n")

    def pool(self, pool_id, name="archived"):
        self.add({"type": "pool", "id": pool_id, "name": name, "developer_provider_name": "",
                  "description": {"IdentityPoolId": pool_id, "IdentityPoolName": name,
                                  "AllowUnauthenticatedIdentities": True,
                                  "AllowClassicFlow": False},
                  "tags": {}, "roles": {}, "role_mappings": {}, "principal_tag_maps": {},
                  "sync_config": {}, "events": {}, "bulk_publish": {}, "sync_sessions": 0,
                  "created_ms": 1700000000000})

    def identity(self, pool_id, identity_id):
        self.add({"type": "identity", "id": identity_id, "pool_id": pool_id,
                  "created_ms": 1700000000000, "modified_ms": 1700000000000,
                  "disabled": False, "merged_into": ""})

    def dataset(self, pool_id, identity_id, name, records):
        """A live dataset holding records {key: value} at SyncCounts 1..n."""
        size = sum(len(k.encode()) + len(v.encode()) for k, v in records.items())
        self.add({"type": "dataset", "identity_id": identity_id, "name": name,
                  "pool_id": pool_id, "sync_count": max(len(records), 1),
                  "created_ms": 1700000000000, "modified_ms": 1700000000000,
                  "modified_by": "developer", "data_storage": size,
                  "num_records": len(records), "deleted": False, "last_deleted_at": 0,
                  "merged_into_name": ""})
        for i, key in enumerate(sorted(records)):
            self.record(identity_id, name, key, records[key], i + 1)

    def record(self, identity_id, dataset, key, value, sync_count):
        self.add({"type": "record", "identity_id": identity_id, "dataset": dataset, "key": key,
                  "value": value, "sync_count": sync_count, "modified_ms": 1700000000000,
                  "modified_by": "developer", "device_modified_ms": None})

    def bytes(self, trailer=True, counts=None, sha256=None):
        body = b"".join(self.lines)
        if not trailer:
            return body
        trailer_obj = {"type": "trailer", "counts": counts or self.counts,
                       "lines": len(self.lines),
                       "sha256": sha256 or hashlib.sha256(body).hexdigest()}
        return body + json.dumps(trailer_obj).encode() + b"\n"

    def write(self, path, **kwargs):
        with open(path, "wb") as f:
            f.write(self.bytes(**kwargs))
        return path


def identity_id(n):
    return f"{REGION}:{uuid.UUID(int=n)}"


def pool_id(n):
    return f"{REGION}:{uuid.UUID(int=(1 << 120) + n)}"


def file_mode(path):
    return os.stat(path).st_mode & 0o777
