// The cluster test harness itself (tests/cluster/netns.h and friends), with
// no HA behaviour involved: the namespaces and their addresses, isolation
// from the root namespace, cleanup, PostgreSQL in its namespace reached over
// TCP from a node namespace, the blackhole route, a plain node answering
// OPTIONS on its own address, the Kamailio carrier in its namespace.
// Root only (skipped otherwise).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <pqxx/pqxx>

#include "tests/cluster/cluster_node.h"
#include "tests/cluster/netns.h"
#include "tests/cluster/netns_postgres.h"
#include "tests/cluster/netns_sipp.h"
#include "tests/cluster/sip_client.h"
#include "tests/support/kamailio_carrier.h"
#include "tests/support/test_env.h"

namespace sipedge::test::cluster {
namespace {

using std::chrono::milliseconds;

class ClusterHarnessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "network namespaces need root";
  }
};

TEST_F(ClusterHarnessTest, NamespacesAreIsolatedAndCleanedUp) {
  std::string prefix;
  std::vector<std::string> names;
  {
    ClusterNetwork net;
    prefix = net.prefix();
    EXPECT_EQ(prefix, "se" + std::to_string(::getpid()) + "-");
    for (const auto& h : net.hosts()) {
      names.push_back(net.ns(h));
      EXPECT_TRUE(std::filesystem::exists("/run/netns/" + net.ns(h))) << h;
      EXPECT_EQ(net.addresses(h), std::vector<std::string>{net.address(h)}) << h;
      EXPECT_EQ(net.run_checked(h, {program_path("sysctl"), "-n", "net.ipv4.ip_nonlocal_bind"}), "1\n") << h;
    }
    EXPECT_TRUE(std::filesystem::exists(netns_registry_dir() + "/se" + std::to_string(::getpid())));
    // Hosts reach each other over the bridge.
    NetnsUdp p1(net.ns("p1"), net.address("p1"));
    NetnsUdp p2(net.ns("p2"), net.address("p2"));
    p1.send_to(net.address("p2"), p2.port(), "hello");
    auto got = p2.receive(milliseconds(2000));
    ASSERT_TRUE(got);
    EXPECT_EQ(*got, "hello");
    // The root namespace has no address and no route in 10.77.N.0/24.
    ChildOptions child;
    child.argv = {program_path("ip"), "-4", "route", "get", net.address("p1")};
    RunResult root = run_program(child, std::chrono::seconds(5));
    EXPECT_EQ(root.output.find("br0"), std::string::npos) << root.output;
    child.argv = {program_path("ip"), "-o", "-4", "addr"};
    EXPECT_EQ(run_program(child, std::chrono::seconds(5)).output.find("10.77." + std::to_string(net.subnet()) + "."),
              std::string::npos);
    // A blackhole route drops what the host sends to that address.
    net.add_blackhole("p1", net.address("p2"));
    p1.send_to(net.address("p2"), p2.port(), "dropped");
    EXPECT_FALSE(p2.receive(milliseconds(300)));
    net.remove_blackhole("p1", net.address("p2"));
    p1.send_to(net.address("p2"), p2.port(), "again");
    EXPECT_TRUE(p2.receive(milliseconds(2000)));
  }
  for (const auto& n : names) EXPECT_FALSE(std::filesystem::exists("/run/netns/" + n)) << n;
  EXPECT_FALSE(std::filesystem::exists(netns_registry_dir() + "/" + prefix.substr(0, prefix.size() - 1)));
}

TEST_F(ClusterHarnessTest, CleanupScriptDeletesNamespacesOfDeadRuns) {
  // A fake entry of a dead run (pid 0 never runs a test) with one namespace.
  const std::string ns = "se0-harness-" + std::to_string(::getpid());
  ChildOptions add;
  add.argv = {program_path("ip"), "netns", "add", ns};
  ASSERT_EQ(run_program(add, std::chrono::seconds(5)).exit_code, 0);
  std::filesystem::create_directories(netns_registry_dir());
  write_file(netns_registry_dir() + "/se0-" + std::to_string(::getpid()), "pid 999999999\nns " + ns + "\n");
  ChildOptions cleanup;
  cleanup.argv = {source_dir() + "/tests/cluster/netns-cleanup"};
  RunResult r = run_program(cleanup, std::chrono::seconds(30));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_FALSE(std::filesystem::exists("/run/netns/" + ns)) << r.output;
  EXPECT_FALSE(std::filesystem::exists(netns_registry_dir() + "/se0-" + std::to_string(::getpid())));
}

TEST_F(ClusterHarnessTest, PostgresInItsNamespaceAndBlackhole) {
  ClusterNetwork net;
  NetnsPostgres pg(net);
  {
    pqxx::connection conn(pg.local_dsn());
    pqxx::nontransaction txn(conn);
    EXPECT_EQ(txn.exec1("select current_database()")[0].as<std::string>(), "sipedge_cluster");
  }
  const std::string psql = "/usr/bin/psql";
  RunResult ok = net.run("a", {psql, pg.node_dsn(), "-XAtc", "select 41 + 1"});
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_EQ(ok.output, "42\n");
  net.add_blackhole("a", pg.address());
  RunResult cut = net.run("a", {psql, pg.node_dsn() + " connect_timeout=2", "-XAtc", "select 1"});
  EXPECT_NE(cut.exit_code, 0) << cut.output;
  net.remove_blackhole("a", pg.address());
  EXPECT_EQ(net.run("a", {psql, pg.node_dsn(), "-XAtc", "select 1"}).exit_code, 0);
}

// A plain node (no cluster params) in namespace a answers OPTIONS on its own
// address from a phone namespace, and its event socket is reached through
// the namespace.
TEST_F(ClusterHarnessTest, PlainNodeAnswersOptionsInItsNamespace) {
  ClusterNetwork net;
  NetnsPostgres pg(net);
  ClusterNodeOptions o;
  o.host = "a";
  o.db_dsn = pg.node_dsn();
  o.cluster = false;
  ClusterNode node(net, o);
  node.start_and_wait();
  EXPECT_NE(node.api("status").find("UP"), std::string::npos) << node.api("status");
  NetnsUdp phone(net.ns("p1"), net.address("p1"));
  std::map<int, int> codes;
  std::string last;
  auto answered = wait_for_200(phone, net.address("a"), 5060, Clock::now() + std::chrono::seconds(10), "",
                               milliseconds(20), &codes, &last);
  std::string seen;
  for (const auto& [code, n] : codes) seen += " " + std::to_string(code) + "x" + std::to_string(n);
  EXPECT_TRUE(answered) << "answers:" << seen << "\nlast:\n" << last << node.log_tail();
  // sipedge-cli inside the namespace reaches the same event socket.
  RunResult cli = net.run("a", {bin_dir() + "/sipedge-cli", "-H", net.address("a"), "-P", "8021", "-x", "status"});
  EXPECT_EQ(cli.exit_code, 0) << cli.output;
  EXPECT_EQ(node.terminate(), 0) << node.log_tail();
}

// SIPp in the phone namespaces: a caller in p1 calls a callee in p2 directly.
TEST_F(ClusterHarnessTest, SippBetweenPhoneNamespaces) {
  ClusterNetwork net;
  NetnsSippOptions uas;
  uas.host = "p2";
  uas.scenario = "call_uas_answer.xml";
  uas.local_port = 5070;
  uas.calls = 3;
  uas.timeout = std::chrono::seconds(20);
  NetnsSipp callee(net, uas);
  ASSERT_TRUE(callee.wait_listening(milliseconds(5000))) << callee.wait().describe();
  NetnsSippOptions uac;
  uac.host = "p1";
  uac.scenario = "call_uac_answer.xml";
  uac.remote_ip = net.address("p2");
  uac.remote_port = 5070;
  uac.calls = 3;
  uac.timeout = std::chrono::seconds(20);
  uac.keys = {{"hdr1", "Subject: x"}, {"hdr2", "Organization: y"}, {"codecs", "0"},
              {"sdp1", "a=rtpmap:0 PCMU/8000"}, {"sdp2", "a=ptime:20"}, {"sdp3", "a=sendrecv"}};
  uac.extra_args = {"-s", "1001", "-d", "100"};
  NetnsSipp caller(net, uac);
  SippResult c = caller.wait();
  EXPECT_EQ(c.exit_code, 0) << c.describe();
  SippResult d = callee.wait();
  EXPECT_EQ(d.exit_code, 0) << d.describe();
  EXPECT_NE(c.messages.find("INVITE sip:1001@" + net.address("p2")), std::string::npos);
}

TEST_F(ClusterHarnessTest, KamailioCarrierInItsNamespace) {
  ClusterNetwork net;
  NetnsWorker worker(net.ns("c"));
  KamailioCarrierOptions o;
  o.ip = net.address("c");
  o.port = 5060;
  o.users = {{"gwuser", "gwsecret"}};
  auto carrier = worker.call([&] { return std::make_unique<KamailioCarrier>(o); });
  NetnsUdp phone(net.ns("p1"), net.address("p1"));
  EXPECT_TRUE(wait_for_200(phone, net.address("c"), 5060, Clock::now() + std::chrono::seconds(5)));
  EXPECT_FALSE(carrier->requests("OPTIONS").empty()) << carrier->describe();
  carrier.reset();
}

}  // namespace
}  // namespace sipedge::test::cluster
