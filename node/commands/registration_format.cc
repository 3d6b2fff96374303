#include "node/commands/registration_format.h"

#include <cctype>
#include <cstring>
#include <ctime>

#include <fmt/format.h>

#include "node/commands/sofia_status_format.h"

namespace sipedge {

namespace {

// Columns of sip_registrations FreeSWITCH shows that sipedge does not track
// keep the values a fresh FreeSWITCH registration has (see the
// sip_registrations view in migrations/0003_registrations.sql).
constexpr const char* kRpid = "unknown";
constexpr const char* kPingStatus = "Reachable";
constexpr double kPingTimeSeconds = 0.0;  // ping_time (ms) / 1000

// FreeSWITCH: exp_secs = expires - now, both in whole seconds.
long long expires_in(const Binding& b) { return b.expires_in; }

}  // namespace

std::string format_local_time(SystemTime when) {
  std::time_t t = std::chrono::system_clock::to_time_t(
      std::chrono::time_point_cast<std::chrono::seconds>(when));
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[64];
  std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return std::string(buf, n);
}

std::string url_encode(const std::string& text) {
  static constexpr const char* kUnsafe = "\r\n \"#%&+:;<=>?@[\\]^`{|}";
  static constexpr const char* kHex = "0123456789ABCDEF";
  auto is_hex = [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; };
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const auto u = static_cast<unsigned char>(c);
    // An existing %XX stays as it is (switch_url_encode without double encoding).
    if (c == '%' && i + 2 < text.size() && is_hex(text[i + 1]) && is_hex(text[i + 2])) {
      out += c;
      continue;
    }
    if (u < ' ' || u > '~' || std::strchr(kUnsafe, c)) {
      out += '%';
      out += kHex[(u >> 4) & 0x0f];
      out += kHex[u & 0x0f];
    } else {
      out += c;
    }
  }
  return out;
}

std::string format_registrations(const std::vector<Binding>& bindings) {
  std::string out = fmt::format("\nRegistrations:\n{}\n", kStatusLine);
  for (const Binding& b : bindings) {
    out += fmt::format(
        "Call-ID:    \t{}\n"
        "User:       \t{}@{}\n"
        "Contact:    \t{}\n"
        "Agent:      \t{}\n"
        "Status:     \t{}({}) EXP({}) EXPSECS({})\n"
        "Ping-Status:\t{}\n"
        "Ping-Time:\t{:.2f}\n"
        "Host:       \t{}\n"
        "IP:         \t{}\n"
        "Port:       \t{}\n"
        "Auth-User:  \t{}\n"
        "Auth-Realm: \t{}\n"
        "MWI-Account:\t{}@{}\n\n",
        b.call_id, b.sip_user, b.sip_host, b.contact, b.user_agent, b.status, kRpid,
        format_local_time(b.expires_at), expires_in(b), kPingStatus, kPingTimeSeconds, b.node_name, b.network_ip,
        b.network_port, b.auth_username, b.auth_realm, b.sip_user, b.sip_host);
  }
  out += fmt::format("Total items returned: {}\n{}\n", bindings.size(), kStatusLine);
  return out;
}

std::string format_registrations_xml(const std::vector<Binding>& bindings) {
  std::string out = "  <registrations>\n";
  for (const Binding& b : bindings) {
    out += "    <registration>\n";
    out += fmt::format("        <call-id>{}</call-id>\n", xml_escape(b.call_id));
    out += fmt::format("        <user>{}@{}</user>\n", xml_escape(b.sip_user), xml_escape(b.sip_host));
    out += fmt::format("        <contact>{}</contact>\n", xml_escape(b.contact));
    out += fmt::format("        <agent>{}</agent>\n", xml_escape(b.user_agent));
    out += fmt::format("        <status>{}({}) exp({}) expsecs({})</status>\n", xml_escape(b.status), kRpid,
                       format_local_time(b.expires_at), expires_in(b));
    out += fmt::format("        <ping-status>{}</ping-status>\n", kPingStatus);
    out += fmt::format("        <ping-time>{:.2f}</ping-time>\n", kPingTimeSeconds);
    out += fmt::format("        <host>{}</host>\n", xml_escape(b.node_name));
    out += fmt::format("        <network-ip>{}</network-ip>\n", xml_escape(b.network_ip));
    out += fmt::format("        <network-port>{}</network-port>\n", b.network_port);
    // FreeSWITCH URL-encodes the auth user here (and only here).
    out += fmt::format("        <sip-auth-user>{}</sip-auth-user>\n", xml_escape(url_encode(b.auth_username)));
    out += fmt::format("        <sip-auth-realm>{}</sip-auth-realm>\n", xml_escape(b.auth_realm));
    out += fmt::format("        <mwi-account>{}@{}</mwi-account>\n", xml_escape(b.sip_user), xml_escape(b.sip_host));
    out += "    </registration>\n";
  }
  out += "  </registrations>\n";
  return out;
}

}  // namespace sipedge
