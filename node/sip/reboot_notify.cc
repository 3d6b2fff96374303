// SIP thread only for send_reboot_notify (nta); the rest is pure.
#include "node/sip/reboot_notify.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

#include <spdlog/spdlog.h>

#include "node/sip/contact_url.h"

extern "C" {
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_protos.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/sip_tag.h>
#include <sofia-sip/url.h>
}

namespace sipedge {

namespace {

// switch_stristr: case-insensitive substring.
bool contains_nocase(std::string_view haystack, std::string_view needle) {
  auto it = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
  });
  return it != haystack.end();
}

// Logs the final response and lets the transaction go. The magic is unused:
// nothing of ours outlives the transaction (the agent frees it on stop).
int on_notify_response(nta_outgoing_magic_t*, nta_outgoing_t* orq, sip_t const* sip) {
  const int status = sip && sip->sip_status ? sip->sip_status->st_status : nta_outgoing_status(orq);
  if (status < 200) return 0;
  const char* phrase = sip && sip->sip_status && sip->sip_status->st_phrase ? sip->sip_status->st_phrase : "";
  const char* call_id = sip && sip->sip_call_id ? sip->sip_call_id->i_id : "?";
  spdlog::info("reboot NOTIFY (Call-ID {}): {} {}", call_id, status, phrase);
  nta_outgoing_destroy(orq);
  return 0;
}

}  // namespace

RebootNotifyContent reboot_notify_content(std::string_view ua, std::string_view call_id) {
  RebootNotifyContent c{"check-sync", "application/simple-message-summary", ""};
  if (contains_nocase(ua, "snom") || contains_nocase(ua, "yealink")) {
    c.event = "check-sync;reboot=true";
  } else if (contains_nocase(ua, "Linksys/SPA8000")) {
    c.event = "check-sync";
  } else if (contains_nocase(ua, "linksys")) {
    c.event = "reboot_now";
  } else if (contains_nocase(ua, "spa")) {
    c.event = "reboot";
  } else if (contains_nocase(ua, "Cisco-CP7960G") || contains_nocase(ua, "Cisco-CP7940G")) {
    c.event = "check-sync";
  } else if (contains_nocase(ua, "cisco")) {
    // Cisco SIP phones restart on a service-control NOTIFY naming their registration.
    c.event = "service-control";
    c.content_type = "text/plain";
    c.body = "action=restart\n"
             "RegisterCallId={" + std::string(call_id) + "}\n"
             "ConfigVersionStamp={0000000000000000}\n"
             "DialplanVersionStamp={0000000000000000}\n"
             "SoftkeyVersionStamp={0000000000000000}";
  }
  return c;
}

std::string reboot_notify_next_hop(const Binding& b) {
  unsigned char addr[16];
  const bool v4 = inet_pton(AF_INET, b.network_ip.c_str(), addr) == 1;
  const bool v6 = !v4 && inet_pton(AF_INET6, b.network_ip.c_str(), addr) == 1;
  if ((!v4 && !v6) || b.network_port <= 0 || b.network_port > 65535) return "";
  const std::string host = v6 ? "[" + b.network_ip + "]" : b.network_ip;
  const char* transport = b.network_transport == "tcp" ? "tcp" : "udp";
  return "sip:" + host + ":" + std::to_string(b.network_port) + ";transport=" + transport;
}

bool send_reboot_notify(nta_agent_t* agent, const std::string& local_contact, const Binding& b) {
  if (!agent) {
    spdlog::warn("reboot NOTIFY to {}@{} (Call-ID {}): the profile is not running", b.sip_user, b.sip_host, b.call_id);
    return false;
  }
  const std::string next_hop = reboot_notify_next_hop(b);
  if (next_hop.empty()) {
    spdlog::warn("reboot NOTIFY to {}@{} (Call-ID {}): no network address stored ({}:{})", b.sip_user, b.sip_host,
                 b.call_id, b.network_ip, b.network_port);
    return false;
  }
  std::string request_uri = request_url_from_contact(b.contact);
  if (request_uri.empty()) request_uri = b.contact_uri;
  const RebootNotifyContent content = reboot_notify_content(b.user_agent, b.call_id);
  const std::string aor = "<sip:" + b.sip_user + "@" + b.sip_host + ">";
  std::string contact = "<" + local_contact + (b.network_transport == "tcp" ? ";transport=tcp>" : ">");
  const std::string cseq = std::to_string(b.cseq + 1) + " NOTIFY";

  // The default leg has no dialog: the tags below make the whole request
  // (nta adds the From tag, Via, Max-Forwards and Content-Length).
  nta_outgoing_t* orq = nta_outgoing_tcreate(
      nta_default_leg(agent), &on_notify_response, nullptr, URL_STRING_MAKE(next_hop.c_str()), SIP_METHOD_NOTIFY,
      URL_STRING_MAKE(request_uri.c_str()), SIPTAG_FROM_STR(aor.c_str()), SIPTAG_TO_STR(aor.c_str()),
      SIPTAG_CALL_ID_STR(b.call_id.c_str()), SIPTAG_CSEQ_STR(cseq.c_str()), SIPTAG_CONTACT_STR(contact.c_str()),
      SIPTAG_SUBSCRIPTION_STATE_STR("terminated;reason=noresource"), SIPTAG_EVENT_STR(content.event.c_str()),
      SIPTAG_CONTENT_TYPE_STR(content.content_type.c_str()), SIPTAG_PAYLOAD_STR(content.body.c_str()), TAG_END());
  if (!orq) {
    spdlog::warn("reboot NOTIFY to {} via {} (Call-ID {}): nta could not build or send it", request_uri, next_hop,
                 b.call_id);
    return false;
  }
  spdlog::info("reboot NOTIFY (Event: {}) to {} via {} (Call-ID {})", content.event, request_uri, next_hop, b.call_id);
  return true;
}

}  // namespace sipedge
