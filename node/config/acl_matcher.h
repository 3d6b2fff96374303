#pragma once
// Decides whether an address passes a named ACL, as FreeSWITCH's
// switch_network_list does: among the nodes of the address's family that
// contain it, the longest prefix wins (on equal length, the later node);
// no matching node means the list's default.
//
// Names resolve to, in order: a list from acl.conf.xml; a built-in list
// (rfc1918.auto, rfc6598.auto, nat.auto, localnet.auto, loopback.auto,
// any_v4.auto, any_v6.auto, wan.auto, wan_v4.auto, wan_v6.auto); or a bare
// address / CIDR (comma-separated allowed), which allows just those nets.
//
// Immutable after construction; safe to share between threads.
#include <map>
#include <string>
#include <vector>

#include "node/config/ip_network.h"
#include "node/config/node_config.h"

namespace sipedge {

class AclMatcher {
 public:
  // Reads the host's interfaces (getifaddrs) once, for localnet.auto and nat.auto.
  explicit AclMatcher(const AclConfig& config);

  bool has_list(const std::string& name) const;
  // false for an unknown list or an unparsable address.
  bool allows(const std::string& list, const std::string& ip) const;

  static bool is_builtin(const std::string& name);

 private:
  struct Rule {
    IpNetwork network;
    bool allow = false;
  };
  struct List {
    bool default_allow = false;
    std::vector<Rule> rules;
  };

  static bool matches(const List& list, const IpAddress& address);
  static bool bare_networks(const std::string& name, List& out);

  std::map<std::string, List> lists_;
};

}  // namespace sipedge
