"""Native HTTPS (issue 13): boto3 and the AWS CLI against `--tls-cert/--tls-key` with a CA the
test makes, the protocol versions offered, a certificate reload (SIGHUP) under load with no
failed request, a plain HTTP request on the HTTPS port refused cleanly, and the plain-HTTP
listener that exists only where configured."""

import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import unittest

from support.cogsync_server import ACCESS_KEY_ID, REGION, SECRET_ACCESS_KEY, CogsyncServer
from support.raw_requests import call_identity
from support.test_ca import TestCa

DIR = tempfile.mkdtemp(prefix="cogsync-tls-")
CA = TestCa(DIR)
CERT = os.path.join(DIR, "server.pem")
KEY = os.path.join(DIR, "server.key")
FIRST_SERIAL = CA.issue(CERT, KEY)
SERVER = CogsyncServer(ca_file=CA.ca_file, config={"tls_cert_file": CERT, "tls_key_file": KEY})


def setUpModule():
    SERVER.start()


def tearDownModule():
    SERVER.stop()
    shutil.rmtree(DIR, ignore_errors=True)


def peer_serial(**context_args):
    """The serial number of the certificate the server presents to a new connection."""
    context = ssl.create_default_context(cafile=CA.ca_file)
    for name, value in context_args.items():
        setattr(context, name, value)
    with socket.create_connection(("127.0.0.1", SERVER.port), timeout=5) as raw:
        with context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
            der = tls.getpeercert(binary_form=True)
    from cryptography import x509
    return x509.load_der_x509_certificate(der).serial_number


class HttpsClientsTest(unittest.TestCase):
    def test_boto3_over_https(self):
        identity = SERVER.client()
        pool = identity.create_identity_pool(IdentityPoolName="tls",
                                             AllowUnauthenticatedIdentities=True)
        self.addCleanup(identity.delete_identity_pool, IdentityPoolId=pool["IdentityPoolId"])
        identity.set_identity_pool_roles(IdentityPoolId=pool["IdentityPoolId"], Roles={
            "unauthenticated": "arn:aws:iam::000000000000:role/TlsUnauth"})
        identity_id = SERVER.unsigned_client().get_id(
            IdentityPoolId=pool["IdentityPoolId"])["IdentityId"]
        credentials = SERVER.unsigned_client().get_credentials_for_identity(
            IdentityId=identity_id)["Credentials"]
        sync = SERVER.client("cognito-sync", access_key=credentials["AccessKeyId"],
                             secret_key=credentials["SecretKey"],
                             session_token=credentials["SessionToken"])
        records = sync.list_records(IdentityPoolId=pool["IdentityPoolId"], IdentityId=identity_id,
                                    DatasetName="settings")
        updated = sync.update_records(
            IdentityPoolId=pool["IdentityPoolId"], IdentityId=identity_id, DatasetName="settings",
            SyncSessionToken=records["SyncSessionToken"],
            RecordPatches=[{"Op": "replace", "Key": "theme", "Value": "dark", "SyncCount": 0}])
        self.assertEqual(updated["Records"][0]["Value"], "dark")

    def test_aws_cli_with_aws_ca_bundle(self):
        env = dict(os.environ, AWS_ACCESS_KEY_ID=ACCESS_KEY_ID,
                   AWS_SECRET_ACCESS_KEY=SECRET_ACCESS_KEY, AWS_DEFAULT_REGION=REGION,
                   AWS_CA_BUNDLE=CA.ca_file)
        done = subprocess.run(["aws", "cognito-identity", "create-identity-pool",
                               "--identity-pool-name", "cli_tls",
                               "--allow-unauthenticated-identities",
                               "--endpoint-url", SERVER.endpoint, "--output", "json"],
                              env=env, capture_output=True, text=True, timeout=120)
        self.assertEqual(done.returncode, 0, done.stderr)
        pool = json.loads(done.stdout)
        self.addCleanup(SERVER.client().delete_identity_pool, IdentityPoolId=pool["IdentityPoolId"])
        self.assertTrue(pool["IdentityPoolId"].startswith(REGION + ":"))
        # Without the CA the CLI refuses the certificate.
        env.pop("AWS_CA_BUNDLE")
        done = subprocess.run(["aws", "cognito-identity", "list-identity-pools", "--max-results",
                               "10", "--endpoint-url", SERVER.endpoint],
                              env=env, capture_output=True, text=True, timeout=120)
        self.assertNotEqual(done.returncode, 0)
        self.assertIn("SSL", done.stderr)


class ProtocolTest(unittest.TestCase):
    def test_tls_1_2_and_1_3_only(self):
        self.assertTrue(peer_serial(maximum_version=ssl.TLSVersion.TLSv1_2))
        self.assertTrue(peer_serial(minimum_version=ssl.TLSVersion.TLSv1_3))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.load_verify_locations(CA.ca_file)
        try:
            context.minimum_version = ssl.TLSVersion.TLSv1
            context.maximum_version = ssl.TLSVersion.TLSv1_1
            context.set_ciphers("ALL:@SECLEVEL=0")
        except (ValueError, ssl.SSLError) as e:
            self.skipTest(f"this Python cannot offer TLS 1.1 at all: {e}")
        with socket.create_connection(("127.0.0.1", SERVER.port), timeout=5) as raw:
            with self.assertRaises(ssl.SSLError):
                context.wrap_socket(raw, server_hostname="127.0.0.1")
        self.assertEqual(SERVER.http("GET", "/healthz")[0], 200)

    def test_plain_http_on_the_https_port_is_refused_cleanly(self):
        with socket.create_connection(("127.0.0.1", SERVER.port), timeout=5) as s:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            raw = b""
            while True:
                data = s.recv(65536)
                if not data:
                    break
                raw += data
        head, _, body = raw.partition(b"\r\n\r\n")
        self.assertTrue(head.startswith(b"HTTP/1.1 400 "), raw)
        self.assertIn(b"Connection: close", head)
        self.assertEqual(json.loads(body)["__type"], "BadRequestException")
        self.assertIn("HTTPS", json.loads(body)["message"])
        self.assertEqual(SERVER.http("GET", "/healthz")[0], 200)

    def test_a_plain_listener_where_configured(self):
        plain_port = _free_port()
        server = CogsyncServer(ca_file=CA.ca_file, config={
            "tls_cert_file": CERT, "tls_key_file": KEY,
            "plain_listen": f"127.0.0.1:{plain_port}"}).start()
        try:
            with socket.create_connection(("127.0.0.1", plain_port), timeout=5) as s:
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                self.assertTrue(s.recv(4096).startswith(b"HTTP/1.1 200"))
            self.assertEqual(server.http("GET", "/healthz")[0], 200)
        finally:
            server.stop()


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ReloadTest(unittest.TestCase):
    def test_reload_under_load_fails_no_request(self):
        stop = threading.Event()
        failures = []
        served = [0]

        def load(keep_alive):
            conn = SERVER.connection() if keep_alive else None
            while not stop.is_set():
                try:
                    c = conn if keep_alive else SERVER.connection()
                    c.request("GET", "/healthz")
                    response = c.getresponse()
                    response.read()
                    if response.status != 200:
                        failures.append(response.status)
                    served[0] += 1
                    if not keep_alive:
                        c.close()
                except Exception as e:  # noqa: BLE001 - every failure is counted
                    failures.append(repr(e))
            if conn is not None:
                conn.close()

        def identity_load():
            while not stop.is_set():
                try:
                    response = call_identity(SERVER, "ListIdentityPools", {"MaxResults": 5})
                    if response.status != 200:
                        failures.append(response.status)
                    served[0] += 1
                except Exception as e:  # noqa: BLE001
                    failures.append(repr(e))

        threads = [threading.Thread(target=load, args=(True,)),
                   threading.Thread(target=load, args=(False,)),
                   threading.Thread(target=load, args=(False,)),
                   threading.Thread(target=identity_load)]
        for t in threads:
            t.start()
        serials = [FIRST_SERIAL]
        try:
            for _ in range(5):
                time.sleep(0.4)
                serials.append(CA.issue(CERT, KEY))
                SERVER.process.send_signal(signal.SIGHUP)
                deadline = time.monotonic() + 5
                while peer_serial() != serials[-1] and time.monotonic() < deadline:
                    time.sleep(0.05)
                self.assertEqual(peer_serial(), serials[-1])
            time.sleep(0.4)
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=30)
        self.assertEqual(failures, [])
        self.assertGreater(served[0], 50)

    def test_a_broken_certificate_keeps_the_previous_one(self):
        before = peer_serial()
        with open(CERT, "rb") as f:
            good = f.read()
        with open(CERT, "wb") as f:
            f.write(b"-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n")
        try:
            SERVER.process.send_signal(signal.SIGHUP)
            time.sleep(0.5)
            self.assertIsNone(SERVER.process.poll())
            self.assertEqual(peer_serial(), before)
            self.assertIn("still serving the previous certificate", SERVER.log())
        finally:
            with open(CERT, "wb") as f:
                f.write(good)


if __name__ == "__main__":
    unittest.main()
