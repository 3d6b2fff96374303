#include "tests/cluster/netns_sipp.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/cluster/netns.h"
#include "tests/support/test_env.h"

namespace sipedge::test::cluster {
namespace {

// True once something is bound to UDP port `port` in namespace `ns`
// (/proc/thread-self/net/udp read from a thread inside it shows that namespace).
bool udp_bound_in(const std::string& ns, int port) {
  return in_netns(ns, [port] {
    char needle[16];
    std::snprintf(needle, sizeof needle, ":%04X ", port);
    std::ifstream in("/proc/thread-self/net/udp");
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string sl, local;
      fields >> sl >> local;
      if ((local + " ").find(needle) != std::string::npos) return true;
    }
    return false;
  });
}

}  // namespace

NetnsSipp::NetnsSipp(const ClusterNetwork& network, NetnsSippOptions options)
    : network_(network), options_(std::move(options)), dir_("cluster-sipp") {
  const char* sipp_env = std::getenv("SIPEDGE_SIPP");
  std::string sipp = sipp_env && *sipp_env ? sipp_env : "/usr/bin/sipp";
  const std::string ip = network.address(options_.host);
  ChildOptions child;
  if (!options_.remote_ip.empty()) child.argv.push_back(options_.remote_ip + ":" + std::to_string(options_.remote_port));
  child.argv.insert(child.argv.begin(), sipp);
  child.argv.insert(child.argv.end(),
                    {"-sf", sipp_scenario(options_.scenario), "-m", std::to_string(options_.calls), "-r",
                     std::to_string(options_.rate), "-t", "u1", "-i", ip, "-p", std::to_string(options_.local_port),
                     "-mi", ip, "-mp", std::to_string(options_.media_port), "-timeout",
                     std::to_string(options_.timeout.count()) + "s", "-timeout_error", "-nostdin", "-trace_err",
                     "-error_file", dir_.path() + "/errors.log", "-trace_msg", "-message_file",
                     dir_.path() + "/messages.log", "-trace_stat", "-stf", dir_.path() + "/stat.csv"});
  if (options_.limit > 0) child.argv.insert(child.argv.end(), {"-l", std::to_string(options_.limit)});
  for (const auto& [k, v] : options_.keys) child.argv.insert(child.argv.end(), {"-key", k, v});
  child.argv.insert(child.argv.end(), options_.extra_args.begin(), options_.extra_args.end());
  child.output_file = dir_.path() + "/output.log";
  child.working_dir = dir_.path();
  command_ = "ip netns exec " + network.ns(options_.host);
  for (const auto& a : child.argv) command_ += " " + a;
  process_ = network.spawn(options_.host, child);
}

NetnsSipp::~NetnsSipp() = default;  // ChildProcess kills the group

bool NetnsSipp::running() { return process_ && !process_->exit_code(); }

bool NetnsSipp::wait_listening(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const std::string ns = network_.ns(options_.host);
  while (std::chrono::steady_clock::now() < deadline) {
    if (!running()) return false;
    if (udp_bound_in(ns, options_.local_port)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

SippResult NetnsSipp::wait() {
  SippResult result;
  result.command = command_;
  auto code = process_->wait_for(std::chrono::seconds(options_.timeout.count() + 15));
  if (!code) {
    result.timed_out = true;
    process_->kill_group();
    code = process_->wait_for(std::chrono::seconds(10));
  }
  result.exit_code = code.value_or(-1);
  result.output = read_file(dir_.path() + "/output.log");
  result.messages = read_file(dir_.path() + "/messages.log");
  result.errors = read_file(dir_.path() + "/errors.log");
  return result;
}

}  // namespace sipedge::test::cluster
