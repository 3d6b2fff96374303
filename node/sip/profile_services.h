#pragma once
// What a profile needs from the rest of the node, handed over at start.
#include <memory>
#include <string>

namespace sipedge {

class AclMatcher;
class RegistrationStore;

struct ProfileServices {
  std::string node_name;                    // switchname: stored with every binding
  std::string auth_master_key;              // signs digest nonces; the same on every node of a cluster
  RegistrationStore* registrations = nullptr;  // null: REGISTER is not served (405)
  std::shared_ptr<const AclMatcher> acl;    // network lists of acl.conf.xml
};

}  // namespace sipedge
