#include "tests/cluster/cluster_node.h"

#include <signal.h>

#include <cstdio>
#include <ctime>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "tests/cluster/netns.h"

namespace sipedge::test::cluster {
namespace {

std::string trim(const std::string& s) {
  std::size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  std::size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

}  // namespace

std::map<std::string, std::string> parse_key_values(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    out[trim(line.substr(0, colon))] = trim(line.substr(colon + 1));
  }
  return out;
}

std::optional<std::string> find_log_line(const std::string& log, const std::string& needle) {
  std::size_t p = log.find(needle);
  if (p == std::string::npos) return std::nullopt;
  std::size_t b = log.rfind('\n', p);
  b = b == std::string::npos ? 0 : b + 1;
  std::size_t e = log.find('\n', p);
  return log.substr(b, e == std::string::npos ? std::string::npos : e - b);
}

std::optional<long long> log_line_time_ms(const std::string& line) {
  // [2025-01-31 12:34:56.789]
  int y, mo, d, h, mi, s, ms;
  if (std::sscanf(line.c_str(), "[%d-%d-%d %d:%d:%d.%d]", &y, &mo, &d, &h, &mi, &s, &ms) != 7) return std::nullopt;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  tm.tm_isdst = -1;
  std::time_t t = std::mktime(&tm);
  return static_cast<long long>(t) * 1000 + ms;
}

// ------------------------------------------------------------- ClusterNode

ClusterNode::ClusterNode(const ClusterNetwork& network, ClusterNodeOptions options)
    : network_(network), options_(std::move(options)), address_(network.address(options_.host)) {
  if (options_.switchname.empty()) options_.switchname = "node-" + options_.host;
}

ClusterNode::~ClusterNode() = default;

NodeOptions ClusterNode::node_options() const {
  NodeOptions o;
  o.switchname = options_.switchname;
  o.db_dsn = options_.db_dsn;
  o.command_prefix = network_.exec_prefix(options_.host);
  o.wait_active = false;  // ready = the event socket answers; roles are the tests' business
  o.esl_port = options_.esl_port;
  o.esl_listen_ip = address_;
  const std::string ns = network_.ns(options_.host);
  o.esl_connect_wrapper = [ns](const std::function<void()>& connect) { in_netns(ns, connect); };
  o.vars_xml = "  <X-PRE-PROCESS cmd=\"set\" data=\"local_ip_v4=" + address_ + "\"/>\n"
               "  <X-PRE-PROCESS cmd=\"set\" data=\"domain=" + options_.domain + "\"/>\n";
  if (options_.cluster)
    o.switch_params = {{"cluster-name", options_.cluster_name},
                       {"cluster-lease-ttl", std::to_string(options_.lease_ttl_ms)},
                       {"cluster-lease-renew", std::to_string(options_.lease_renew_ms)},
                       {"cluster-vip", network_.vip_cidr()},
                       {"cluster-vip-interface", ClusterNetwork::interface()},
                       {"cluster-auto-recover", options_.auto_recover ? "true" : "false"}};
  o.switch_params.insert(o.switch_params.end(), options_.switch_params.begin(), options_.switch_params.end());
  o.acl_lists_xml = "    <list name=\"cluster-net\" default=\"deny\">\n"
                    "      <node type=\"allow\" cidr=\"" + network_.cidr() + "\"/>\n"
                    "    </list>\n";
  ProfileOptions p;
  p.name = "internal";
  p.sip_ip = !options_.sip_ip.empty() ? options_.sip_ip : options_.cluster ? network_.vip() : address_;
  p.port = options_.sip_port;
  p.params = {{"context", "default"}, {"apply-register-acl", "cluster-net"}};
  p.params.insert(p.params.end(), options_.profile_params.begin(), options_.profile_params.end());
  p.extra_xml = options_.profile_extra_xml;
  o.profiles = {p};
  o.files = options_.files;
  o.args = options_.args;
  return o;
}

void ClusterNode::start() {
  if (!generations_.empty() && generations_.back()->running())
    throw std::logic_error("ClusterNode::start: " + options_.switchname + " is running");
  generations_.push_back(std::make_unique<NodeProcess>(node_options()));
  generations_.back()->start();
}

bool ClusterNode::wait_ready(std::chrono::milliseconds timeout) { return process().wait_ready(timeout); }

void ClusterNode::start_and_wait(std::chrono::milliseconds timeout) {
  start();
  if (!wait_ready(timeout)) {
    auto code = process().wait_exit(std::chrono::milliseconds(0));
    std::string state = code ? "exited with code " + std::to_string(*code) + (*code == 139 ? " (SIGSEGV)" : "")
                             : "did not answer on its event socket within " + std::to_string(timeout.count()) + " ms";
    throw std::runtime_error(options_.switchname + " " + state + "; log:\n" + log_tail());
  }
}

std::chrono::steady_clock::time_point ClusterNode::kill9() {
  auto when = std::chrono::steady_clock::now();
  ::kill(process().pid(), SIGKILL);
  if (!process().wait_exit(std::chrono::seconds(10)))
    throw std::runtime_error(options_.switchname + " did not die of SIGKILL");
  return when;
}

int ClusterNode::terminate(std::chrono::milliseconds timeout) { return process().stop(timeout); }

bool ClusterNode::running() { return !generations_.empty() && process().running(); }

pid_t ClusterNode::pid() const { return generations_.empty() ? -1 : generations_.back()->pid(); }

std::string ClusterNode::api(const std::string& command) { return process().api(command); }

std::map<std::string, std::string> ClusterNode::cluster_status() {
  try {
    std::string reply = api("cluster status");
    if (reply.rfind("-ERR", 0) == 0) return {};
    return parse_key_values(reply);
  } catch (const std::exception&) {
    return {};
  }
}

std::string ClusterNode::role() {
  auto s = cluster_status();
  auto it = s.find("role");
  return it == s.end() ? "" : it->second;
}

bool ClusterNode::wait_role(const std::string& wanted, std::chrono::milliseconds timeout) {
  return wait_status("role", wanted, timeout);
}

bool ClusterNode::wait_status(const std::string& key, const std::string& value, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (cluster_status()[key] == value) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::unique_ptr<EslClient> ClusterNode::connect_esl() { return process().connect_esl(); }

std::string ClusterNode::log() const {
  std::string out;
  for (std::size_t i = 0; i < generations_.size(); ++i) {
    if (generations_.size() > 1) out += "=== " + options_.switchname + " generation " + std::to_string(i + 1) + " ===\n";
    out += generations_[i]->log();
  }
  return out;
}

std::string ClusterNode::log_tail(int lines) const {
  std::string text = log();
  std::size_t pos = text.size();
  for (int n = 0; n <= lines && pos > 0; ++n) {
    pos = text.rfind('\n', pos - 1);
    if (pos == std::string::npos) return text;
  }
  return text.substr(pos + 1);
}

std::string ClusterNode::log_tail_quiet(int lines) const {
  std::vector<std::string> kept;
  std::istringstream in(log());
  std::string line;
  while (std::getline(in, line))
    if (line.find("esl: command from") == std::string::npos) kept.push_back(line);
  std::string out;
  for (std::size_t i = kept.size() > static_cast<std::size_t>(lines) ? kept.size() - lines : 0; i < kept.size(); ++i)
    out += kept[i] + "\n";
  return out;
}

// -------------------------------------------------------------- NodeEvents

NodeEvents::NodeEvents(ClusterNode& node, const std::string& subscription, std::string key_header)
    : key_(std::move(key_header)), client_(node.connect_esl()) {
  EslFrame reply = client_->command("event plain " + subscription);
  const std::string* text = reply.header("Reply-Text");
  if (!text || text->rfind("+OK", 0) != 0)
    throw std::runtime_error("event subscription `" + subscription + "` refused: " + (text ? *text : "no reply"));
}

std::string NodeEvents::get(const EslFrame& e, const std::string& name) {
  const std::string* v = e.header(name);
  return v ? *v : "<absent>";
}

bool NodeEvents::is(const EslFrame& e, const std::string& key,
                    const std::function<bool(const EslFrame&)>& match) const {
  const std::string* v = e.header(key_);
  return v && *v == key && (!match || match(e));
}

std::optional<EslFrame> NodeEvents::wait(const std::string& key, std::chrono::milliseconds timeout,
                                         const std::function<bool(const EslFrame&)>& match) {
  for (std::size_t i = 0; i < pending_.size(); ++i) {
    if (is(pending_[i].first, key, match)) {
      EslFrame e = pending_[i].first;
      received_ = pending_[i].second;
      pending_.erase(pending_.begin() + static_cast<long>(i));
      return e;
    }
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    std::optional<EslFrame> frame;
    try {
      frame = client_->next_event(std::max(left, std::chrono::milliseconds(1)));
    } catch (const std::exception&) {
      return std::nullopt;  // the node died: the connection is gone
    }
    if (!frame) return std::nullopt;
    auto now = std::chrono::steady_clock::now();
    EslFrame e = EslClient::parse_plain_event(frame->body);
    seen_.push_back(e);
    if (is(e, key, match)) {
      received_ = now;
      return e;
    }
    pending_.emplace_back(e, now);
  }
  return std::nullopt;
}

}  // namespace sipedge::test::cluster
