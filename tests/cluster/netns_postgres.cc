#include "tests/cluster/netns_postgres.h"

#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <pqxx/pqxx>
#include <stdexcept>
#include <thread>

#include "tests/cluster/netns.h"

namespace sipedge::test::cluster {
namespace {

constexpr const char* kUser = "sipedge-pg";

std::string pg_bin() {
  if (const char* bin = std::getenv("PG_BIN"); bin && *bin) return bin;
  if (::access("/usr/lib/postgresql/15/bin/postgres", X_OK) == 0) return "/usr/lib/postgresql/15/bin";
  std::string best;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
    std::string bin = entry.path().string() + "/bin";
    if (::access((bin + "/postgres").c_str(), X_OK) == 0 && bin > best) best = bin;
  }
  if (best.empty()) throw std::runtime_error("PostgreSQL server binaries not found (apt-get install postgresql)");
  return best;
}

void ensure_user() {
  if (::getpwnam(kUser)) return;
  ChildOptions child;
  child.argv = {program_path("useradd"), "--system", "--no-create-home", "--home-dir", "/nonexistent",
                "--shell", "/usr/sbin/nologin", kUser};
  RunResult r = run_program(child, std::chrono::seconds(20));
  if (r.exit_code != 0 && !::getpwnam(kUser)) throw std::runtime_error("useradd " + std::string(kUser) + ": " + r.output);
}

std::vector<std::string> as_pg_user() {
  return {program_path("setpriv"), std::string("--reuid=") + kUser, std::string("--regid=") + kUser,
          "--clear-groups", "--"};
}

}  // namespace

NetnsPostgres::NetnsPostgres(const ClusterNetwork& network, std::string database, std::string host)
    : network_(network),
      database_(std::move(database)),
      host_(std::move(host)),
      address_(network.address(host_)),
      dir_("cluster-pg") {
  ensure_user();
  const passwd* pw = ::getpwnam(kUser);
  if (::chown(dir_.path().c_str(), pw->pw_uid, pw->pw_gid) != 0)
    throw std::runtime_error("chown " + dir_.path() + " failed");
  const std::string bin = pg_bin();
  const std::string data = dir_.path() + "/data";

  ChildOptions init;
  init.argv = as_pg_user();
  init.argv.insert(init.argv.end(), {bin + "/initdb", "-D", data, "-U", "postgres", "--auth=trust",
                                     "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"});
  RunResult r = run_program(init, std::chrono::seconds(60));
  if (r.exit_code != 0) throw std::runtime_error("initdb failed: " + r.output);
  write_file(data + "/pg_hba.conf",
             "# sipedge cluster tests (tests/cluster/netns_postgres.cc)\n"
             "local all all trust\n"
             "host  all all " + network.cidr() + " trust\n");
  ::chown((data + "/pg_hba.conf").c_str(), pw->pw_uid, pw->pw_gid);

  ChildOptions server;
  server.argv = as_pg_user();
  server.argv.insert(server.argv.end(),
                     {bin + "/postgres", "-D", data, "-p", "5432", "-c", "listen_addresses=" + address_, "-c",
                      "unix_socket_directories=" + dir_.path(), "-c", "max_connections=300", "-c", "fsync=on", "-c",
                      "synchronous_commit=on", "-c", "shared_buffers=64MB", "-c", "logging_collector=off", "-c",
                      "log_min_messages=warning"});
  server.output_file = dir_.path() + "/postgres.log";
  server_ = network.spawn(host_, server);
  wait_ready();

  pqxx::connection conn("host=" + dir_.path() + " port=5432 user=postgres dbname=postgres");
  pqxx::nontransaction txn(conn);
  txn.exec("create role sipedge login createdb");
  txn.exec("create database " + txn.quote_name(database_) + " owner sipedge");
}

NetnsPostgres::~NetnsPostgres() {
  if (!server_) return;
  server_->signal(SIGINT);  // fast shutdown: ends client sessions at once
  if (!server_->wait_for(std::chrono::seconds(10))) server_->kill_group();
}

void NetnsPostgres::wait_ready() {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  std::string last_error;
  while (std::chrono::steady_clock::now() < deadline) {
    if (auto code = server_->exit_code())
      throw std::runtime_error("postgres exited with " + std::to_string(*code) + ":\n" + log());
    try {
      pqxx::connection conn("host=" + dir_.path() + " port=5432 user=postgres dbname=postgres connect_timeout=2");
      return;
    } catch (const std::exception& e) {
      last_error = e.what();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw std::runtime_error("postgres not ready after 30 s: " + last_error + "\n" + log());
}

std::string NetnsPostgres::node_dsn() const {
  return "host=" + address_ + " port=5432 user=sipedge dbname=" + database_;
}

std::string NetnsPostgres::local_dsn() const {
  return "host=" + dir_.path() + " port=5432 user=postgres dbname=" + database_;
}

std::string NetnsPostgres::log() const { return read_file(dir_.path() + "/postgres.log"); }

}  // namespace sipedge::test::cluster
