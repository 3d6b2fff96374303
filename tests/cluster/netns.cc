#include "tests/cluster/netns.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <stdexcept>

#include "tests/support/temp_dir.h"

namespace sipedge::test::cluster {
namespace {

const std::map<std::string, int>& host_numbers() {
  static const std::map<std::string, int> numbers = {{"pg", 2},  {"a", 11},  {"b", 12}, {"p1", 21},
                                                      {"p2", 22}, {"c", 31}};
  return numbers;
}

std::string join(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) out += (out.empty() ? "" : " ") + a;
  return out;
}

std::string ip() {
  static const std::string path = program_path("ip");
  return path;
}

// Runs a command in the root namespace (only `ip` itself, to manage the
// namespaces; nothing is configured in the root namespace).
RunResult run_root(const std::vector<std::string>& argv) {
  ChildOptions child;
  child.argv = argv;
  return run_program(child, std::chrono::seconds(20));
}

std::string run_root_checked(const std::vector<std::string>& argv) {
  RunResult r = run_root(argv);
  if (r.exit_code != 0)
    throw std::runtime_error("`" + join(argv) + "` exited " + std::to_string(r.exit_code) + ": " + r.output);
  return r.output;
}

}  // namespace

const std::vector<std::string>& ClusterNetwork::default_hosts() {
  static const std::vector<std::string> hosts = {"pg", "a", "b", "p1", "p2", "c"};
  return hosts;
}

std::string program_path(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  for (const char* dir : {"/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/sbin", "/usr/local/bin"}) {
    std::string path = std::string(dir) + "/" + name;
    if (::access(path.c_str(), X_OK) == 0) return path;
  }
  throw std::runtime_error("program not found: " + name);
}

std::string netns_registry_dir() {
  const char* dir = std::getenv("SIPEDGE_CLUSTER_NETNS_REGISTRY");
  return dir && *dir ? dir : "/run/sipedge-cluster-netns";
}

void enter_netns(const std::string& ns) {
  std::string path = "/run/netns/" + ns;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
  int rc = ::setns(fd, CLONE_NEWNET);
  int err = errno;
  ::close(fd);
  if (rc != 0) throw std::runtime_error("setns(" + path + "): " + std::strerror(err));
}

ClusterNetwork::ClusterNetwork(std::vector<std::string> hosts) : hosts_(std::move(hosts)) {
  const pid_t pid = ::getpid();
  prefix_ = "se" + std::to_string(pid) + "-";
  subnet_ = 1 + static_cast<int>(pid % 250);
  try {
    create();
  } catch (...) {
    destroy();
    throw;
  }
}

ClusterNetwork::~ClusterNetwork() { destroy(); }

std::string ClusterNetwork::ns(const std::string& host) const { return prefix_ + host; }

std::string ClusterNetwork::address(const std::string& host) const {
  int n = 0;
  auto it = host_numbers().find(host);
  if (it != host_numbers().end()) {
    n = it->second;
  } else {
    for (std::size_t i = 0; i < hosts_.size(); ++i)
      if (hosts_[i] == host) n = 40 + static_cast<int>(i);
  }
  if (n == 0) throw std::invalid_argument("ClusterNetwork: no host " + host);
  return "10.77." + std::to_string(subnet_) + "." + std::to_string(n);
}

std::string ClusterNetwork::vip() const { return "10.77." + std::to_string(subnet_) + ".100"; }
std::string ClusterNetwork::vip_cidr() const { return vip() + "/24"; }
std::string ClusterNetwork::cidr() const { return "10.77." + std::to_string(subnet_) + ".0/24"; }

std::vector<std::string> ClusterNetwork::exec_prefix(const std::string& host) const {
  return {ip(), "netns", "exec", ns(host)};
}

RunResult ClusterNetwork::run(const std::string& host, const std::vector<std::string>& argv,
                              std::chrono::milliseconds deadline) const {
  ChildOptions child;
  child.argv = exec_prefix(host);
  child.argv.insert(child.argv.end(), argv.begin(), argv.end());
  return run_program(child, deadline);
}

std::string ClusterNetwork::run_checked(const std::string& host, const std::vector<std::string>& argv) const {
  RunResult r = run(host, argv);
  if (r.exit_code != 0)
    throw std::runtime_error("`ip netns exec " + ns(host) + " " + join(argv) + "` exited " +
                             std::to_string(r.exit_code) + ": " + r.output);
  return r.output;
}

std::unique_ptr<ChildProcess> ClusterNetwork::spawn(const std::string& host, ChildOptions options) const {
  std::vector<std::string> argv = exec_prefix(host);
  argv.insert(argv.end(), options.argv.begin(), options.argv.end());
  options.argv = std::move(argv);
  return std::make_unique<ChildProcess>(options);
}

void ClusterNetwork::create() {
  // Registered before anything exists, so even a crash half-way is cleaned.
  std::filesystem::create_directories(netns_registry_dir());
  registry_entry_ = netns_registry_dir() + "/" + prefix_.substr(0, prefix_.size() - 1);
  {
    std::string content;
    content += "pid " + std::to_string(::getpid()) + "\n";
    content += "ns " + ns("br") + "\n";
    for (const auto& h : hosts_) content += "ns " + ns(h) + "\n";
    write_file(registry_entry_, content);
  }
  const std::string br = ns("br");
  run_root_checked({ip(), "netns", "add", br});
  created_.push_back(br);
  run_root_checked({ip(), "-n", br, "link", "set", "lo", "up"});
  run_root_checked({ip(), "-n", br, "link", "add", "br0", "type", "bridge", "stp_state", "0", "forward_delay", "0"});
  run_root_checked({ip(), "-n", br, "link", "set", "br0", "up"});
  for (const auto& h : hosts_) {
    const std::string n = ns(h);
    run_root_checked({ip(), "netns", "add", n});
    created_.push_back(n);
    run_root_checked({ip(), "-n", n, "link", "set", "lo", "up"});
    run_root_checked({ip(), "-n", br, "link", "add", "v-" + h, "type", "veth", "peer", "name", interface(), "netns", n});
    run_root_checked({ip(), "-n", br, "link", "set", "v-" + h, "master", "br0", "up"});
    run_checked(h, {program_path("sysctl"), "-qw", "net.ipv6.conf.all.disable_ipv6=1",
                    "net.ipv6.conf.default.disable_ipv6=1", "net.ipv4.ip_nonlocal_bind=1"});
    run_root_checked({ip(), "-n", n, "addr", "add", address(h) + "/24", "dev", interface()});
    run_root_checked({ip(), "-n", n, "link", "set", interface(), "up"});
  }
}

void ClusterNetwork::destroy() noexcept {
  // Processes still running in a namespace keep it alive: end them first
  // (they are this run's: nothing else runs in these namespaces).
  for (auto it = created_.rbegin(); it != created_.rend(); ++it) {
    try {
      RunResult r = run_root({ip(), "netns", "pids", *it});
      std::istringstream in(r.output);
      pid_t pid;
      while (in >> pid)
        if (pid > 1 && pid != ::getpid()) ::kill(pid, SIGKILL);
    } catch (...) {
    }
  }
  for (auto it = created_.rbegin(); it != created_.rend(); ++it) {
    try {
      RunResult r = run_root({ip(), "netns", "del", *it});
      if (r.exit_code != 0) std::cerr << "ClusterNetwork: ip netns del " << *it << ": " << r.output;
    } catch (const std::exception& e) {
      std::cerr << "ClusterNetwork: ip netns del " << *it << ": " << e.what() << "\n";
    }
  }
  created_.clear();
  if (!registry_entry_.empty()) {
    std::error_code ec;
    std::filesystem::remove(registry_entry_, ec);
    registry_entry_.clear();
  }
}

void ClusterNetwork::add_blackhole(const std::string& host, const std::string& address) const {
  run_root_checked({ip(), "-n", ns(host), "route", "add", "blackhole", address + "/32"});
}

void ClusterNetwork::remove_blackhole(const std::string& host, const std::string& address) const {
  run_root_checked({ip(), "-n", ns(host), "route", "del", "blackhole", address + "/32"});
}

std::vector<std::string> ClusterNetwork::addresses(const std::string& host) const {
  std::string out = run_root_checked({ip(), "-n", ns(host), "-o", "-4", "addr", "show", "dev", interface()});
  std::vector<std::string> result;
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string w;
    while (words >> w) {
      if (w == "inet" && (words >> w)) {
        result.push_back(w.substr(0, w.find('/')));
        break;
      }
    }
  }
  return result;
}

bool ClusterNetwork::has_vip(const std::string& host) const {
  for (const auto& a : addresses(host))
    if (a == vip()) return true;
  return false;
}

void ClusterNetwork::remove_address(const std::string& host, const std::string& cidr) const {
  run_root({ip(), "-n", ns(host), "addr", "del", cidr, "dev", interface()});
}

std::vector<pid_t> ClusterNetwork::pids(const std::string& host) const {
  RunResult r = run_root({ip(), "netns", "pids", ns(host)});
  std::vector<pid_t> out;
  std::istringstream in(r.output);
  pid_t pid;
  while (in >> pid) out.push_back(pid);
  return out;
}

// ------------------------------------------------------------- NetnsWorker

NetnsWorker::NetnsWorker(std::string ns) : ns_(std::move(ns)) {
  std::future<void> started = started_.get_future();
  thread_ = std::thread([this] { run(); });
  try {
    started.get();
  } catch (...) {
    thread_.join();
    throw;
  }
}

NetnsWorker::~NetnsWorker() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void NetnsWorker::post(std::function<void()> job) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    jobs_.push_back(std::move(job));
  }
  cv_.notify_all();
}

void NetnsWorker::run() {
  try {
    enter_netns(ns_);
  } catch (...) {
    started_.set_exception(std::current_exception());
    return;
  }
  started_.set_value();
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      cv_.wait(lock, [this] { return stop_ || !jobs_.empty(); });
      if (jobs_.empty()) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job();  // a packaged_task: exceptions go to its future
  }
}

}  // namespace sipedge::test::cluster
