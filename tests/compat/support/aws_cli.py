"""Runs the AWS CLI (v1) against a test server, isolated from the machine's AWS setup: its own
HOME with empty config and credential files, the server's developer key in the environment
(or no credentials at all with signed=False)."""

import json
import os
import shutil
import subprocess
import tempfile

from support.cogsync_server import ACCESS_KEY_ID, REGION, SECRET_ACCESS_KEY


class AwsCli:
    def __init__(self, server):
        self.server = server
        self.home = tempfile.mkdtemp(prefix="cogsync-cli-")

    def close(self):
        shutil.rmtree(self.home, ignore_errors=True)

    def env(self, signed=True, credentials=None):
        """credentials: STS-shaped Credentials to sign with instead of the developer key."""
        env = {"PATH": os.environ.get("PATH", ""), "HOME": self.home, "LANG": "C.UTF-8",
               "AWS_DEFAULT_REGION": REGION,
               "AWS_CONFIG_FILE": os.path.join(self.home, "config"),
               "AWS_SHARED_CREDENTIALS_FILE": os.path.join(self.home, "credentials"),
               "AWS_EC2_METADATA_DISABLED": "true", "AWS_PAGER": "",
               # One attempt: the CLI would retry LimitExceededException as throttling.
               "AWS_MAX_ATTEMPTS": "1"}
        for name in ("PYENV_ROOT", "PYENV_VERSION", "PYTHONPATH", "VIRTUAL_ENV"):
            if name in os.environ:
                env[name] = os.environ[name]
        if credentials is not None:
            env["AWS_ACCESS_KEY_ID"] = credentials["AccessKeyId"]
            env["AWS_SECRET_ACCESS_KEY"] = credentials["SecretAccessKey"]
            env["AWS_SESSION_TOKEN"] = credentials["SessionToken"]
        elif signed:
            env["AWS_ACCESS_KEY_ID"] = ACCESS_KEY_ID
            env["AWS_SECRET_ACCESS_KEY"] = SECRET_ACCESS_KEY
        return env

    def run(self, service, *args, signed=True, credentials=None, timeout=90):
        """`aws <service> <args>`: (exit code, parsed JSON output or None, stderr)."""
        command = ["aws", service, *args, "--endpoint-url", self.server.endpoint,
                   "--output", "json"]
        if not signed:
            command.append("--no-sign-request")
        done = subprocess.run(command, env=self.env(signed, credentials), capture_output=True,
                              text=True,
                              timeout=timeout)
        out = json.loads(done.stdout) if done.stdout.strip() else None
        return done.returncode, out, done.stderr
