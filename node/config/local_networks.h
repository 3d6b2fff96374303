#pragma once
// The host's own addresses and networks, read with getifaddrs(3): used for
// the localnet.auto / nat.auto ACLs and the default $${local_ip_v4} variable.
#include <vector>

#include "node/config/ip_network.h"

namespace sipedge {

struct LocalInterfaceAddress {
  IpAddress address;
  IpNetwork network;  // address/netmask
  bool loopback = false;
};

// Every address of every interface that is up. Empty when getifaddrs fails.
std::vector<LocalInterfaceAddress> local_interface_addresses();

}  // namespace sipedge
