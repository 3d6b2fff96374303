#include "tests/support/node_process.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <iostream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "node/esl/esl_client.h"
#include "tests/support/child_process.h"
#include "tests/support/free_port.h"
#include "tests/support/test_env.h"

namespace sipedge::test {
namespace {

void write_params(std::ostringstream& out, const ParamList& params, const char* indent) {
  for (const auto& [name, value] : params)
    out << indent << "<param name=\"" << xml_attr(name) << "\" value=\"" << xml_attr(value) << "\"/>\n";
}

bool current_test_failed() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return info && info->result()->Failed();
}

}  // namespace

std::string xml_attr(const std::string& value) {
  std::string out;
  for (char c : value) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

NodeProcess::NodeProcess(NodeOptions options) : options_(std::move(options)), dir_("sipedge-node") {
  conf_dir_ = dir_.path() + "/conf";
  for (auto& profile : options_.profiles)
    if (profile.port == 0) profile.port = free_port(true);
  if (options_.esl_port == 0) options_.esl_port = free_port(false);
  write_config();
}

NodeProcess::~NodeProcess() {
  esl_.reset();
  if (process_ && current_test_failed())
    std::cerr << "--- " << log_path() << " (last lines) ---\n" << log_tail() << "--- end of node log ---\n";
  process_.reset();  // SIGKILLs the group if still running
}

void NodeProcess::write_config() {
  std::ostringstream vars;
  vars << "<include>\n"
       << "  <X-PRE-PROCESS cmd=\"set\" data=\"local_ip_v4=127.0.0.1\"/>\n"
       << options_.vars_xml << "</include>\n";

  std::ostringstream sw;
  sw << "<configuration name=\"switch.conf\" description=\"Core Configuration\">\n"
     << "  <settings>\n"
     << "    <param name=\"switchname\" value=\"" << xml_attr(options_.switchname) << "\"/>\n"
     << "    <param name=\"core-db-dsn\" value=\"" << xml_attr(options_.db_dsn) << "\"/>\n";
  write_params(sw, options_.switch_params, "    ");
  // Each node is its own active/standby "pair" unless the test names a
  // cluster: nodes of one test sharing a database stay independent (both
  // active). A node restarted with the same switchname rejoins its cluster.
  bool has_cluster = false;
  for (const auto& [k, v] : options_.switch_params) has_cluster = has_cluster || k == "cluster-name";
  if (!has_cluster) sw << "    <param name=\"cluster-name\" value=\"test-" << xml_attr(options_.switchname) << "\"/>\n";
  sw << "  </settings>\n</configuration>\n";

  std::ostringstream sofia;
  sofia << "<configuration name=\"sofia.conf\" description=\"sofia Endpoint\">\n"
        << "  <global_settings>\n"
        << "    <param name=\"log-level\" value=\"0\"/>\n";
  write_params(sofia, options_.sofia_global_params, "    ");
  sofia << "  </global_settings>\n  <profiles>\n";
  for (const auto& p : options_.profiles) {
    sofia << "    <profile name=\"" << xml_attr(p.name) << "\">\n"
          << "      <settings>\n"
          << "        <param name=\"sip-ip\" value=\"" << xml_attr(p.sip_ip) << "\"/>\n"
          << "        <param name=\"sip-port\" value=\"" << p.port << "\"/>\n";
    write_params(sofia, p.params, "        ");
    sofia << "      </settings>\n" << p.extra_xml << "    </profile>\n";
  }
  sofia << "  </profiles>\n</configuration>\n";

  std::ostringstream esl;
  esl << "<configuration name=\"event_socket.conf\" description=\"Socket Client\">\n"
      << "  <settings>\n"
      << "    <param name=\"listen-ip\" value=\"" << xml_attr(options_.esl_listen_ip) << "\"/>\n"
      << "    <param name=\"listen-port\" value=\"" << options_.esl_port << "\"/>\n"
      << "    <param name=\"password\" value=\"" << xml_attr(options_.esl_password) << "\"/>\n";
  write_params(esl, options_.event_socket_params, "    ");
  esl << "  </settings>\n</configuration>\n";

  std::ostringstream acl;
  acl << "<configuration name=\"acl.conf\" description=\"Network Lists\">\n"
      << "  <network-lists>\n"
      << (options_.acl_lists_xml.empty()
              ? "    <list name=\"test-loopback\" default=\"deny\">\n"
                "      <node type=\"allow\" cidr=\"127.0.0.0/8\"/>\n"
                "    </list>\n"
              : options_.acl_lists_xml)
      << "  </network-lists>\n</configuration>\n";

  std::map<std::string, std::string> files = {{"vars.xml", vars.str()},
                                              {"switch.conf.xml", sw.str()},
                                              {"sofia.conf.xml", sofia.str()},
                                              {"event_socket.conf.xml", esl.str()},
                                              {"acl.conf.xml", acl.str()}};
  for (const auto& [name, content] : options_.files) files[name] = content;
  for (const auto& [name, content] : files) write_file(conf_dir_ + "/" + name, content);
}

void NodeProcess::start() {
  if (process_) throw std::logic_error("NodeProcess::start: already started");
  ChildOptions child;
  child.argv = options_.command_prefix;
  child.argv.insert(child.argv.end(), {bin_dir() + "/sipedge", "--conf", conf_dir_});
  child.argv.insert(child.argv.end(), options_.args.begin(), options_.args.end());
  child.output_file = log_path();
  child.env = options_.env;
  bool dsn_given = false;
  for (const auto& [name, value] : options_.env) dsn_given |= name == "SIPEDGE_DB_DSN";
  if (!dsn_given) child.unset_env.push_back("SIPEDGE_DB_DSN");
  process_ = std::make_unique<ChildProcess>(child);
}

bool NodeProcess::wait_ready(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!running()) return false;
    try {
      auto client = connect_esl(std::chrono::milliseconds(1000));
      client->api("status");
      // Until the node holds its cluster's lease it answers 503 (standby).
      if (options_.wait_active) {
        std::string role = client->api("cluster status");
        if (role.find("role: active\n") == std::string::npos) {
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
          continue;
        }
      }
      esl_ = std::move(client);
      return true;
    } catch (const std::exception&) {
      // Not listening yet (or still starting): try again shortly.
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

void NodeProcess::start_and_wait(std::chrono::milliseconds timeout) {
  start();
  if (!wait_ready(timeout)) {
    std::string state = running() ? "still not answering `api status` after " +
                                        std::to_string(timeout.count()) + " ms"
                                  : "exited with code " + std::to_string(process_->exit_code().value_or(-1));
    throw std::runtime_error("sipedge " + state + "; " + log_path() + ":\n" + log_tail());
  }
}

std::string NodeProcess::api(const std::string& command) {
  if (!esl_) esl_ = connect_esl(std::chrono::seconds(5));
  return esl_->api(command);
}

std::unique_ptr<EslClient> NodeProcess::connect_esl(std::chrono::milliseconds timeout) const {
  auto client = std::make_unique<EslClient>();
  auto connect = [&] { client->connect(options_.esl_listen_ip, options_.esl_port, options_.esl_password, timeout); };
  if (options_.esl_connect_wrapper) {
    options_.esl_connect_wrapper(connect);
  } else {
    connect();
  }
  return client;
}

int NodeProcess::stop(std::chrono::milliseconds timeout) {
  if (!process_) throw std::logic_error("NodeProcess::stop: not started");
  int code = process_->terminate(timeout);
  esl_.reset();
  return code;
}

std::optional<int> NodeProcess::wait_exit(std::chrono::milliseconds timeout) {
  if (!process_) throw std::logic_error("NodeProcess::wait_exit: not started");
  return process_->wait_for(timeout);
}

bool NodeProcess::running() { return process_ && !process_->exit_code(); }

int NodeProcess::pid() const { return process_ ? process_->pid() : -1; }

std::string NodeProcess::log() const { return read_file(log_path()); }

std::string NodeProcess::log_tail(int lines) const {
  std::string text = log();
  std::size_t pos = text.size();
  for (int n = 0; n <= lines && pos > 0; ++n) {
    pos = text.rfind('\n', pos - 1);
    if (pos == std::string::npos) return text;
  }
  return text.substr(pos + 1);
}

int NodeProcess::sip_port(const std::string& profile) const {
  for (const auto& p : options_.profiles)
    if (profile.empty() || p.name == profile) return p.port;
  throw std::invalid_argument("NodeProcess::sip_port: no profile " + profile);
}

}  // namespace sipedge::test
