// Two nodes on one database (issue 3, "Done when" 7): a binding made through
// node A is what node B lists (`sofia status profile internal reg`,
// `sofia_contact`), and sip_registrations names node A as its hostname; a
// refresh through node B moves the same binding (one row) to node B.
#include <gtest/gtest.h>

#include <pqxx/pqxx>
#include <string>

#include "tests/integration/registrar_fixture.h"
#include "tests/support/free_port.h"
#include "tests/support/test_database.h"

namespace sipedge::test {
namespace {

using namespace registrar;

NodeOptions node_options(const TestDatabase& db, const std::string& name) {
  NodeOptions o;
  o.switchname = name;
  o.db_dsn = db.dsn();
  o.switch_params = {{"cluster-nonce-key", "registrar-cluster-test-key"}};
  return o;
}

class RegistrarClusterTest : public ::testing::Test {
 protected:
  RegistrarClusterTest() : db_("registrar_cluster"), a_(node_options(db_, "node-a")), b_(node_options(db_, "node-b")) {}

  void SetUp() override {
    ASSERT_NO_THROW(a_.start_and_wait());
    ASSERT_NO_THROW(b_.start_and_wait());
    ASSERT_TRUE(wait_registrar_ready(a_));
    ASSERT_TRUE(wait_registrar_ready(b_));
    ASSERT_TRUE(add_user(a_, "1000@example.com", "pw-1000"));
  }

  TestDatabase db_;
  NodeProcess a_, b_;
};

TEST_F(RegistrarClusterTest, BindingMadeOnOneNodeIsListedByTheOther) {
  const int port = free_port(true);
  SippOptions o;
  o.scenario = "registrar_register_uac.xml";
  o.remote_port = a_.sip_port();
  o.local_port = port;
  o.extra_args = {"-cid_str", "cluster-1"};
  o.keys = {{"agent", "ClusterPhone/1"}, {"expiry", "3600"}};
  SippResult r = run_sipp_with_users(o, {auth_row("1000", "example.com", "pw-1000")});
  ASSERT_EQ(r.exit_code, 0) << r.describe();

  const std::string uri = "sip:1000@127.0.0.1:" + std::to_string(port) + ";transport=UDP";
  std::string listing = b_.api("sofia status profile internal reg");
  EXPECT_TRUE(contains(listing, "Call-ID:    \tcluster-1\n")) << listing;
  EXPECT_TRUE(contains(listing, "User:       \t1000@example.com\n")) << listing;
  EXPECT_TRUE(contains(listing, "Contact:    \t<" + uri + ">\n")) << listing;
  EXPECT_TRUE(contains(listing, "Host:       \tnode-a\n")) << "node B must show the node holding it\n" << listing;
  EXPECT_TRUE(contains(listing, "Port:       \t" + std::to_string(port) + "\n")) << listing;
  EXPECT_TRUE(contains(listing, "Total items returned: 1\n")) << listing;
  EXPECT_EQ(b_.api("sofia_contact internal/1000@example.com"), "sofia/internal/" + uri);

  pqxx::connection conn(db_.dsn());
  pqxx::read_transaction txn(conn);
  pqxx::result view = txn.exec_params("select hostname, orig_hostname, sip_user from sip_registrations where call_id = $1",
                                      "cluster-1");
  ASSERT_EQ(view.size(), 1u);
  EXPECT_EQ(view[0][0].as<std::string>(), "node-a");
  EXPECT_EQ(view[0][2].as<std::string>(), "1000");
}

TEST_F(RegistrarClusterTest, RefreshThroughTheOtherNodeMovesTheBinding) {
  // Same phone, same socket, first through A then through B: one binding,
  // now held by node B (the row is cluster-wide, keyed by AOR + contact).
  const int port = free_port(true);
  for (NodeProcess* node : {&a_, &b_}) {
    SippOptions o;
    o.scenario = "registrar_register_uac.xml";
    o.remote_port = node->sip_port();
    o.local_port = port;
    o.extra_args = {"-cid_str", node == &a_ ? "move-a" : "move-b"};
    o.keys = {{"agent", "MovingPhone/1"}, {"expiry", "3600"}};
    SippResult r = run_sipp_with_users(o, {auth_row("1000", "example.com", "pw-1000")});
    ASSERT_EQ(r.exit_code, 0) << r.describe();
  }
  pqxx::connection conn(db_.dsn());
  pqxx::read_transaction txn(conn);
  pqxx::result rows = txn.exec("select hostname, call_id from sip_registrations");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][0].as<std::string>(), "node-b");
  EXPECT_EQ(rows[0][1].as<std::string>(), "move-b");
  EXPECT_TRUE(contains(a_.api("sofia status profile internal reg"), "Host:       \tnode-b\n"));
}

}  // namespace
}  // namespace sipedge::test
