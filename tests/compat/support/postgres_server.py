"""A throwaway PostgreSQL server for the client suites, the same approach as the C++ fixture.

initdb in a fresh temporary directory, `postgres` on a free loopback port with its unix socket
inside that directory, one fresh database per create_database() call. PostgreSQL refuses to run
as root: as root the server runs as the `postgres` system user (runuser) and the directory is
handed to that user.

Cleanup does not depend on this process ending well: a watchdog (its own session, so a test
runner killing the test's process group spares it) holds the read end of a pipe whose write end
only this process has. When the pipe closes, because stop() ran or because the interpreter died
however it died, the watchdog stops the server and removes the directory.

Binaries: $COGSYNC_POSTGRES_BIN, else `pg_config --bindir`, else initdb/pg_ctl on PATH. Without
them start() raises PostgresUnavailable with a message saying so.
"""

import itertools
import os
import pwd
import shlex
import shutil
import socket
import subprocess
import tempfile

_SUPERUSER = "cogsync"
_counter = itertools.count(1)


class PostgresUnavailable(RuntimeError):
    """The PostgreSQL server binaries are missing or the server cannot start."""


def _find_binaries():
    configured = os.environ.get("COGSYNC_POSTGRES_BIN")
    if configured:
        return configured
    try:
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True,
                             check=False).stdout.strip()
        if out and os.path.exists(os.path.join(out, "initdb")):
            return out
    except OSError:
        pass
    initdb = shutil.which("initdb")
    return os.path.dirname(os.path.realpath(initdb)) if initdb else None


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """One server; start() once per test module, stop() in tearDownModule."""

    def __init__(self):
        self.bin_dir = None
        self.dir = None
        self.port = None
        self._as_user = []
        self._watchdog = None
        self._watchdog_pipe = None

    # ----- lifecycle -----

    def start(self):
        self.bin_dir = _find_binaries()
        if not self.bin_dir or not os.path.exists(os.path.join(self.bin_dir, "initdb")):
            raise PostgresUnavailable(
                "PostgreSQL server binaries not found (install postgresql, or set "
                "COGSYNC_POSTGRES_BIN to the directory holding initdb and pg_ctl)")
        self.dir = tempfile.mkdtemp(prefix="cogsync-pg-")
        try:
            self._start_watchdog()
            if os.geteuid() == 0:
                try:
                    user = pwd.getpwnam("postgres")
                except KeyError as e:
                    raise PostgresUnavailable(
                        "running as root and there is no `postgres` user to run PostgreSQL "
                        "as") from e
                os.chown(self.dir, user.pw_uid, user.pw_gid)
                self._as_user = ["runuser", "-u", "postgres", "--"]
            # No locale: text compares bytewise, and the encoding is UTF-8 as in production.
            self._run([self._bin("initdb"), "-D", self._data, "-U", _SUPERUSER, "-A", "trust",
                       "-E", "UTF8", "--no-locale", "--no-sync"])
            # Another process may take the probed port before the server binds it: retry.
            last_error = None
            for _ in range(5):
                self.port = _free_port()
                try:
                    self._launch()
                    return self
                except PostgresUnavailable as e:
                    last_error = e
            raise last_error
        except BaseException:
            self.stop()
            raise

    def stop(self):
        """Stops the server and removes its directory (through the watchdog); idempotent."""
        if self._watchdog_pipe is not None:
            os.close(self._watchdog_pipe)
            self._watchdog_pipe = None
        if self._watchdog is not None:
            self._watchdog.wait()
            self._watchdog = None
        elif self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
        self.dir = None

    # ----- access -----

    def url(self, database):
        return f"postgresql://{_SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def create_database(self):
        """An empty database with a name unique in this server; returns its URL."""
        name = f"t{os.getpid()}_{next(_counter)}"
        self.admin(f"CREATE DATABASE {name}")
        return self.url(name)

    def admin(self, sql):
        """Runs one statement as the superuser on the maintenance database (through psql)."""
        result = subprocess.run(
            [self._bin("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
             "-p", str(self.port), "-U", _SUPERUSER, "-d", "postgres", "-c", sql],
            capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"{sql}: {result.stderr.strip()}")
        return result.stdout

    def log(self):
        try:
            with open(os.path.join(self.dir, "postgres.log"), "rb") as f:
                return f.read().decode("utf-8", "replace")[-4000:]
        except (OSError, TypeError):
            return "(no log)"

    # ----- internals -----

    @property
    def _data(self):
        return os.path.join(self.dir, "data")

    def _bin(self, name):
        path = os.path.join(self.bin_dir, name)
        return path if os.path.exists(path) else name

    def _run(self, argv):
        log_path = os.path.join(self.dir, "server.log")
        with open(log_path, "ab") as log:
            code = subprocess.run(self._as_user + argv, stdout=log, stderr=subprocess.STDOUT,
                                  check=False).returncode
        if code != 0:
            with open(log_path, "rb") as f:
                text = f.read().decode("utf-8", "replace")[-4000:]
            raise PostgresUnavailable(f"`{shlex.join(argv)}` exited with {code}; log:\n{text}")

    def _launch(self):
        # fsync off: these databases are thrown away, and durability is the server's business.
        options = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c max_connections=200")
        self._run([self._bin("pg_ctl"), "-D", self._data, "-l",
                   os.path.join(self.dir, "postgres.log"), "-w", "-t", "30", "-o", options,
                   "start"])

    def _start_watchdog(self):
        """Started before the server exists, so there is never a server without one."""
        as_user = "runuser -u postgres -- " if os.geteuid() == 0 else ""
        script = (f"cat >/dev/null; {as_user}{shlex.quote(self._bin('pg_ctl'))} "
                  f"-D {shlex.quote(self._data)} -m immediate -w stop >/dev/null 2>&1; "
                  f"rm -rf {shlex.quote(self.dir)}")
        read_end, write_end = os.pipe()
        os.set_inheritable(write_end, False)
        try:
            self._watchdog = subprocess.Popen(
                ["/bin/sh", "-c", script], stdin=read_end, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL, start_new_session=True)
        finally:
            os.close(read_end)
        self._watchdog_pipe = write_end
