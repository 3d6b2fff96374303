#pragma once
// IPv4/IPv6 addresses and networks (CIDR) for ACLs, parsed with inet_pton.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sipedge {

struct IpAddress {
  int family = 0;  // 4 or 6 (0 = not set)
  std::array<std::uint8_t, 16> bytes{};  // network order; IPv4 uses the first 4

  // Accepts "192.0.2.1", "2001:db8::1", "[2001:db8::1]", "fe80::1%eth0" (zone dropped).
  // IPv4-mapped IPv6 ("::ffff:192.0.2.1") is returned as IPv4, so ACLs written
  // with IPv4 CIDRs match clients on dual-stack sockets.
  static std::optional<IpAddress> parse(std::string_view text);
  int max_prefix() const { return family == 4 ? 32 : 128; }
  std::string str() const;
};

struct IpNetwork {
  IpAddress base;  // host bits cleared
  int prefix = 0;

  // "192.0.2.0/24", "2001:db8::/32", or a bare address (a /32 or /128 network).
  // Host bits are cleared ("192.0.2.7/24" is 192.0.2.0/24), as switch_parse_cidr does.
  static std::optional<IpNetwork> parse(std::string_view text);
  // FreeSWITCH's host= + mask= node form: "192.0.2.0" + "255.255.255.0".
  static std::optional<IpNetwork> from_host_mask(std::string_view host, std::string_view mask);
  // Builds the network of `address` with `prefix` bits (host bits cleared).
  static IpNetwork of(const IpAddress& address, int prefix);

  bool contains(const IpAddress& address) const;
  std::string str() const;
};

// "192.0.2.0/24, 198.51.100.7,2001:db8::/32": the comma-separated form
// FreeSWITCH accepts in cidr= and as an ACL name. nullopt if any entry
// (including an empty one) is not a network.
std::optional<std::vector<IpNetwork>> parse_network_list(std::string_view text);

}  // namespace sipedge
