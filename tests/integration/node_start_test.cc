// A node on its own database: migrations, cluster membership row, console
// status, OPTIONS over UDP and TCP (SIPp), 405/501 for other methods, and a
// clean exit on SIGTERM.
#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>
#include <pqxx/pqxx>
#include <thread>

#include "tests/support/node_process.h"
#include "tests/support/sipp.h"
#include "tests/support/test_database.h"

namespace sipedge::test {
namespace {

class NodeStartTest : public ::testing::Test {
 protected:
  NodeStartTest() : db_("node_start"), node_(options(db_)) {}

  static NodeOptions options(const TestDatabase& db) {
    NodeOptions o;
    o.switchname = "start-node";
    o.db_dsn = db.dsn();
    return o;
  }

  SippResult sipp(const std::string& scenario, const std::string& transport) {
    SippOptions o;
    o.scenario = scenario;
    o.transport = transport;
    o.remote_port = node_.sip_port();
    return run_sipp(o);
  }

  TestDatabase db_;
  NodeProcess node_;
};

TEST_F(NodeStartTest, StartsAnswersAndStopsCleanly) {
  ASSERT_NO_THROW(node_.start_and_wait());
  EXPECT_NE(node_.log().find("sipedge ready"), std::string::npos) << node_.log_tail();

  // The node registered itself in the cluster membership table. It says
  // "ready" before its database connects (a node without a database still
  // starts), so the row may come a little later: poll it, bounded.
  {
    pqxx::connection conn(db_.dsn());
    pqxx::result r;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    do {
      pqxx::work tx(conn);
      // The table itself only exists once the node's migrations ran.
      if (tx.exec1("SELECT to_regclass('cluster_nodes') IS NOT NULL")[0].as<bool>()) {
        r = tx.exec_params(
            "SELECT runtime_id::text, version, last_seen_at <= now() FROM cluster_nodes WHERE node_name = $1",
            "start-node");
      }
      tx.commit();
      if (r.size() == 1u) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    } while (std::chrono::steady_clock::now() < deadline);
    ASSERT_EQ(r.size(), 1u) << "no cluster_nodes row for start-node within 15 s\n" << node_.log_tail();
    EXPECT_FALSE(r[0][0].is_null());
    EXPECT_FALSE(r[0][1].as<std::string>().empty());
    EXPECT_TRUE(r[0][2].as<bool>());
  }

  std::string status = node_.api("status");
  EXPECT_NE(status.find("Node: start-node"), std::string::npos) << status;
  EXPECT_NE(status.find("Database: connected"), std::string::npos) << status;
  EXPECT_NE(status.find("is ready"), std::string::npos) << status;

  for (const char* transport : {"u1", "t1"}) {
    SCOPED_TRACE(transport);
    SippResult options = sipp("options_uac.xml", transport);
    EXPECT_EQ(options.exit_code, 0) << options.describe();
    SippResult not_allowed = sipp("unsupported_method_uac.xml", transport);
    EXPECT_EQ(not_allowed.exit_code, 0) << not_allowed.describe();
    SippResult unknown = sipp("unknown_method_uac.xml", transport);
    EXPECT_EQ(unknown.exit_code, 0) << unknown.describe();
  }

  EXPECT_TRUE(node_.running());
  EXPECT_EQ(node_.stop(), 0) << node_.log_tail();
}

TEST_F(NodeStartTest, ManyOptionsInARow) {
  ASSERT_NO_THROW(node_.start_and_wait());
  SippOptions o;
  o.scenario = "options_uac.xml";
  o.remote_port = node_.sip_port();
  o.calls = 50;
  SippResult r = run_sipp(o);
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(node_.stop(), 0) << node_.log_tail();
}

TEST_F(NodeStartTest, SigintAlsoStopsCleanly) {
  ASSERT_NO_THROW(node_.start_and_wait());
  ::kill(node_.pid(), SIGINT);
  auto code = node_.wait_exit(std::chrono::seconds(10));
  ASSERT_TRUE(code.has_value()) << "still running 10 s after SIGINT";
  EXPECT_EQ(*code, 0) << node_.log_tail();
}

}  // namespace
}  // namespace sipedge::test
