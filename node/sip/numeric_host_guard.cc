#include "node/sip/numeric_host_guard.h"

#include <dlfcn.h>
#include <netdb.h>
#include <strings.h>

extern "C" {
#include <sofia-sip/sip_protos.h>
#include <sofia-sip/su_addrinfo.h>
#include <sofia-sip/su_tagarg.h>
#include <sofia-sip/tport.h>
}

namespace {

using GetAddrInfo = int (*)(char const*, char const*, su_addrinfo_t const*, su_addrinfo_t**);

GetAddrInfo real_su_getaddrinfo() {
  static GetAddrInfo real = reinterpret_cast<GetAddrInfo>(dlsym(RTLD_NEXT, "su_getaddrinfo"));
  return real;
}

using TportTsend = tport_t* (*)(tport_t*, msg_t*, tp_name_t const*, tag_type_t, tag_value_t, ...);

TportTsend real_tport_tsend() {
  static TportTsend real = reinterpret_cast<TportTsend>(dlsym(RTLD_NEXT, "tport_tsend"));
  return real;
}

// A response nta would send over a datagram transport to an address taken
// from an unchecked Via: the 413 and 505 it sends before its Via check, and
// the 400 it sends when that check failed (the Via names another transport).
// Every other response went through the check, which (NTATAG_SERVER_RPORT(2))
// pointed it at the packet's source with received/rport.
bool unchecked_datagram_response(tport_t* self, msg_t* msg, tp_name_t const* tpn) {
  if (!self || tport_is_secondary(self) || !tport_is_dgram(self)) return false;
  sip_t const* sip = sip_object(msg);
  if (!sip || !sip->sip_status) return false;
  int status = sip->sip_status->st_status;
  if (status == 413 || status == 505) return true;
  char const* own = tport_name(self)->tpn_proto;
  return status == 400 && tpn && tpn->tpn_proto && own && strcasecmp(tpn->tpn_proto, own) != 0;
}

}  // namespace

// Interposes libsofia-sip-ua's exported tport_tsend (nta calls it through the
// PLT): drops the replies described above instead of sending them to a host
// the request named. Over TCP they go back on the request's connection.
extern "C" tport_t* tport_tsend(tport_t* self, msg_t* msg, tp_name_t const* tpn, tag_type_t tag,
                                tag_value_t value, ...) {
  TportTsend real = real_tport_tsend();
  if (!real || unchecked_datagram_response(self, msg, tpn)) return nullptr;
  ta_list ta;
  ta_start(ta, tag, value);
  tport_t* sent = real(self, msg, tpn, ta_tags(ta));
  ta_end(ta);
  return sent;
}

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

bool numeric_host_guard_active() { return real_su_getaddrinfo() != nullptr && real_tport_tsend() != nullptr; }

}  // namespace sipedge
