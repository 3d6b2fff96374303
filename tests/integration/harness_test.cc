// The test harness itself (tests/support): if these fail, the node tests'
// verdicts mean nothing.
#include <gtest/gtest.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <pqxx/pqxx>
#include <thread>

#include "tests/support/child_process.h"
#include "tests/support/free_port.h"
#include "tests/support/sip_socket.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_database.h"

namespace sipedge::test {
namespace {

ChildOptions cmd(std::vector<std::string> argv) {
  ChildOptions o;
  o.argv = std::move(argv);
  return o;
}

bool database_exists(const std::string& admin_dsn, const std::string& name) {
  pqxx::connection conn(admin_dsn);
  pqxx::work tx(conn);
  return !tx.exec_params("SELECT 1 FROM pg_database WHERE datname = $1", name).empty();
}

TEST(HarnessTest, TestDatabaseIsCreatedUsableAndDropped) {
  std::string name, admin;
  std::unique_ptr<pqxx::connection> leftover;
  {
    TestDatabase db("Harness Self-Test");
    name = db.name();
    admin = db.admin_dsn();
    EXPECT_EQ(name.rfind("t_harness_self_test_", 0), 0u) << name;
    EXPECT_TRUE(database_exists(admin, name));
    pqxx::connection conn(db.dsn());
    pqxx::work tx(conn);
    EXPECT_EQ(tx.exec1("SELECT current_database()")[0].as<std::string>(), name);
    // A connection left open must not keep the database alive (WITH (FORCE)).
    leftover = std::make_unique<pqxx::connection>(db.dsn());
  }
  EXPECT_FALSE(database_exists(admin, name));
}

TEST(HarnessTest, TestDatabaseWithOwner) {
  TestDatabase db("owned", "sipedge_test_owner");
  pqxx::connection conn(db.dsn());
  pqxx::work tx(conn);
  EXPECT_EQ(tx.exec1("SELECT current_user")[0].as<std::string>(), "sipedge_test_owner");
  tx.exec0("CREATE TABLE t (x int)");  // the owner may create in its database
}

TEST(HarnessTest, DsnWithReplacesDbnameAndUser) {
  // libpq's keyword order, values quoted.
  EXPECT_EQ(dsn_with("host=127.0.0.1 port=5 user=postgres dbname=postgres", "x"),
            "user='postgres' host='127.0.0.1' port='5' dbname='x'");
  EXPECT_EQ(dsn_with("postgresql://a@127.0.0.1:7/b", "x", "u"), "host='127.0.0.1' port='7' user='u' dbname='x'");
  EXPECT_THROW(dsn_with("no_such_keyword=1", "x"), std::invalid_argument);
}

TEST(HarnessTest, FreePortsAreDistinctAndBindable) {
  int a = free_port(), b = free_port();
  EXPECT_NE(a, b);
  UdpSocket udp(a);
  EXPECT_EQ(udp.port(), a);
}

TEST(HarnessTest, ChildProcessExitCodes) {
  EXPECT_EQ(run_program(cmd({"/bin/sh", "-c", "exit 3"}), std::chrono::seconds(5)).exit_code, 3);
  RunResult echoed = run_program(cmd({"/bin/sh", "-c", "echo out; echo err >&2"}), std::chrono::seconds(5));
  EXPECT_EQ(echoed.exit_code, 0);
  EXPECT_EQ(echoed.output, "out\nerr\n");
  RunResult hung = run_program(cmd({"/bin/sleep", "30"}), std::chrono::milliseconds(200));
  EXPECT_TRUE(hung.timed_out);
  EXPECT_EQ(hung.exit_code, 128 + SIGKILL);
  EXPECT_THROW(ChildProcess(cmd({"/nonexistent/program"})), std::runtime_error);

  ChildProcess term(cmd({"/bin/sleep", "30"}));
  EXPECT_FALSE(term.exit_code().has_value());
  EXPECT_EQ(term.terminate(std::chrono::seconds(5)), 128 + SIGTERM);
}

TEST(HarnessTest, SipResponseParsingAndTcpFraming) {
  auto r = parse_sip_response("SIP/2.0 405 Method Not Allowed\r\ni: abc\r\nCSeq: 7 SUBSCRIBE\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->reason, "Method Not Allowed");
  EXPECT_EQ(r->call_id, "abc");
  EXPECT_EQ(r->cseq_method, "SUBSCRIBE");
  EXPECT_FALSE(parse_sip_response("OPTIONS sip:x SIP/2.0\r\n\r\n"));

  // A listener that sends two messages in one write, the second with a
  // (compact) Content-Length body, then closes.
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(listener, 1), 0);
  socklen_t len = sizeof addr;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);
  std::thread server([listener] {
    int c = ::accept(listener, nullptr, nullptr);
    char buf[16];
    (void)!::recv(c, buf, sizeof buf, 0);
    std::string out =
        "SIP/2.0 200 OK\r\nCall-ID: 1\r\nContent-Length: 0\r\n\r\n"
        "SIP/2.0 200 OK\r\nCall-ID: 2\r\nl: 3\r\n\r\nabc";
    (void)!::send(c, out.data(), out.size(), 0);
    ::close(c);
  });
  auto conn = std::make_unique<TcpConnection>(port);
  ASSERT_TRUE(conn->send("hello"));
  auto first = conn->receive_message(std::chrono::seconds(5));
  auto second = conn->receive_message(std::chrono::seconds(5));
  ASSERT_TRUE(first && second);
  EXPECT_EQ(parse_sip_response(*first)->call_id, "1");
  EXPECT_EQ(second->substr(second->size() - 3), "abc");
  EXPECT_FALSE(conn->receive_message(std::chrono::seconds(5)));
  EXPECT_TRUE(conn->closed());
  server.join();
  ::close(listener);
}

}  // namespace
}  // namespace sipedge::test
