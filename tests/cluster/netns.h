#pragma once
// The network of the HA cluster tests (tests/cluster, bench/failover): Linux
// network namespaces on one Linux bridge, nothing routed from the root
// namespace, nothing leaving to a real network.
//
//   <prefix>br   holds the bridge br0 and one veth end per host (v-<host>)
//   <prefix>pg   PostgreSQL          10.77.N.2
//   <prefix>a    node A              10.77.N.11   (+ the VIP 10.77.N.100 when active)
//   <prefix>b    node B              10.77.N.12
//   <prefix>p1   phones (callers)    10.77.N.21
//   <prefix>p2   phones (callees)    10.77.N.22
//   <prefix>c    upstream carrier    10.77.N.31
//
// prefix = "se<pid>-", N = 1 + pid % 250: two runs never share a namespace
// (the /24 is only ever configured inside the run's own namespaces, so N
// only keeps traces readable). In every host namespace: lo up, eth0 (the
// veth end) up with its /24, IPv6 off (no DAD/RS noise), and in the node
// namespaces net.ipv4.ip_nonlocal_bind=1 (the standby binds the VIP before
// it owns it). Needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN for setns).
//
// Leftovers: the constructor writes the prefix and its namespaces to
// <registry>/<prefix> (env SIPEDGE_CLUSTER_NETNS_REGISTRY, default
// /run/sipedge-cluster-netns); the destructor kills what still runs in the
// namespaces, deletes them and the entry. tests/cluster/netns-cleanup (the
// ctest fixture cluster_netns_cleanup) deletes the namespaces of entries
// whose process is gone, so a crashed or timed-out run leaves nothing behind.
//
// Threads: construct/destroy on one thread. The const members may be called
// from any thread. in_netns()/NetnsWorker run code inside a namespace.
#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/child_process.h"

namespace sipedge::test::cluster {

class ClusterNetwork {
 public:
  // The hosts made by default, in this order (see the top of the file).
  static const std::vector<std::string>& default_hosts();

  // Creates the namespaces, the bridge, the veths and the addresses. Throws
  // std::runtime_error (with the failing command and its output) and deletes
  // what it made so far.
  explicit ClusterNetwork(std::vector<std::string> hosts = default_hosts());
  ~ClusterNetwork();
  ClusterNetwork(const ClusterNetwork&) = delete;
  ClusterNetwork& operator=(const ClusterNetwork&) = delete;

  const std::string& prefix() const { return prefix_; }  // "se1234-"
  int subnet() const { return subnet_; }                  // N of 10.77.N.0/24
  std::string ns(const std::string& host) const;          // "se1234-a"
  std::string address(const std::string& host) const;     // "10.77.N.11"
  std::string vip() const;                                 // "10.77.N.100"
  std::string vip_cidr() const;                            // "10.77.N.100/24"
  std::string cidr() const;                                // "10.77.N.0/24"
  static std::string interface() { return "eth0"; }        // the veth end in each host namespace
  const std::vector<std::string>& hosts() const { return hosts_; }

  // {"/usr/sbin/ip", "netns", "exec", ns(host)}: prefix argv with it to run a
  // program in the host's namespace (ip execs it: the pid stays the program's).
  std::vector<std::string> exec_prefix(const std::string& host) const;
  // Runs argv (argv[0] a full path) in the host's namespace to completion.
  RunResult run(const std::string& host, const std::vector<std::string>& argv,
                std::chrono::milliseconds deadline = std::chrono::seconds(20)) const;
  // run(), throwing std::runtime_error with the output unless it exits 0.
  std::string run_checked(const std::string& host, const std::vector<std::string>& argv) const;
  // Starts options.argv in the host's namespace as a ChildProcess.
  std::unique_ptr<ChildProcess> spawn(const std::string& host, ChildOptions options) const;

  // `ip route add blackhole <address>/32` in the host's namespace: packets
  // from it to that address are dropped (new connections fail, established
  // ones stall). remove_blackhole undoes it.
  void add_blackhole(const std::string& host, const std::string& address) const;
  void remove_blackhole(const std::string& host, const std::string& address) const;
  // IPv4 addresses (without prefix) on eth0 of the host.
  std::vector<std::string> addresses(const std::string& host) const;
  bool has_vip(const std::string& host) const;
  // `ip addr del` of an address/prefix on eth0 of the host (no error if absent).
  void remove_address(const std::string& host, const std::string& cidr) const;
  // Pids of the processes in the host's namespace (`ip netns pids`).
  std::vector<pid_t> pids(const std::string& host) const;

 private:
  void create();
  void destroy() noexcept;

  std::vector<std::string> hosts_;
  std::string prefix_;
  int subnet_ = 0;
  std::vector<std::string> created_;  // namespaces made so far, in order
  std::string registry_entry_;
};

// Full path of a program ("ip" -> /usr/sbin/ip), searched in the usual
// system directories; throws std::runtime_error when not found.
std::string program_path(const std::string& name);

// Makes the calling thread enter the named network namespace
// (/run/netns/<ns>, setns CLONE_NEWNET): sockets it opens from then on live
// there. Throws std::runtime_error.
void enter_netns(const std::string& ns);

// Runs fn on a new thread that entered `ns` and returns its result (or
// rethrows). Sockets made inside stay in `ns` and may be used from any thread
// afterwards. Do not start child processes from fn: the thread ends when fn
// returns, and ChildProcess children die with the thread that forked them
// (PR_SET_PDEATHSIG); use NetnsWorker for those.
template <class F>
auto in_netns(const std::string& ns, F&& fn) -> decltype(fn()) {
  using R = decltype(fn());
  std::packaged_task<R()> task([&] {
    enter_netns(ns);
    return fn();
  });
  std::future<R> result = task.get_future();
  std::thread(std::move(task)).join();
  return result.get();
}

// A thread that lives in one namespace and runs the code given to call(), in
// order, until destroyed: for objects that start child processes and probe
// them from inside (tests/support/kamailio_carrier.h). Children started from
// it live as long as the worker; destroy what owns them first.
class NetnsWorker {
 public:
  explicit NetnsWorker(std::string ns);
  ~NetnsWorker();
  NetnsWorker(const NetnsWorker&) = delete;
  NetnsWorker& operator=(const NetnsWorker&) = delete;

  template <class F>
  auto call(F&& fn) -> decltype(fn()) {
    using R = decltype(fn());
    std::packaged_task<R()> task(std::forward<F>(fn));
    std::future<R> result = task.get_future();
    post([&task] { task(); });
    return result.get();
  }

 private:
  void post(std::function<void()> job);
  void run();

  std::string ns_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool stop_ = false;
  std::exception_ptr start_error_;
  std::promise<void> started_;
  std::thread thread_;
};

// Where runs record their prefix (see the top of the file).
std::string netns_registry_dir();

}  // namespace sipedge::test::cluster
