#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets (fuzz/corpus/<target>/) from the requests real SDKs
sent (tests/fixtures/sigv4/captured-requests.txt), in each target's input layout (fuzz_input.h:
length-prefixed fields). Run it again after changing a target's layout."""

import hashlib
import os
import pathlib
import urllib.parse

ROOT = pathlib.Path(__file__).resolve().parent
CAPTURED = ROOT.parent / "tests" / "fixtures" / "sigv4" / "captured-requests.txt"


def field(b: bytes) -> bytes:
    b = b[:255]
    return bytes([len(b)]) + b


def requests():
    text = CAPTURED.read_text()
    for block in text.split("===== ")[1:]:
        head, _, body = block.partition("\n\n")
        lines = head.splitlines()[1:]
        method, target, _ = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(": ")
            headers[k.lower()] = v
        yield method, target, headers, body.rstrip("\n").encode()


def write(target, data: bytes):
    d = ROOT / "corpus" / target
    d.mkdir(parents=True, exist_ok=True)
    (d / hashlib.sha1(data).hexdigest()[:16]).write_bytes(data)


def main():
    for method, target, headers, body in requests():
        path, _, query = target.partition("?")
        write("sigv4_fuzz", field(headers.get("authorization", "").encode()) + field(path.encode()) +
              field(query.encode()) + field(headers.get("x-amz-date", "").encode()) +
              field(headers.get("x-amz-security-token", "").encode()) + body)
        write("router_fuzz", bytes([["GET", "POST", "DELETE", "PUT"].index(method) if method in
                                    ("GET", "POST", "DELETE", "PUT") else 0]) +
              field(headers.get("x-amz-client-context", "").encode()) + target.encode())
        if body.startswith(b"{"):
            for pick in range(0, 80):
                write("input_fuzz", bytes([pick]) + body)
        if "x-amz-security-token" in headers:
            write("tokens_fuzz", field(b"ASIASTUBSTUBSTUBSTUB") + headers["x-amz-security-token"].encode())
    write("tokens_fuzz", field(b"") + b"eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ4In0.c2ln")
    write("tokens_fuzz", field(b"") + b"cGF5bG9hZA.bWFj")
    for body in sts_bodies():
        write("query_fuzz", body)


def sts_bodies():
    """The form bodies botocore's Query serializer writes for the STS calls cogsync answers."""
    import botocore.serialize
    import botocore.session
    model = botocore.session.get_session().get_service_model("sts")
    serializer = botocore.serialize.create_serializer("query")
    calls = [
        ("AssumeRoleWithWebIdentity", {
            "RoleArn": "arn:aws:iam::000000000000:role/Cognito_Unauth",
            "RoleSessionName": "web-identity", "DurationSeconds": 3600,
            "WebIdentityToken": "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ4In0.c2ln"}),
        ("AssumeRoleWithWebIdentity", {
            "RoleArn": "arn:aws:iam::000000000000:role/path/Auth", "RoleSessionName": "a+b=c,d.e@f-g",
            "WebIdentityToken": "x" * 8, "Policy": "{\"Version\": \"2012-10-17\"}",
            "PolicyArns": [{"arn": "arn:aws:iam::aws:policy/ReadOnly"}]}),
        ("GetCallerIdentity", {}),
    ]
    for name, params in calls:
        body = serializer.serialize_to_request(params, model.operation_model(name))["body"]
        # botocore form-encodes the parameter dict when it sends the request.
        yield urllib.parse.urlencode(body).encode()


if __name__ == "__main__":
    main()
