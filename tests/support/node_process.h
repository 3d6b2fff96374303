#pragma once
// A sipedge node as a child process, for integration tests: writes a
// FreeSWITCH-style conf dir (vars.xml, switch.conf.xml, sofia.conf.xml,
// event_socket.conf.xml, acl.conf.xml) with free 127.0.0.1 ports, runs
// build/bin/sipedge --conf DIR with its output in DIR/node.log, talks to it
// over the event socket. Killed (process group) on destruction; when the
// current test has failed, the tail of node.log is printed first.
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/temp_dir.h"

namespace sipedge {
class EslClient;
}

namespace sipedge::test {

class ChildProcess;

using ParamList = std::vector<std::pair<std::string, std::string>>;

struct ProfileOptions {
  std::string name = "internal";
  std::string sip_ip = "127.0.0.1";  // sip-ip (e.g. a cluster VIP inside a network namespace)
  int port = 0;            // sip-port; 0 = a free port (UDP and TCP)
  ParamList params;        // extra <param>s in <settings>, after sip-ip/sip-port
  std::string extra_xml;   // raw XML inside <profile>, after </settings>
};

struct NodeOptions {
  std::string switchname = "test-node";
  std::string db_dsn;                 // core-db-dsn (e.g. TestDatabase::dsn())
  std::vector<ProfileOptions> profiles{ProfileOptions{}};
  std::string esl_password = "ClueCon";
  int esl_port = 0;                   // 0 = a free port
  ParamList switch_params;            // extra switch.conf <param>s
  ParamList event_socket_params;      // extra event_socket.conf <param>s
  ParamList sofia_global_params;      // extra sofia.conf <global_settings> params
  std::string acl_lists_xml;          // <list> elements for acl.conf.xml (default: one list "test-loopback")
  std::string vars_xml;               // extra lines inside vars.xml's <include>
  // Conf files written verbatim (path relative to the conf dir), replacing the
  // generated one of the same name: for malformed-config tests.
  std::map<std::string, std::string> files;
  std::vector<std::string> args;      // extra command-line arguments
  // wait_ready() also waits until `cluster status` says role: active (false:
  // a node expected to stay standby). switch_params without cluster-name get
  // cluster-name "test-<switchname>".
  bool wait_active = true;
  ParamList env;                      // extra environment (SIPEDGE_DB_DSN is unset unless given here)
  // Network namespaces (tests/cluster): the node runs as command_prefix +
  // [sipedge --conf ...], e.g. {"/usr/sbin/ip", "netns", "exec", "NS"} (ip
  // execs it, so pid() stays the node's). The event socket listens on
  // esl_listen_ip, where the client connects; esl_connect_wrapper, when set,
  // runs each connect (e.g. on a thread inside the namespace, see
  // tests/cluster/netns.h in_netns): the socket then works from any thread.
  std::vector<std::string> command_prefix;
  std::string esl_listen_ip = "127.0.0.1";
  std::function<void(const std::function<void()>&)> esl_connect_wrapper;
};

class NodeProcess {
 public:
  // Picks ports and writes the conf dir; does not start anything.
  explicit NodeProcess(NodeOptions options);
  ~NodeProcess();
  NodeProcess(const NodeProcess&) = delete;
  NodeProcess& operator=(const NodeProcess&) = delete;

  // Starts build/bin/sipedge --conf conf_dir() [args]. Throws if it cannot exec.
  void start();
  // Until `api status` answers on the event socket; false if the process
  // exited or the timeout passed (see log()).
  bool wait_ready(std::chrono::milliseconds timeout = std::chrono::seconds(15));
  // start() + wait_ready(); throws std::runtime_error with the log tail on failure.
  void start_and_wait(std::chrono::milliseconds timeout = std::chrono::seconds(15));

  // `api <command>` over the event socket (one connection, opened on demand).
  std::string api(const std::string& command);
  // A new authenticated event-socket connection (esl_listen_ip, through
  // esl_connect_wrapper when set), e.g. for an event subscription. Throws.
  std::unique_ptr<EslClient> connect_esl(std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;
  // SIGTERM, then waits; returns the exit code (128+signal if it died of one;
  // 137 if it had to be killed after `timeout`).
  int stop(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Waits for the process to exit on its own (bad config); nullopt on timeout.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  bool running();
  int pid() const;

  std::string log() const;                 // node.log so far (stdout+stderr)
  std::string log_tail(int lines = 60) const;
  const std::string& conf_dir() const { return conf_dir_; }
  std::string log_path() const { return dir_.path() + "/node.log"; }
  const NodeOptions& options() const { return options_; }
  int sip_port(const std::string& profile = "") const;  // "" = the first profile
  int esl_port() const { return options_.esl_port; }
  const std::string& esl_password() const { return options_.esl_password; }

 private:
  void write_config();

  NodeOptions options_;
  TempDir dir_;
  std::string conf_dir_;
  std::unique_ptr<ChildProcess> process_;
  std::unique_ptr<EslClient> esl_;
};

// Escapes a value for an XML attribute.
std::string xml_attr(const std::string& value);

}  // namespace sipedge::test
