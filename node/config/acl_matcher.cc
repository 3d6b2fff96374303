#include "node/config/acl_matcher.h"

#include <initializer_list>

#include "node/config/local_networks.h"

namespace sipedge {
namespace {

// RFC 1918 private IPv4 space; RFC 6598 carrier-grade NAT space.
constexpr std::initializer_list<const char*> kRfc1918 = {"10.0.0.0/8", "172.16.0.0/12",
                                                         "192.168.0.0/16"};
constexpr const char* kRfc6598 = "100.64.0.0/10";
// Addresses that are never on the WAN side: private, CGNAT, link-local,
// "this network", and (beyond FreeSWITCH's wan lists) loopback.
constexpr std::initializer_list<const char*> kNotWanV4 = {
    "0.0.0.0/8",   "10.0.0.0/8",     "172.16.0.0/12", "192.168.0.0/16",
    "169.254.0.0/16", "100.64.0.0/10", "127.0.0.0/8"};
constexpr std::initializer_list<const char*> kNotWanV6 = {"fe80::/10", "::1/128"};

constexpr std::initializer_list<const char*> kBuiltinNames = {
    "rfc1918.auto", "rfc6598.auto", "nat.auto",    "localnet.auto", "loopback.auto",
    "any_v4.auto",  "any_v6.auto",  "wan.auto",    "wan_v4.auto",   "wan_v6.auto"};

}  // namespace

bool AclMatcher::is_builtin(const std::string& name) {
  for (const char* builtin : kBuiltinNames) {
    if (name == builtin) return true;
  }
  return false;
}

AclMatcher::AclMatcher(const AclConfig& config) {
  auto add = [](List& list, const char* cidr, bool allow) {
    list.rules.push_back(Rule{*IpNetwork::parse(cidr), allow});
  };
  auto make = [](bool default_allow) {
    List list;
    list.default_allow = default_allow;
    return list;
  };

  // Built-ins as switch_core.c switch_load_network_lists creates them.
  List rfc1918 = make(false);
  for (const char* cidr : kRfc1918) add(rfc1918, cidr, true);
  add(rfc1918, "fe80::/10", true);
  lists_["rfc1918.auto"] = rfc1918;

  List rfc6598 = make(false);
  add(rfc6598, kRfc6598, true);
  lists_["rfc6598.auto"] = rfc6598;

  List loopback = make(false);
  add(loopback, "127.0.0.0/8", true);
  add(loopback, "::1/128", true);
  lists_["loopback.auto"] = loopback;

  List any_v4 = make(false);
  add(any_v4, "0.0.0.0/0", true);
  lists_["any_v4.auto"] = any_v4;

  List any_v6 = make(false);
  add(any_v6, "::/0", true);
  lists_["any_v6.auto"] = any_v6;

  List wan = make(true);
  for (const char* cidr : kNotWanV4) add(wan, cidr, false);
  for (const char* cidr : kNotWanV6) add(wan, cidr, false);
  List wan_v4 = wan;
  add(wan_v4, "::/0", false);
  List wan_v6 = make(true);
  add(wan_v6, "0.0.0.0/0", false);
  for (const char* cidr : kNotWanV6) add(wan_v6, cidr, false);
  lists_["wan.auto"] = wan;
  lists_["wan_v4.auto"] = wan_v4;
  lists_["wan_v6.auto"] = wan_v6;

  // localnet.auto: the networks of this host's (non-loopback) interfaces.
  // nat.auto: private space that is not one of our own networks, i.e. clients
  // behind a NAT. A local net is at least as long as the private block that
  // holds it, so its deny rule wins the longest-prefix match.
  List localnet = make(false);
  List nat = make(false);
  for (const char* cidr : kRfc1918) add(nat, cidr, true);
  add(nat, kRfc6598, true);
  for (const auto& local : local_interface_addresses()) {
    if (local.loopback) continue;
    localnet.rules.push_back(Rule{local.network, true});
    nat.rules.push_back(Rule{local.network, false});
  }
  lists_["localnet.auto"] = localnet;
  lists_["nat.auto"] = nat;

  for (const AclList& configured : config.lists) {
    List list = make(configured.default_allow);
    for (const AclNode& node : configured.nodes) {
      // The config reader already rejected bad CIDRs; skip defensively if a
      // caller built an AclConfig by hand with one.
      if (auto network = IpNetwork::parse(node.cidr)) list.rules.push_back(Rule{*network, node.allow});
    }
    lists_[configured.name] = std::move(list);
  }
}

bool AclMatcher::bare_networks(const std::string& name, List& out) {
  // FreeSWITCH accepts an address or CIDR (or a comma list of them) where a
  // list name is expected; it allows exactly those nets.
  auto networks = parse_network_list(name);
  if (!networks) return false;
  out = List{};
  for (const IpNetwork& network : *networks) out.rules.push_back(Rule{network, true});
  return true;
}

bool AclMatcher::has_list(const std::string& name) const {
  if (lists_.count(name) != 0) return true;
  List ignored;
  return bare_networks(name, ignored);
}

bool AclMatcher::allows(const std::string& list, const std::string& ip) const {
  auto address = IpAddress::parse(ip);
  if (!address) return false;
  if (auto found = lists_.find(list); found != lists_.end()) return matches(found->second, *address);
  List bare;
  if (bare_networks(list, bare)) return matches(bare, *address);
  return false;
}

bool AclMatcher::matches(const List& list, const IpAddress& address) {
  bool allow = list.default_allow;
  int best_prefix = -1;
  for (const Rule& rule : list.rules) {
    // switch_network_list_validate_ip_token: `node->bits >= bits`, so a later
    // node of equal length overrides an earlier one.
    if (rule.network.prefix >= best_prefix && rule.network.contains(address)) {
      allow = rule.allow;
      best_prefix = rule.network.prefix;
    }
  }
  return allow;
}

}  // namespace sipedge
