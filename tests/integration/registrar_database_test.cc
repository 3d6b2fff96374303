// The registrar when PostgreSQL goes away (issue 3, "Done when" 8 and 9's ACL
// part): REGISTER gets 503 with Retry-After while the database is down, a
// source outside apply-register-acl still gets its 403 (the ACL needs no
// database round trip), and once PostgreSQL is back the same node process
// serves REGISTERs again with every binding committed before the outage.
//
// The outage must not touch the shared fixture PostgreSQL other tests use:
// this test starts its own with scripts/pg-ctl in a temporary directory and
// stops it at the end (RAII). scripts/pg-ctl picks a new random port at
// every start, so the node reaches PostgreSQL through a small TCP relay on a
// fixed port that the test points at wherever the server listens now (as a
// connection pooler or a floating address would); the relay drops relayed
// connections when the server closes them, so the node sees the outage.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <pqxx/pqxx>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/registrar_fixture.h"
#include "tests/support/test_database.h"

namespace sipedge::test {
namespace {

using namespace registrar;

// A PostgreSQL of our own: scripts/pg-ctl start|stop DIR.
class PrivatePostgres {
 public:
  PrivatePostgres() : dir_("regtest-pg") { start(); }
  ~PrivatePostgres() {
    try {
      stop();
    } catch (...) {
    }
  }
  PrivatePostgres(const PrivatePostgres&) = delete;
  PrivatePostgres& operator=(const PrivatePostgres&) = delete;

  void start() { pg_ctl("start"); port_ = std::stoi(trim(read_file(dir_.path() + "/port"))); }
  void stop() { pg_ctl("stop"); }
  int port() const { return port_; }
  std::string dsn() const { return dsn_at(port_); }
  static std::string dsn_at(int port) {
    return "host=127.0.0.1 port=" + std::to_string(port) + " user=sipedge dbname=sipedge connect_timeout=3";
  }

 private:
  void pg_ctl(const std::string& action) {
    ChildOptions child;
    child.argv = {source_dir() + "/scripts/pg-ctl", action, dir_.path()};
    RunResult r = run_program(child, std::chrono::seconds(90));
    if (r.exit_code != 0)
      throw std::runtime_error("scripts/pg-ctl " + action + " exited " + std::to_string(r.exit_code) + ":\n" +
                               r.output);
  }

  TempDir dir_;
  int port_ = 0;
};

// 127.0.0.1:port() -> 127.0.0.1:target, one thread, poll(). A connection the
// target refuses or closes is closed on the other side too.
class TcpRelay {
 public:
  explicit TcpRelay(int target) : target_(target) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listen_fd_, 64) != 0 || ::pipe2(wake_, O_CLOEXEC) != 0)
      throw std::runtime_error("TcpRelay: cannot listen");
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~TcpRelay() {
    stop_ = true;
    (void)!::write(wake_[1], "x", 1);
    thread_.join();
    for (auto [a, b] : pairs_) {
      ::close(a);
      ::close(b);
    }
    ::close(listen_fd_);
    ::close(wake_[0]);
    ::close(wake_[1]);
  }
  TcpRelay(const TcpRelay&) = delete;
  TcpRelay& operator=(const TcpRelay&) = delete;

  int port() const { return port_; }
  void retarget(int target) { target_ = target; }

 private:
  static int connect_to(int port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) return fd;
    if (fd >= 0) ::close(fd);
    return -1;
  }

  static bool write_all(int fd, const char* data, ssize_t n) {
    while (n > 0) {
      ssize_t w = ::send(fd, data, static_cast<size_t>(n), MSG_NOSIGNAL);
      if (w <= 0) return false;
      data += w;
      n -= w;
    }
    return true;
  }

  void run() {
    char buf[65536];
    while (!stop_) {
      std::vector<pollfd> fds = {{wake_[0], POLLIN, 0}, {listen_fd_, POLLIN, 0}};
      for (auto [a, b] : pairs_) {
        fds.push_back({a, POLLIN, 0});
        fds.push_back({b, POLLIN, 0});
      }
      if (::poll(fds.data(), fds.size(), 1000) <= 0) continue;
      if (fds[1].revents & POLLIN) {
        int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (client >= 0) {
          int server = connect_to(target_);
          if (server < 0) {
            ::close(client);  // PostgreSQL is down: the node sees a refused/closed connection
          } else {
            pairs_.emplace_back(client, server);
          }
        }
      }
      std::set<std::size_t> dead;
      for (std::size_t i = 0; i < (fds.size() - 2) / 2; ++i) {
        for (int side = 0; side < 2; ++side) {
          const pollfd& p = fds[2 + 2 * i + side];
          if (!(p.revents & (POLLIN | POLLHUP | POLLERR))) continue;
          int from = side == 0 ? pairs_[i].first : pairs_[i].second;
          int to = side == 0 ? pairs_[i].second : pairs_[i].first;
          ssize_t n = ::recv(from, buf, sizeof buf, 0);
          if (n <= 0 || !write_all(to, buf, n)) dead.insert(i);
        }
      }
      for (auto it = dead.rbegin(); it != dead.rend(); ++it) {
        ::close(pairs_[*it].first);
        ::close(pairs_[*it].second);
        pairs_.erase(pairs_.begin() + static_cast<long>(*it));
      }
    }
  }

  std::atomic<int> target_;
  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::vector<std::pair<int, int>> pairs_;  // client, server (relay thread only)
  std::thread thread_;
};

constexpr const char* kAclLists =
    "    <list name=\"test-loopback\" default=\"deny\">\n"
    "      <node type=\"allow\" cidr=\"127.0.0.0/8\"/>\n"
    "    </list>\n"
    "    <list name=\"reg-deny\" default=\"allow\">\n"
    "      <node type=\"deny\" cidr=\"127.0.0.0/8\"/>\n"
    "    </list>\n";

TEST(RegistrarDatabaseTest, OutageAnswers503AclStillDeniesAndServiceResumes) {
  PrivatePostgres pg;
  TcpRelay relay(pg.port());

  NodeOptions o;
  o.switchname = "outage-node";
  o.db_dsn = PrivatePostgres::dsn_at(relay.port());
  o.acl_lists_xml = kAclLists;
  o.profiles[0].params = {{"apply-register-acl", "test-loopback"}};
  ProfileOptions denied;
  denied.name = "denied";
  denied.params = {{"apply-register-acl", "reg-deny"}};
  o.profiles.push_back(denied);
  NodeProcess node(o);
  ASSERT_NO_THROW(node.start_and_wait());
  ASSERT_TRUE(wait_registrar_ready(node));
  const int pid = node.pid();

  UdpSocket phone;
  const std::string kept = "sip:1000@127.0.0.1:6001";
  const std::string later = "sip:1000@127.0.0.1:6002";
  RegisterRequest before;
  before.call_id = "before-outage";
  before.contacts = {"<" + kept + ">"};
  before.expires = "3600";
  std::optional<std::string> ok = send_register(phone, node.sip_port(), before);
  ASSERT_TRUE(ok) << node.log_tail();
  ASSERT_EQ(status_code(*ok), 200) << *ok;

  // PostgreSQL stops (fast shutdown: every connection is closed).
  pg.stop();

  // The registrar cannot commit, so it must not say 200: 503 with Retry-After (RFC 3261 21.5.4).
  RegisterRequest during;
  during.call_id = "during-outage";
  during.contacts = {"<" + later + ">"};
  during.expires = "3600";
  std::optional<std::string> unavailable = send_register(phone, node.sip_port(), during, milliseconds(10000));
  ASSERT_TRUE(unavailable) << "no answer while the database is down\n" << node.log_tail();
  EXPECT_EQ(status_code(*unavailable), 503) << *unavailable;
  EXPECT_FALSE(header_value(*unavailable, "Retry-After").empty()) << *unavailable;
  EXPECT_GT(std::atoi(header_value(*unavailable, "Retry-After").c_str()), 0) << *unavailable;

  // A source outside apply-register-acl: 403 without asking the database (it
  // is down). Once the lease runs out (one TTL without the database) the node
  // is standby and answers every new request "503 System Paused" before any
  // ACL: neither asks the database, neither writes.
  RegisterRequest outsider;
  outsider.call_id = "acl-outsider";
  outsider.contacts = {"<sip:1000@127.0.0.1:6003>"};
  outsider.expires = "3600";
  UdpSocket intruder;
  std::optional<std::string> forbidden = send_register(intruder, node.sip_port("denied"), outsider);
  ASSERT_TRUE(forbidden) << node.log_tail();
  EXPECT_TRUE(status_line(*forbidden) == "SIP/2.0 403 Forbidden" ||
              status_line(*forbidden) == "SIP/2.0 503 System Paused")
      << *forbidden;

  // Back up, on whatever port pg-ctl chose; the relay follows it.
  const int old_port = pg.port();
  pg.start();
  relay.retarget(pg.port());
  // scripts/pg-ctl picks a random port at every start (see the report / proposed fix).
  ::testing::Test::RecordProperty("pg_ctl_kept_port", pg.port() == old_port ? "yes" : "no");

  // The same node process serves again once it has reconnected (backoff <= 5 s).
  std::optional<std::string> after;
  unsigned cseq = 1;
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  while (Clock::now() < deadline) {
    during.cseq = ++cseq;
    after = send_register(phone, node.sip_port(), during);
    ASSERT_TRUE(after) << "no answer after the restart\n" << node.log_tail();
    if (status_code(*after) != 503) break;
    std::this_thread::sleep_for(milliseconds(200));
  }
  ASSERT_EQ(status_code(*after), 200) << "service did not resume within 20 s\n" << *after << node.log_tail();
  std::set<std::string> listed;
  for (const auto& c : contacts_of(*after)) listed.insert(contact_uri(c));
  EXPECT_EQ(listed, (std::set<std::string>{kept, later})) << "the binding committed before the outage was lost\n"
                                                          << *after;
  EXPECT_TRUE(node.running());
  EXPECT_EQ(node.pid(), pid);

  pqxx::connection conn(pg.dsn());
  pqxx::read_transaction txn(conn);
  EXPECT_EQ(txn.exec1("select count(*) from registrations where call_id = 'before-outage'")[0].as<long>(), 1);
  EXPECT_EQ(txn.exec1("select count(*) from registrations where call_id = 'acl-outsider'")[0].as<long>(), 0);
  // Only the accepted REGISTERs wrote: the 503s left nothing half-written.
  EXPECT_EQ(txn.exec1("select count(*) from registrations")[0].as<long>(), 2);
}

}  // namespace
}  // namespace sipedge::test
