#include "node/config/ip_network.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace sipedge {
namespace {

// Family values stored in IpAddress: 4 or 6 (not AF_*), so the struct stays
// independent of socket headers for its users.
constexpr int kV4 = 4;
constexpr int kV6 = 6;

void clear_host_bits(IpAddress& address, int prefix) {
  int total_bytes = address.family == kV4 ? 4 : 16;
  for (int i = 0; i < total_bytes; ++i) {
    int bits_here = prefix - i * 8;
    if (bits_here >= 8) continue;
    if (bits_here <= 0) {
      address.bytes[i] = 0;
    } else {
      address.bytes[i] &= static_cast<std::uint8_t>(0xFF << (8 - bits_here));
    }
  }
}

// Counts the leading one bits of a netmask; nullopt when it is not contiguous.
std::optional<int> mask_prefix(const IpAddress& mask) {
  int total_bytes = mask.family == kV4 ? 4 : 16;
  int prefix = 0;
  bool in_ones = true;
  for (int i = 0; i < total_bytes; ++i) {
    for (int bit = 7; bit >= 0; --bit) {
      bool one = (mask.bytes[i] >> bit) & 1;
      if (one && !in_ones) return std::nullopt;
      if (one) ++prefix; else in_ones = false;
    }
  }
  return prefix;
}

}  // namespace

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
    text = text.substr(1, text.size() - 2);
  }
  if (text.empty() || text.size() > INET6_ADDRSTRLEN) return std::nullopt;
  std::string copy(text);
  IpAddress address;
  if (copy.find(':') == std::string::npos) {
    in_addr v4{};
    if (inet_pton(AF_INET, copy.c_str(), &v4) != 1) return std::nullopt;
    address.family = kV4;
    std::memcpy(address.bytes.data(), &v4, 4);
    return address;
  }
  if (auto zone = copy.find('%'); zone != std::string::npos) copy.erase(zone);
  in6_addr v6{};
  if (inet_pton(AF_INET6, copy.c_str(), &v6) != 1) return std::nullopt;
  if (IN6_IS_ADDR_V4MAPPED(&v6)) {
    address.family = kV4;
    std::memcpy(address.bytes.data(), reinterpret_cast<const std::uint8_t*>(&v6) + 12, 4);
    return address;
  }
  address.family = kV6;
  std::memcpy(address.bytes.data(), &v6, 16);
  return address;
}

std::string IpAddress::str() const {
  char buffer[INET6_ADDRSTRLEN] = {};
  if (family == kV4) {
    inet_ntop(AF_INET, bytes.data(), buffer, sizeof buffer);
  } else if (family == kV6) {
    inet_ntop(AF_INET6, bytes.data(), buffer, sizeof buffer);
  }
  return buffer;
}

std::optional<IpNetwork> IpNetwork::parse(std::string_view text) {
  auto slash = text.find('/');
  auto address = IpAddress::parse(text.substr(0, slash));
  if (!address) return std::nullopt;
  int prefix = address->max_prefix();
  if (slash != std::string_view::npos) {
    std::string_view bits = text.substr(slash + 1);
    if (bits.empty() || bits.size() > 3) return std::nullopt;
    auto [end, error] = std::from_chars(bits.data(), bits.data() + bits.size(), prefix);
    if (error != std::errc() || end != bits.data() + bits.size()) return std::nullopt;
    if (prefix < 0 || prefix > address->max_prefix()) return std::nullopt;
  }
  return of(*address, prefix);
}

std::optional<IpNetwork> IpNetwork::from_host_mask(std::string_view host, std::string_view mask) {
  auto address = IpAddress::parse(host);
  auto mask_address = IpAddress::parse(mask);
  if (!address || !mask_address || address->family != mask_address->family) return std::nullopt;
  auto prefix = mask_prefix(*mask_address);
  if (!prefix) return std::nullopt;
  return of(*address, *prefix);
}

IpNetwork IpNetwork::of(const IpAddress& address, int prefix) {
  IpNetwork network;
  network.base = address;
  network.prefix = prefix;
  clear_host_bits(network.base, prefix);
  return network;
}

bool IpNetwork::contains(const IpAddress& address) const {
  if (address.family != base.family) return false;
  IpAddress masked = address;
  clear_host_bits(masked, prefix);
  return masked.bytes == base.bytes;
}

std::optional<std::vector<IpNetwork>> parse_network_list(std::string_view text) {
  std::vector<IpNetwork> networks;
  while (true) {
    auto comma = text.find(',');
    std::string_view token = text.substr(0, comma);
    auto first = token.find_first_not_of(" \t");
    auto last = token.find_last_not_of(" \t");
    token = first == std::string_view::npos ? std::string_view() : token.substr(first, last - first + 1);
    auto network = IpNetwork::parse(token);
    if (!network) return std::nullopt;
    networks.push_back(*network);
    if (comma == std::string_view::npos) return networks;
    text.remove_prefix(comma + 1);
  }
}

std::string IpNetwork::str() const { return base.str() + "/" + std::to_string(prefix); }

}  // namespace sipedge
