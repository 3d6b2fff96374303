#pragma once
// One sipedge node of the HA pair inside its namespace of a ClusterNetwork
// (host "a" or "b"): build/bin/sipedge run with `ip netns exec`, its conf
// written by tests/support/node_process (cluster-* params of the HA issue,
// profile "internal" on the VIP port 5060, event socket on the node's own
// address port 8021). The event socket is reached from the root namespace by
// connecting on a thread that entered the node's namespace (in_netns); the
// connected socket is then used from the test's thread. Nothing is routed.
//
// A node can be started again after it was killed: each start is a new
// NodeProcess "generation" (fresh conf dir, same options); the logs of all
// generations stay readable (log()).
//
// Threads: one owner thread; a NodeEvents may be read from another thread.
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "node/esl/esl_client.h"
#include "tests/support/node_process.h"

namespace sipedge::test::cluster {

class ClusterNetwork;

struct ClusterNodeOptions {
  std::string host = "a";       // namespace host of ClusterNetwork
  std::string switchname;       // "" = "node-<host>"
  std::string db_dsn;           // NetnsPostgres::node_dsn()
  std::string cluster_name = "ha";
  int lease_ttl_ms = 1000;      // cluster-lease-ttl
  int lease_renew_ms = 200;     // cluster-lease-renew
  bool auto_recover = true;     // cluster-auto-recover
  std::string domain = "example.com";  // vars.xml domain (the users' domain)
  bool cluster = true;          // false: no cluster-* params (a plain node, for harness checks)
  std::string sip_ip;           // "" = the VIP (cluster) or the node's address (no cluster)
  int sip_port = 5060;
  int esl_port = 8021;
  ParamList switch_params;      // more switch.conf params (after the cluster ones)
  ParamList profile_params;     // more profile params (after context/ACL)
  std::string profile_extra_xml;  // inside <profile> (e.g. <gateways>)
  std::map<std::string, std::string> files;  // extra conf files (dialplan/default.xml, gateways/...)
  std::vector<std::string> args;              // extra sipedge arguments
};

class ClusterNode {
 public:
  ClusterNode(const ClusterNetwork& network, ClusterNodeOptions options);
  ~ClusterNode();
  ClusterNode(const ClusterNode&) = delete;
  ClusterNode& operator=(const ClusterNode&) = delete;

  // Starts a new generation (after a kill or stop) and waits until its event
  // socket answers; throws std::runtime_error with the log tail.
  void start_and_wait(std::chrono::milliseconds timeout = std::chrono::seconds(20));
  void start();  // without waiting
  bool wait_ready(std::chrono::milliseconds timeout = std::chrono::seconds(20));
  // kill -9; waits for the exit. Returns the steady-clock instant of the kill.
  std::chrono::steady_clock::time_point kill9();
  // SIGTERM; waits up to `timeout` (then SIGKILL). Returns the exit code.
  int terminate(std::chrono::milliseconds timeout = std::chrono::seconds(15));
  bool running();
  pid_t pid() const;

  // `api <command>` on the current generation (one connection).
  std::string api(const std::string& command);
  // `cluster status` parsed (key: value lines); empty when the command fails.
  std::map<std::string, std::string> cluster_status();
  std::string role();  // cluster_status()["role"], "" when unknown
  // Polls `cluster status` every 20 ms until role == `role`.
  bool wait_role(const std::string& role, std::chrono::milliseconds timeout);
  // Polls `cluster status` every 20 ms until `key` has `value`.
  bool wait_status(const std::string& key, const std::string& value, std::chrono::milliseconds timeout);
  // A new event-socket connection to the current generation.
  std::unique_ptr<EslClient> connect_esl();

  std::string log() const;  // all generations, in order
  std::string log_tail(int lines = 60) const;
  // The last `lines` lines of log() without the event socket's per-command
  // lines ("esl: command from"), which the tests' polling multiplies.
  std::string log_tail_quiet(int lines = 80) const;
  const std::string& host() const { return options_.host; }
  const std::string& switchname() const { return options_.switchname; }
  const std::string& address() const { return address_; }
  NodeProcess& process() { return *generations_.back(); }
  int generation() const { return static_cast<int>(generations_.size()); }

 private:
  NodeOptions node_options() const;

  const ClusterNetwork& network_;
  ClusterNodeOptions options_;
  std::string address_;
  std::vector<std::unique_ptr<NodeProcess>> generations_;
};

// CUSTOM events (or any ESL subscription) of a node, waited for by one header
// (Event-Subclass for CUSTOM events); events read past are kept for later
// waits. Each event gets the steady-clock instant it was read (received()).
class NodeEvents {
 public:
  NodeEvents(ClusterNode& node, const std::string& subscription, std::string key_header = "Event-Subclass");
  std::optional<EslFrame> wait(const std::string& key, std::chrono::milliseconds timeout,
                               const std::function<bool(const EslFrame&)>& match = nullptr);
  // The instant the last event returned by wait() was read.
  std::chrono::steady_clock::time_point received() const { return received_; }
  const std::vector<EslFrame>& seen() const { return seen_; }
  static std::string get(const EslFrame& e, const std::string& name);

 private:
  bool is(const EslFrame& e, const std::string& key, const std::function<bool(const EslFrame&)>& match) const;

  std::string key_;
  std::unique_ptr<EslClient> client_;
  std::vector<std::pair<EslFrame, std::chrono::steady_clock::time_point>> pending_;
  std::vector<EslFrame> seen_;
  std::chrono::steady_clock::time_point received_{};
};

// "key: value" lines into a map (keys and values trimmed).
std::map<std::string, std::string> parse_key_values(const std::string& text);
// The first line of `log` containing `needle` (nullopt if none).
std::optional<std::string> find_log_line(const std::string& log, const std::string& needle);
// Milliseconds since the epoch of a spdlog line "[YYYY-mm-dd HH:MM:SS.mmm] ..."
// (local time), nullopt when the line does not start like that.
std::optional<long long> log_line_time_ms(const std::string& line);

}  // namespace sipedge::test::cluster
