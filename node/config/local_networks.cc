#include "node/config/local_networks.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

#include <cstring>
#include <optional>

namespace sipedge {
namespace {

std::optional<IpAddress> from_sockaddr(const sockaddr* sa) {
  if (sa == nullptr) return std::nullopt;
  char buffer[INET6_ADDRSTRLEN] = {};
  if (sa->sa_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, buffer, sizeof buffer);
  } else if (sa->sa_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, buffer,
              sizeof buffer);
  } else {
    return std::nullopt;
  }
  return IpAddress::parse(buffer);
}

}  // namespace

std::vector<LocalInterfaceAddress> local_interface_addresses() {
  std::vector<LocalInterfaceAddress> found;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return found;
  for (ifaddrs* entry = list; entry != nullptr; entry = entry->ifa_next) {
    if ((entry->ifa_flags & IFF_UP) == 0) continue;
    auto address = from_sockaddr(entry->ifa_addr);
    if (!address) continue;
    auto mask = from_sockaddr(entry->ifa_netmask);
    IpNetwork network = IpNetwork::of(*address, address->max_prefix());
    if (mask && mask->family == address->family) {
      if (auto with_mask = IpNetwork::from_host_mask(address->str(), mask->str())) {
        network = *with_mask;
      }
    }
    found.push_back({*address, network, (entry->ifa_flags & IFF_LOOPBACK) != 0});
  }
  freeifaddrs(list);
  return found;
}

}  // namespace sipedge
