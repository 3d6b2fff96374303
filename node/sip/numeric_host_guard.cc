#include "node/sip/numeric_host_guard.h"

#include <dlfcn.h>
#include <netdb.h>

extern "C" {
#include <sofia-sip/su_addrinfo.h>
}

namespace {

using GetAddrInfo = int (*)(char const*, char const*, su_addrinfo_t const*, su_addrinfo_t**);

GetAddrInfo real_su_getaddrinfo() {
  static GetAddrInfo real = reinterpret_cast<GetAddrInfo>(dlsym(RTLD_NEXT, "su_getaddrinfo"));
  return real;
}

}  // namespace

// Interposes libsofia-sip-ua's exported su_getaddrinfo (see the header).
extern "C" int su_getaddrinfo(char const* node, char const* service, su_addrinfo_t const* hints,
                              su_addrinfo_t** res) {
  GetAddrInfo real = real_su_getaddrinfo();
  if (!real) return EAI_SYSTEM;
  su_addrinfo_t numeric{};
  if (hints) numeric = *hints;
  if (node && *node) numeric.ai_flags |= AI_NUMERICHOST;
  return real(node, service, &numeric, res);
}

namespace sipedge {

bool numeric_host_guard_active() { return real_su_getaddrinfo() != nullptr; }

}  // namespace sipedge
