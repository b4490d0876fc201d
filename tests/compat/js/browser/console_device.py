#!/usr/bin/env python3
"""A boto3 device for the console test (console_browser.mjs): it signs in as an unauthenticated
identity with the credentials GetCredentialsForIdentity mints, as an app does, and prints what
it did as one JSON line.

  console_device.py ENDPOINT create POOL                  GetId, then sync dataset "profile"
  console_device.py ENDPOINT list POOL IDENTITY DATASET   ListRecords
  console_device.py ENDPOINT put POOL IDENTITY DATASET KEY VALUE
                                                          ListRecords + UpdateRecords of one key
"""
import json
import sys

import boto3
from botocore.config import Config

REGION = "us-east-1"
CONFIG = Config(retries={"total_max_attempts": 1})


def identity_client(endpoint):
    # Public operations: no credentials of the machine are used (the test clears them).
    return boto3.client("cognito-identity", endpoint_url=endpoint, region_name=REGION,
                        config=CONFIG, aws_access_key_id="unused", aws_secret_access_key="unused")


def sync_client(endpoint, identity_id):
    creds = identity_client(endpoint).get_credentials_for_identity(IdentityId=identity_id)
    c = creds["Credentials"]
    return boto3.client("cognito-sync", endpoint_url=endpoint, region_name=REGION, config=CONFIG,
                        aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretKey"],
                        aws_session_token=c["SessionToken"])


def records(listed):
    return [{"Key": r["Key"], "Value": r.get("Value"), "SyncCount": r["SyncCount"],
             "LastModifiedBy": r.get("LastModifiedBy")} for r in listed.get("Records", [])]


def main():
    endpoint, command, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    if command == "create":
        (pool,) = args
        identity_id = identity_client(endpoint).get_id(IdentityPoolId=pool)["IdentityId"]
        sync = sync_client(endpoint, identity_id)
        names = {"IdentityPoolId": pool, "IdentityId": identity_id, "DatasetName": "profile"}
        token = sync.list_records(**names)["SyncSessionToken"]
        sync.update_records(**names, SyncSessionToken=token, DeviceId="boto3-device", RecordPatches=[
            {"Op": "replace", "Key": "name", "Value": "Ada", "SyncCount": 0},
            {"Op": "replace", "Key": "color", "Value": "blue", "SyncCount": 0}])
        print(json.dumps({"IdentityId": identity_id}))
    elif command == "list":
        pool, identity_id, dataset = args
        listed = sync_client(endpoint, identity_id).list_records(
            IdentityPoolId=pool, IdentityId=identity_id, DatasetName=dataset)
        print(json.dumps({"DatasetSyncCount": listed.get("DatasetSyncCount"),
                          "Records": records(listed)}))
    elif command == "put":
        pool, identity_id, dataset, key, value = args
        sync = sync_client(endpoint, identity_id)
        names = {"IdentityPoolId": pool, "IdentityId": identity_id, "DatasetName": dataset}
        listed = sync.list_records(**names)
        count = next((r["SyncCount"] for r in listed["Records"] if r["Key"] == key), 0)
        updated = sync.update_records(**names, SyncSessionToken=listed["SyncSessionToken"],
                                      RecordPatches=[{"Op": "replace", "Key": key, "Value": value,
                                                      "SyncCount": count}])
        print(json.dumps({"Records": records(updated)}))
    else:
        sys.exit(f"unknown command {command}")


if __name__ == "__main__":
    main()
