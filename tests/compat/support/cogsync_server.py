"""Starts a real cogsync server for a client test module and hands out clients for it.

One server per test module (setUpModule/tearDownModule) keeps the suites fast; tests stay
independent because each one creates its own identity pools. The server is hermetic: a free
loopback port, a temporary data directory, a fixed developer key passed through the
environment (D7), and no AWS configuration of the machine leaks into the clients.
"""

import http.client
import json
import os
import pathlib
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time

import boto3
import botocore
from botocore.config import Config

# The developer key every test server registers at start (D7).
ACCESS_KEY_ID = "AKIDCOMPATTEST000001"
SECRET_ACCESS_KEY = "compat/test/secret/key/0000000000000000000"
REGION = "us-east-1"
ACCOUNT_ID = "000000000000"

_REPO_ROOT = pathlib.Path(__file__).resolve().parents[3]
_STARTUP_TIMEOUT_S = 10.0
_STOP_TIMEOUT_S = 5.0


def _isolate_aws_environment():
    """Keeps the machine's AWS configuration and credentials out of every client."""
    empty = os.path.join(tempfile.gettempdir(), "cogsync-compat-no-aws-config")
    os.environ["AWS_CONFIG_FILE"] = empty
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = empty
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID",
                 "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        os.environ.pop(name, None)
    os.environ["AWS_DEFAULT_REGION"] = REGION


_isolate_aws_environment()


def server_binary():
    """The cogsync binary: $COGSYNC_BIN (set by CTest), else the default build directory."""
    path = os.environ.get("COGSYNC_BIN") or str(_REPO_ROOT / "build" / "cogsync")
    if not os.access(path, os.X_OK):
        raise RuntimeError(f"cogsync binary not found at {path!r}: build it or set COGSYNC_BIN")
    return path


def free_port():
    """A loopback port nobody listens on right now (bind port 0, read it, close)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# One session for every client: it caches the loaded service models.
_SESSION = boto3.session.Session()

# Clients must see each error once: botocore retries LimitExceededException and
# TooManyRequestsException as throttling, which would only slow the suites down.
NO_RETRY = Config(retries={"total_max_attempts": 1, "mode": "standard"},
                  connect_timeout=5, read_timeout=30)


def _sanitizer_report(log_path):
    """The ThreadSanitizer report in a server log (at most 20,000 characters), or None."""
    try:
        with open(log_path, "rb") as f:
            text = f.read().decode("utf-8", "replace")
    except OSError:
        return None
    start = text.find("WARNING: ThreadSanitizer:")
    return None if start < 0 else text[start:start + 20000]


class CogsyncServer:
    """A cogsync process on a free port with its own data directory.

    test_mode: enables /moto-api/reset and /moto-api/reset-auth.
    insecure_logins: --insecure-trust-login-tokens (D12), so tests can present any login.
    config: a dict written to a JSON file and passed with --config.
    developer_key: register the fixed key through the environment (D7); without it the server
    generates a key on its first start.
    binary: the cogsync executable (default: server_binary()), for scripts comparing two builds.
    env: extra environment variables for the server process.
    ca_file: the server speaks HTTPS (config has tls_cert_file and tls_key_file) with a
    certificate issued by this CA: the endpoint is https:// and every client verifies it.
    """

    def __init__(self, test_mode=True, insecure_logins=False, config=None, developer_key=True,
                 binary=None, env=None, ca_file=None):
        self.ca_file = ca_file
        self.test_mode = test_mode
        self.insecure_logins = insecure_logins
        self.config = config
        self.developer_key = developer_key
        self.binary = binary
        self.extra_env = dict(env or {})
        self.port = None
        self.process = None
        self.data_dir = None
        self._log_file = None
        self._clients = {}

    # ----- lifecycle -----

    def start(self):
        if self.data_dir is None:
            self.data_dir = tempfile.mkdtemp(prefix="cogsync-compat-")
        args = [self.binary or server_binary(), "serve", "--data-dir", os.path.join(self.data_dir, "data"),
                "--no-access-log"]
        if self.test_mode:
            args.append("--test-mode")
        if self.insecure_logins:
            args.append("--insecure-trust-login-tokens")
        if self.config is not None:
            config_path = os.path.join(self.data_dir, "config.json")
            with open(config_path, "w", encoding="utf-8") as f:
                json.dump(self.config, f)
            args += ["--config", config_path]
        env = dict(os.environ)
        if self.developer_key:
            env["COGSYNC_ACCESS_KEY_ID"] = ACCESS_KEY_ID
            env["COGSYNC_SECRET_ACCESS_KEY"] = SECRET_ACCESS_KEY
        else:
            env.pop("COGSYNC_ACCESS_KEY_ID", None)
            env.pop("COGSYNC_SECRET_ACCESS_KEY", None)
        env.update(self.extra_env)
        # Another process may take the port between our probe and the server's bind: retry.
        last_error = None
        for _ in range(3):
            self.port = free_port()
            self._log_file = open(os.path.join(self.data_dir, "server.log"), "ab")
            self.process = subprocess.Popen(
                args + ["--listen", f"127.0.0.1:{self.port}"], env=env,
                stdout=self._log_file, stderr=subprocess.STDOUT)
            try:
                self._wait_ready()
                return self
            except RuntimeError as e:
                last_error = e
                self._terminate()
        self.stop()
        raise last_error

    def _wait_ready(self):
        deadline = time.monotonic() + _STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"cogsync exited with {self.process.returncode}:\n{self.log()}")
            try:
                status, _, _ = self.http("GET", "/healthz", timeout=1)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"cogsync not ready within {_STARTUP_TIMEOUT_S} s:\n{self.log()}")

    def _terminate(self):
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=_STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def restart(self):
        """Stops the process gracefully and starts it again on the same data directory."""
        self._terminate()
        self._clients.clear()
        return self.start()

    def stop(self):
        """SIGTERM, then SIGKILL after 5 s; returns the exit code of a graceful stop.

        Raises when the server's log (every run of it, restarts included) holds a
        ThreadSanitizer report: the TSan build's servers end at their first race, and the
        report, shown here, would otherwise go with the data directory."""
        code = None
        if self.process is not None:
            process = self.process
            self._terminate()
            code = process.returncode
        race = None
        if self.data_dir is not None:
            race = _sanitizer_report(os.path.join(self.data_dir, "server.log"))
            shutil.rmtree(self.data_dir, ignore_errors=True)
            self.data_dir = None
        self._clients.clear()
        if race is not None:
            raise AssertionError(f"cogsync reported a data race:\n{race}")
        return code

    def log(self):
        try:
            with open(os.path.join(self.data_dir, "server.log"), "rb") as f:
                return f.read().decode("utf-8", "replace")[-4000:]
        except OSError:
            return "(no log)"

    # ----- access -----

    @property
    def endpoint(self):
        scheme = "https" if self.ca_file else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    def connection(self, timeout=10):
        """An http.client connection to the server (HTTPS verified against ca_file if set)."""
        if self.ca_file:
            context = ssl.create_default_context(cafile=self.ca_file)
            return http.client.HTTPSConnection("127.0.0.1", self.port, timeout=timeout,
                                               context=context)
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def http(self, method, path, body=None, headers=None, timeout=10):
        """One HTTP exchange: (status, headers as a lower-cased dict, body bytes)."""
        conn = self.connection(timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            data = response.read()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, data
        finally:
            conn.close()

    def reset(self):
        """POST /moto-api/reset: wipes every pool (test mode only)."""
        status, _, body = self.http("POST", "/moto-api/reset")
        if status != 200:
            raise RuntimeError(f"reset failed: {status} {body!r}")
        return json.loads(body)

    def client(self, service="cognito-identity", access_key=ACCESS_KEY_ID,
               secret_key=SECRET_ACCESS_KEY, session_token=None):
        """A boto3 client signed with the developer key (or the credentials given).

        Clients are cached per credentials: building one costs far more than a request."""
        key = (service, access_key, secret_key, session_token)
        if key not in self._clients:
            self._clients[key] = _SESSION.client(
                service, endpoint_url=self.endpoint, region_name=REGION,
                aws_access_key_id=access_key, aws_secret_access_key=secret_key,
                aws_session_token=session_token, config=NO_RETRY,
                verify=self.ca_file if self.ca_file else None)
        return self._clients[key]

    def unsigned_client(self, service="cognito-identity"):
        """A boto3 client without credentials: only the public operations work (D11)."""
        key = (service, "unsigned")
        if key not in self._clients:
            self._clients[key] = _SESSION.client(
                service, endpoint_url=self.endpoint, region_name=REGION,
                config=NO_RETRY.merge(Config(signature_version=botocore.UNSIGNED)),
                verify=self.ca_file if self.ca_file else None)
        return self._clients[key]

    def identity_client(self, credentials):
        """A boto3 client signed with GetCredentialsForIdentity's Credentials (D8)."""
        return self.client(access_key=credentials["AccessKeyId"],
                           secret_key=credentials["SecretKey"],
                           session_token=credentials["SessionToken"])


def pool_arn(pool_id):
    return f"arn:aws:cognito-identity:{REGION}:{ACCOUNT_ID}:identitypool/{pool_id}"
