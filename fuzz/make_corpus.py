#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets (fuzz/corpus/<target>/) from the requests real SDKs
sent (tests/fixtures/sigv4/captured-requests.txt), in each target's input layout (fuzz_input.h:
length-prefixed fields). Run it again after changing a target's layout."""

import hashlib
import os
import pathlib

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


if __name__ == "__main__":
    main()
