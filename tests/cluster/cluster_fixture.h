#pragma once
// Shared by tests/cluster/cluster_failover_test.cc and bench/failover: the HA
// pair of the HA issue in network namespaces (netns.h). PostgreSQL in "pg",
// node A in "a" and node B in "b" (same cluster-name, cluster-vip
// 10.77.N.100/24 on eth0, profile "internal" on VIP:5060 whose "default"
// context bridges 1001 and 1002 to their registrations, phones of
// 10.77.N.0/24 register without a challenge), phones in "p1"/"p2", a carrier
// in "c". SQL from the test process goes through PostgreSQL's unix socket.
// Every wait is bounded.
//
// Threads: the owner's thread.
#include <chrono>
#include <memory>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <thread>
#include <vector>

#include "tests/cluster/cluster_node.h"
#include "tests/cluster/netns.h"
#include "tests/cluster/netns_postgres.h"
#include "tests/cluster/sip_client.h"

namespace sipedge::test::cluster {

using std::chrono::milliseconds;

inline long long ms_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration_cast<milliseconds>(to - from).count();
}

// One extension of the "default" context: ^number$ -> bridge user/number@domain.
inline std::string bridge_dialplan(const std::vector<std::string>& numbers, const std::string& domain) {
  std::string out = "<include>\n  <context name=\"default\">\n";
  for (const auto& n : numbers)
    out += "    <extension name=\"ext_" + n + "\">\n      <condition field=\"destination_number\" expression=\"^" + n +
           "$\">\n        <action application=\"bridge\" data=\"user/" + n + "@" + domain +
           "\"/>\n      </condition>\n    </extension>\n";
  out += "  </context>\n</include>\n";
  return out;
}

inline long sql_count(const std::string& dsn, const std::string& sql) {
  pqxx::connection conn(dsn);
  pqxx::read_transaction txn(conn);
  return txn.exec1(sql)[0].as<long>();
}

// Polls a count until it equals `want`; returns the last count.
inline long wait_sql_count(const std::string& dsn, const std::string& sql, long want, milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  long n = -1;
  while (true) {
    n = sql_count(dsn, sql);
    if (n == want || Clock::now() >= deadline) return n;
    std::this_thread::sleep_for(milliseconds(50));
  }
}

inline std::vector<std::string> sql_column(const std::string& dsn, const std::string& sql) {
  pqxx::connection conn(dsn);
  pqxx::read_transaction txn(conn);
  std::vector<std::string> out;
  for (const auto& row : txn.exec(sql)) out.push_back(row[0].is_null() ? "" : row[0].as<std::string>());
  return out;
}

// The row of cluster_lease_status as key -> text value ({} when absent).
inline std::map<std::string, std::string> lease_status(const std::string& dsn) {
  pqxx::connection conn(dsn);
  pqxx::read_transaction txn(conn);
  pqxx::result r = txn.exec("select * from cluster_lease_status");
  std::map<std::string, std::string> out;
  if (r.size() != 1) return out;
  for (const auto& f : r[0]) out[f.name()] = f.is_null() ? "" : f.as<std::string>();
  return out;
}

// The network, PostgreSQL and the two nodes (not started).
class ClusterPair {
 public:
  explicit ClusterPair(int ttl_ms = 1000, int renew_ms = 200)
      : net_(std::make_unique<ClusterNetwork>()), pg_(std::make_unique<NetnsPostgres>(*net_)) {
    for (const std::string host : {"a", "b"}) {
      ClusterNodeOptions o;
      o.host = host;
      o.db_dsn = pg_->node_dsn();
      o.cluster_name = "ha-" + net_->prefix().substr(0, net_->prefix().size() - 1);
      o.lease_ttl_ms = ttl_ms;
      o.lease_renew_ms = renew_ms;
      o.files["dialplan/default.xml"] = bridge_dialplan({"1001", "1002"}, o.domain);
      options_.push_back(o);
    }
  }

  ClusterNodeOptions& options(const std::string& host) { return options_[host == "a" ? 0 : 1]; }
  // Creates the node objects from options() (call once, after changing them).
  void make_nodes() {
    a_ = std::make_unique<ClusterNode>(*net_, options_[0]);
    b_ = std::make_unique<ClusterNode>(*net_, options_[1]);
  }

  // A first (it takes the vacant lease), then B as standby. Returns "" or
  // what went wrong (with the log tails).
  std::string start_pair(milliseconds timeout = milliseconds(15000)) {
    if (!a_) make_nodes();
    a_->start_and_wait();
    // role: active comes with the lease; accepting: true once the takeover
    // hook (VIP, arping) is done and requests are served.
    if (!a_->wait_role("active", timeout) || !a_->wait_status("accepting", "true", timeout))
      return "node A never became active and accepting; `cluster status` says:\n" + safe_api(*a_, "cluster status") +
             "\n--- node A log ---\n" + a_->log_tail();
    b_->start_and_wait();
    if (!b_->wait_role("standby", timeout))
      return "node B never became standby; `cluster status` says:\n" + safe_api(*b_, "cluster status") +
             "\n--- node B log ---\n" + b_->log_tail();
    return "";
  }

  static std::string safe_api(ClusterNode& node, const std::string& command) {
    try {
      return node.api(command);
    } catch (const std::exception& e) {
      return std::string("(event socket: ") + e.what() + ")";
    }
  }

  ClusterNetwork& net() { return *net_; }
  NetnsPostgres& pg() { return *pg_; }
  std::string dsn() const { return pg_->local_dsn(); }
  ClusterNode& a() { return *a_; }
  ClusterNode& b() { return *b_; }
  ClusterNode& node(const std::string& host) { return host == "a" ? *a_ : *b_; }
  ClusterNode& other(const ClusterNode& n) { return &n == a_.get() ? *b_ : *a_; }

  // Registers user@example.com with Contact sip:user@<host address>:port from
  // that port (the SIPp UAS then listens there). Returns the final answer's code.
  int register_user(const std::string& host, const std::string& user, int port,
                    milliseconds timeout = milliseconds(3000)) {
    NetnsUdp phone(net_->ns(host), net_->address(host), port);
    SipRequest r;
    r.method = "REGISTER";
    r.user = user;
    r.domain = "example.com";
    r.request_uri = "sip:example.com";
    r.call_id = "reg-" + user + "-" + std::to_string(port) + "@" + net_->address(host);
    r.contact = "<sip:" + user + "@" + net_->address(host) + ":" + std::to_string(port) + ">";
    r.expires = "3600";
    auto answer = sip_transaction(phone, net_->vip(), 5060, r, timeout);
    return answer ? sip_status(*answer) : 0;
  }

  // Sends an INFO with each Call-ID to a SIPp at host:port from that host's
  // namespace: the go-ahead of tests/sipp/recovery_*.xml scenarios.
  void go_ahead(const std::string& host, int sipp_port, const std::vector<std::string>& call_ids) {
    NetnsUdp socket(net_->ns(host), net_->address(host));
    for (const auto& id : call_ids) {
      SipRequest r;
      r.method = "INFO";
      r.user = "go-ahead";
      r.call_id = id;
      r.cseq = 100;
      r.request_uri = "sip:go@" + net_->address(host) + ":" + std::to_string(sipp_port);
      socket.send_to(net_->address(host), sipp_port, build_request(r, socket, net_->address(host), sipp_port));
    }
  }

 private:
  std::unique_ptr<ClusterNetwork> net_;
  std::unique_ptr<NetnsPostgres> pg_;
  std::vector<ClusterNodeOptions> options_;
  std::unique_ptr<ClusterNode> a_;
  std::unique_ptr<ClusterNode> b_;
};

}  // namespace sipedge::test::cluster
