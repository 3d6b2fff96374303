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
// The built-in hook's gratuitous ARP (`arping -U -c 2 -I IF ADDR`, when
// installed), run after the node accepts requests: it takes about a second.
HookResult announce_vip(const ClusterSettings& settings);
HookResult run_release_hook(const ClusterSettings& settings);

// Runs argv (argv[0] looked up in PATH) and waits up to `timeout`; exit status
// 0 = ok. Output goes to the node's stderr (its log).
HookResult run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout);

// Sets net.ipv4.ip_nonlocal_bind (and the IPv6 one) in this network namespace
// so profiles can bind the VIP before this node holds it. "" or the error.
std::string allow_nonlocal_bind();

}  // namespace sipedge
