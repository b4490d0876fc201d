#pragma once
// A throwaway PostgreSQL server for tests: initdb in a fresh temporary directory, `postgres` on a
// free loopback port (its unix socket inside the directory too), one fresh database per test.
//
// One server is shared by the whole test binary run (Shared(), started on first use and stopped
// by a GoogleTest global Environment at the end), so tests that never touch PostgreSQL cost
// nothing. PostgreSQL refuses to run as root: as root the server runs as the `postgres` system
// user (runuser), and the directory is handed to that user.
//
// Cleanup does not depend on this process ending well: a watchdog process (its own session, so
// a test runner killing the test's process group spares it) holds a pipe to this process, and
// when the pipe closes, because the fixture is done or because the test binary crashed or was
// killed, it stops the server and removes the directory.
//
// Binaries: $COGSYNC_POSTGRES_BIN, else `pg_config --bindir`, else initdb/pg_ctl on PATH.
// Without them every PostgreSQL test fails with a message saying so; set
// COGSYNC_SKIP_POSTGRES_TESTS=1 to skip them instead.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

namespace cogsync::testing {

class PostgresServer {
 public:
  // Starts a new server; on failure returns null and says why in *error.
  static std::unique_ptr<PostgresServer> Start(std::string* error) {
    std::unique_ptr<PostgresServer> server(new PostgresServer());
    if (!server->Init(error)) return nullptr;
    for (int attempt = 0; attempt < 5; ++attempt) {
      server->port_ = FreePort();
      if (server->port_ > 0 && server->Launch(error)) return server;
    }
    return nullptr;
  }

  // The server shared by this test binary run, started on first use. Null (and *error set) if
  // it cannot start; later calls then fail at once with the same message.
  static PostgresServer* Shared(std::string* error) {
    static std::mutex mu;
    static std::string start_error;
    std::lock_guard lock(mu);
    if (!SharedSlot() && start_error.empty()) {
      SharedSlot() = Start(&start_error);
      if (!SharedSlot() && start_error.empty()) start_error = "cannot start PostgreSQL";
    }
    if (!SharedSlot()) *error = start_error;
    return SharedSlot().get();
  }
  // Stops the shared server (the global Environment calls this at the end of the run).
  static void StopShared() { SharedSlot().reset(); }

  // True when COGSYNC_SKIP_POSTGRES_TESTS asks to skip instead of failing.
  static bool SkipRequested() {
    const char* skip = std::getenv("COGSYNC_SKIP_POSTGRES_TESTS");
    return skip != nullptr && std::string(skip) == "1";
  }

  ~PostgresServer() {
    // Closing the pipe tells the watchdog to stop the server and remove the directory; wait for
    // it so the next test starts on a clean machine.
    if (watchdog_fd_ >= 0) ::close(watchdog_fd_);
    if (watchdog_pid_ > 0) {
      int status = 0;
      ::waitpid(watchdog_pid_, &status, 0);
    }
  }

  int port() const { return port_; }
  std::string Url(const std::string& database) const {
    return "postgresql://" + std::string(kSuperuser) + "@127.0.0.1:" + std::to_string(port_) + "/" +
           database;
  }

  // Creates an empty database with a name unique in this server and returns its URL.
  std::string CreateDatabase(std::string* error) {
    static std::atomic<int> counter{0};
    std::string name = "t" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
    if (!Admin("CREATE DATABASE " + name, error)) return "";
    return Url(name);
  }

  // Runs one statement as the superuser on the maintenance database.
  bool Admin(const std::string& sql, std::string* error) const {
    PGconn* conn = PQconnectdb(Url("postgres").c_str());
    bool ok = PQstatus(conn) == CONNECTION_OK;
    if (ok) {
      PGresult* result = PQexec(conn, sql.c_str());
      ok = PQresultStatus(result) == PGRES_COMMAND_OK || PQresultStatus(result) == PGRES_TUPLES_OK;
      if (!ok) *error = sql + ": " + PQresultErrorMessage(result);
      PQclear(result);
    } else {
      *error = std::string("cannot connect to the test server: ") + PQerrorMessage(conn);
    }
    PQfinish(conn);
    return ok;
  }

  // Stops the server (fast shutdown) and starts it again on the same port: for outage tests.
  bool Stop(std::string* error) {
    return Run({bin_ + "/pg_ctl", "-D", data_, "-w", "-m", "fast", "stop"}, error);
  }
  bool Restart(std::string* error) { return Launch(error); }

 private:
  static constexpr const char* kSuperuser = "cogsync";

  PostgresServer() = default;

  static std::unique_ptr<PostgresServer>& SharedSlot() {
    static std::unique_ptr<PostgresServer> server;
    return server;
  }

  static std::string ReadCommand(const std::string& command) {
    std::string out;
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) return out;
    char buffer[512];
    while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) out += buffer;
    ::pclose(pipe);
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
    return out;
  }

  static std::string FindBinaries() {
    if (const char* dir = std::getenv("COGSYNC_POSTGRES_BIN"); dir != nullptr && *dir != '\0') {
      return dir;
    }
    std::string dir = ReadCommand("pg_config --bindir 2>/dev/null");
    if (!dir.empty() && std::filesystem::exists(dir + "/initdb")) return dir;
    std::string initdb = ReadCommand("command -v initdb 2>/dev/null");
    if (!initdb.empty()) return std::filesystem::path(initdb).parent_path().string();
    return "";
  }

  // Binds port 0 on loopback and returns what the kernel picked. A race with another process
  // taking it before the server does is handled by the caller retrying.
  static int FreePort() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof address;
    int port = -1;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
      port = ntohs(address.sin_port);
    }
    ::close(fd);
    return port;
  }

  // Runs argv (as the server's user when we are root) with output to the log; true on exit 0.
  bool Run(std::vector<std::string> argv, std::string* error) const {
    if (::geteuid() == 0) argv.insert(argv.begin(), {"runuser", "-u", user_, "--"});
    std::string command;
    for (const std::string& arg : argv) command += "'" + arg + "' ";
    command += ">>'" + log_ + "' 2>&1";
    int status = std::system(command.c_str());
    if (status != 0) {
      std::ifstream log(log_);
      std::stringstream text;
      text << log.rdbuf();
      *error = "`" + command + "` failed; log:\n" + text.str();
      return false;
    }
    return true;
  }

  bool Init(std::string* error) {
    bin_ = FindBinaries();
    if (bin_.empty()) {
      *error =
          "PostgreSQL server binaries not found (install postgresql, or set "
          "COGSYNC_POSTGRES_BIN; COGSYNC_SKIP_POSTGRES_TESTS=1 skips these tests)";
      return false;
    }
    std::string pattern = (std::filesystem::temp_directory_path() / "cogsync-pg-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      *error = "mkdtemp failed";
      return false;
    }
    dir_ = pattern;
    data_ = dir_ + "/data";
    log_ = dir_ + "/server.log";
    if (!StartWatchdog(error)) return false;
    if (::geteuid() == 0) {
      const passwd* user = ::getpwnam("postgres");
      if (user == nullptr) {
        *error = "running as root and there is no `postgres` user to run PostgreSQL as";
        return false;
      }
      user_ = "postgres";
      if (::chown(dir_.c_str(), user->pw_uid, user->pw_gid) != 0) {
        *error = "cannot hand " + dir_ + " to the postgres user";
        return false;
      }
    }
    // No locale: text compares bytewise, and the encoding is UTF-8 as in production.
    return Run({bin_ + "/initdb", "-D", data_, "-U", kSuperuser, "-A", "trust", "-E", "UTF8",
                "--no-locale", "--no-sync"},
               error);
  }

  bool Launch(std::string* error) {
    // fsync off: these databases are thrown away, and durability is the server's business.
    std::string options = "-p " + std::to_string(port_) + " -k " + dir_ +
                          " -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200";
    return Run({bin_ + "/pg_ctl", "-D", data_, "-l", dir_ + "/postgres.log", "-w", "-t", "30", "-o",
                options, "start"},
               error);
  }

  // Forks the watchdog before the server exists, so there is never a server without one.
  bool StartWatchdog(std::string* error) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
      *error = "pipe2 failed";
      return false;
    }
    std::string as_user = ::geteuid() == 0 ? "runuser -u postgres -- " : "";
    std::string script = "cat >/dev/null; " + as_user + "'" + bin_ + "/pg_ctl' -D '" + data_ +
                         "' -m immediate -w stop >/dev/null 2>&1; rm -rf '" + dir_ + "'";
    pid_t pid = ::fork();
    if (pid < 0) {
      *error = "fork failed";
      return false;
    }
    if (pid == 0) {
      ::setsid();
      ::dup2(fds[0], STDIN_FILENO);  // dup2 clears close-on-exec on the copy
      ::execl("/bin/sh", "sh", "-c", script.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(fds[0]);
    watchdog_fd_ = fds[1];
    watchdog_pid_ = pid;
    return true;
  }

  std::string bin_;
  std::string user_;
  std::string dir_;
  std::string data_;
  std::string log_;
  int port_ = -1;
  int watchdog_fd_ = -1;
  pid_t watchdog_pid_ = -1;
};

// Stops the shared server after the last test. Registered once per binary by the first test
// file that includes this header (inline variable).
class PostgresEnvironment : public ::testing::Environment {
 public:
  void TearDown() override { PostgresServer::StopShared(); }
};
inline ::testing::Environment* const kPostgresEnvironment =
    ::testing::AddGlobalTestEnvironment(new PostgresEnvironment());

}  // namespace cogsync::testing
