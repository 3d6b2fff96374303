#pragma once
// The takeover and release hooks of an active/standby pair: put the virtual
// IP on this node's interface when it becomes active, take it off when it
// stops being active. Either the configured commands (cluster-takeover-command
// / cluster-release-command, run by /bin/sh with the VIP and the interface as
// $1 and $2; a command that does not mention $1/$2, such as a script path,
// gets them appended as its two arguments), or the built-in ones: `ip addr replace VIP dev IF` then a
// gratuitous ARP (`arping -U -c 1 -I IF ADDR`, Debian iputils-arping, when
// installed) / `ip addr del VIP dev IF`.
//
// Blocking (fork/exec and wait, bounded by a timeout): call from a thread
// that may wait, never the SIP thread.
#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "node/config/cluster_settings.h"

namespace sipedge {

struct HookResult {
  bool ok = true;
  std::string detail;  // what ran and how it ended, for the log
};

HookResult run_takeover_hook(const ClusterSettings& settings);
// The built-in hook's gratuitous ARP (`arping -U -c 1 -I IF ADDR`, when
// installed), started after the node accepts requests and not waited for:
// returns its pid (-1 when there is nothing to announce); end it with
// stop_command() before the next hook (a demoted node must not announce).
pid_t announce_vip(const ClusterSettings& settings);
pid_t spawn_command(const std::vector<std::string>& argv);
void stop_command(pid_t& pid);  // SIGKILL and reap; null-safe (pid <= 0)
HookResult run_release_hook(const ClusterSettings& settings);

// Runs argv (argv[0] looked up in PATH) and waits up to `timeout`; exit status
// 0 = ok. Output goes to the node's stderr (its log).
HookResult run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout);

// Sets net.ipv4.ip_nonlocal_bind (and the IPv6 one) in this network namespace
// so profiles can bind the VIP before this node holds it. "" or the error.
std::string allow_nonlocal_bind();

}  // namespace sipedge
