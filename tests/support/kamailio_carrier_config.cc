// The kamailio.cfg text of a KamailioCarrier (see kamailio_carrier.h for what
// the script does). Pure string building, no I/O; any thread.
#include <sstream>
#include <stdexcept>

#include "tests/support/kamailio_carrier.h"

namespace sipedge::test {
namespace {

// A Kamailio config string literal ("..." with \\ and \" escaped). Control
// characters cannot be expressed and are rejected.
std::string quoted(const std::string& value, const std::string& what) {
  std::string out = "\"";
  for (char c : value) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      throw std::invalid_argument("KamailioCarrier: control character in " + what);
    if (c == '\\' || c == '"') out += '\\';
    out += c;
  }
  return out + "\"";
}

void require_chars(const std::string& value, const std::string& allowed_extra, const std::string& what) {
  if (value.empty()) throw std::invalid_argument("KamailioCarrier: empty " + what);
  for (char c : value) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              allowed_extra.find(c) != std::string::npos;
    if (!ok) throw std::invalid_argument("KamailioCarrier: unsupported character '" + std::string(1, c) + "' in " +
                                         what + " \"" + value + "\"");
  }
}

std::string reason_phrase(int code) {
  switch (code) {
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 407: return "Proxy Authentication Required";
    case 408: return "Request Timeout";
    case 480: return "Temporarily Unavailable";
    case 500: return "Server Internal Error";
    case 503: return "Service Unavailable";
    case 603: return "Decline";
    default: return "Carrier Test Failure";
  }
}

}  // namespace

std::string kamailio_carrier_fail_value(const CarrierFailure& f) {
  if (f.code < 300 || f.code > 699) throw std::invalid_argument("KamailioCarrier: failure code must be 300..699");
  for (const std::string* s : {&f.reason, &f.extra_header})
    for (char c : *s)
      if (c == '|' || static_cast<unsigned char>(c) < 0x20)
        throw std::invalid_argument("KamailioCarrier: '|' or a control character in a failure");
  std::string reason = f.reason.empty() ? reason_phrase(f.code) : f.reason;
  return std::to_string(f.code) + "|" + reason + "|" + f.extra_header;
}

namespace {

// One xlog line with the given fields; each value is a Kamailio expression
// that is hex-encoded so any byte survives the '|'-separated line.
std::string xlog_line(const std::string& kind, const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string line = "xlog(\"L_NOTICE\", \"SIPEDGE_CARRIER|" + kind;
  for (const auto& [key, expr] : fields) line += "|" + key + "=$(" + expr + "{s.encode.hexa})";
  return line + "\\n\");";
}

// The challenge call for wrong credentials etc.: www_ for REGISTER, proxy_ for INVITE.
struct AuthKind {
  std::string challenge;     // "www_challenge" / "proxy_challenge"
  std::string authenticate;  // "pv_www_authenticate" / "pv_proxy_authenticate"
  std::string header;        // "Authorization" / "Proxy-Authorization"
};

std::string auth_block(const AuthKind& k, const KamailioCarrierOptions& o, const std::string& realm) {
  std::string qop = o.qop == "auth" ? "1" : "0";
  std::string stale = o.qop == "auth" ? "17" : "16";
  std::string wrong =
      o.wrong_credentials_code == 401 || o.wrong_credentials_code == 407
          ? k.challenge + "(" + realm + ", \"" + qop + "\");"
          : "sl_send_reply(\"" + std::to_string(o.wrong_credentials_code) + "\", \"" +
                reason_phrase(o.wrong_credentials_code) + "\");";
  std::ostringstream out;
  out << "  if (!is_present_hf(\"" << k.header << "\")) {\n"
      << "    " << k.challenge << "(" << realm << ", \"" << qop << "\");\n"
      << "    exit;\n"
      << "  }\n"
      << "  if ($sht(users=>$au) == $null) {\n"
      << "    $var(rc) = -3;\n"
      << "  } else {\n"
      << "    $var(pw) = $sht(users=>$au);\n"
      << "    " << k.authenticate << "(" << realm << ", \"$var(pw)\", \"0\");\n"
      << "    $var(rc) = $rc;\n"
      << "  }\n"
      << "  " << xlog_line("auth", {{"ci", "ci"}, {"cs", "cs"}, {"m", "rm"}, {"rc", "var(rc)"}, {"au", "au"}}) << "\n"
      << "  if ($var(rc) == -4 || $var(rc) == -6) {\n"
      << "    " << k.challenge << "(" << realm << ", \"" << stale << "\");\n"
      << "    exit;\n"
      << "  }\n"
      << "  if ($var(rc) == -5) {\n"
      << "    " << k.challenge << "(" << realm << ", \"" << qop << "\");\n"
      << "    exit;\n"
      << "  }\n"
      << "  if ($var(rc) < 0) {\n"
      << "    " << wrong << "\n"
      << "    exit;\n"
      << "  }\n";
  return out.str();
}

}  // namespace

std::string kamailio_carrier_config(const KamailioCarrierOptions& o, int port, const std::string& ctl_socket) {
  require_chars(o.ip, ".:", "ip");
  require_chars(o.realm, ".-", "realm");
  if (port <= 0 || port > 65535) throw std::invalid_argument("KamailioCarrier: bad port");
  if (!o.qop.empty() && o.qop != "auth") throw std::invalid_argument("KamailioCarrier: qop must be \"\" or \"auth\"");
  if (o.children < 1) throw std::invalid_argument("KamailioCarrier: children must be >= 1");
  if (!o.forward_calls_to.empty()) require_chars(o.forward_calls_to, ".:;=-_", "forward_calls_to");
  const std::string realm = quoted(o.realm, "realm");
  const std::string listen_ip = o.ip.find(':') != std::string::npos ? "[" + o.ip + "]" : o.ip;

  std::ostringstream c;
  c << "#!KAMAILIO\n"
    << "# Generated by sipedge tests/support/kamailio_carrier_config.cc: a test SIP carrier.\n"
    << "debug=2\n"
    << "log_stderror=yes\n"
    << "children=" << o.children << "\n"
    << "tcp_children=1\n"
    << "auto_aliases=no\n"
    << "dns=no\n"
    << "rev_dns=no\n"
    << "use_dns_cache=no\n"
    << "listen=udp:" << listen_ip << ":" << port << "\n"
    << "listen=tcp:" << listen_ip << ":" << port << "\n"
    << "alias=" << realm << "\n"
    << "server_header=\"Server: sipedge-test-carrier (kamailio)\"\n"
    << "\n";
  for (const char* m : {"kex", "corex", "tm", "tmx", "sl", "rr", "pv", "maxfwd", "usrloc", "registrar", "textops",
                        "siputils", "xlog", "sanity", "auth", "htable", "ctl"})
    c << "loadmodule \"" << m << ".so\"\n";
  c << "\n"
    << "modparam(\"ctl\", \"binrpc\", " << quoted("unix:" + ctl_socket, "ctl socket") << ")\n"
    << "modparam(\"usrloc\", \"db_mode\", 0)\n"
    << "modparam(\"usrloc\", \"use_domain\", 0)\n"
    << "modparam(\"usrloc\", \"timer_interval\", 1)\n"
    << "modparam(\"registrar\", \"max_expires\", " << o.max_expires << ")\n"
    << "modparam(\"registrar\", \"min_expires\", " << o.min_expires << ")\n"
    << "modparam(\"registrar\", \"min_expires_mode\", " << (o.reject_too_brief ? 1 : 0) << ")\n"
    << "modparam(\"registrar\", \"default_expires\", " << o.default_expires << ")\n"
    << "modparam(\"htable\", \"htable\", \"users=>size=4;\")\n"
    << "modparam(\"htable\", \"htable\", \"fail=>size=4;\")\n"
    << "\n"
    << "event_route[htable:mod-init] {\n";
  for (const auto& [user, password] : o.users)
    c << "  $var(k) = " << quoted(user, "user") << "; $sht(users=>$var(k)) = " << quoted(password, "password")
      << ";\n";
  for (const auto& [user, failure] : o.fail_register)
    c << "  $var(k) = " << quoted(user, "user")
      << "; $sht(fail=>$var(k)) = " << quoted(kamailio_carrier_fail_value(failure), "failure") << ";\n";
  c << "  $var(k) = 0;\n"
    << "}\n\n";

  c << "request_route {\n"
    << "  $var(cr) = 0;\n"
    << "  if (is_present_hf(\"Authorization\") || is_present_hf(\"Proxy-Authorization\")) {\n"
    << "    $var(cr) = 1;\n"
    << "  }\n"
    << "  "
    << xlog_line("req", {{"m", "rm"}, {"ci", "ci"}, {"cs", "cs"}, {"ru", "ru"}, {"f", "hdr(From)"},
                         {"t", "hdr(To)"}, {"fu", "fu"}, {"tu", "tu"}, {"ct", "hdr(Contact)[*]"},
                         {"ex", "hdr(Expires)"}, {"si", "si"}, {"sp", "sp"}, {"pr", "pr"}, {"ua", "ua"},
                         {"tv", "TV(Sn)"}, {"cr", "var(cr)"}, {"au", "au"}})
    << "\n"
    << "  if (!mf_process_maxfwd_header(\"10\")) {\n"
    << "    sl_send_reply(\"483\", \"Too Many Hops\");\n"
    << "    exit;\n"
    << "  }\n"
    << "  force_rport();\n"
    << "  if (has_totag()) {\n"
    << "    route(WITHINDLG);\n"
    << "    exit;\n"
    << "  }\n"
    << "  if (is_method(\"CANCEL\")) {\n"
    << "    if (t_check_trans()) {\n"
    << "      route(RELAY);\n"
    << "    }\n"
    << "    exit;\n"
    << "  }\n"
    << "  if (!is_method(\"ACK\")) {\n"
    << "    if (t_precheck_trans()) {\n"
    << "      t_check_trans();\n"
    << "      exit;\n"
    << "    }\n"
    << "    t_check_trans();\n"
    << "  }\n"
    << "  if (is_method(\"ACK\")) {\n"
    << "    if (t_check_trans()) {\n"
    << "      t_relay();\n"
    << "    }\n"
    << "    exit;\n"
    << "  }\n"
    << "  if (is_method(\"OPTIONS\")) {\n"
    << "    append_to_reply(\"Allow: INVITE, ACK, BYE, CANCEL, OPTIONS, REGISTER\\r\\n\");\n"
    << "    append_to_reply(\"Accept: application/sdp\\r\\n\");\n"
    << "    sl_send_reply(\"200\", \"OK\");\n"
    << "    exit;\n"
    << "  }\n"
    << "  if (is_method(\"REGISTER\")) {\n"
    << "    route(REGISTER);\n"
    << "    exit;\n"
    << "  }\n"
    << "  if (is_method(\"INVITE\")) {\n"
    << "    route(INVITE);\n"
    << "    exit;\n"
    << "  }\n"
    << "  append_to_reply(\"Allow: INVITE, ACK, BYE, CANCEL, OPTIONS, REGISTER\\r\\n\");\n"
    << "  sl_send_reply(\"405\", \"Method Not Allowed\");\n"
    << "  exit;\n"
    << "}\n\n";

  c << "route[WITHINDLG] {\n"
    << "  if (loose_route()) {\n"
    << (o.record_route ? "    if (is_method(\"INVITE\")) {\n      record_route();\n    }\n" : "")
    << "    route(RELAY);\n"
    << "    exit;\n"
    << "  }\n"
    << "  if (is_method(\"ACK\")) {\n"
    << "    if (t_check_trans()) {\n"
    << "      t_relay();\n"
    << "    }\n"
    << "    exit;\n"
    << "  }\n"
    << "  sl_send_reply(\"404\", \"Not Here\");\n"
    << "  exit;\n"
    << "}\n\n";

  c << "route[REGISTER] {\n"
    << "  if ($sht(fail=>$tU) != $null && $sht(users=>$tU) == $null) {\n"
    << "    route(FAIL_REGISTER);\n"
    << "    exit;\n"
    << "  }\n"
    << auth_block({"www_challenge", "pv_www_authenticate", "Authorization"}, o, realm)
    << "  if ($au != $tU) {\n"
    << "    sl_send_reply(\"403\", \"Forbidden (auth user is not the To user)\");\n"
    << "    exit;\n"
    << "  }\n"
    << "  consume_credentials();\n"
    << "  if ($sht(fail=>$tU) != $null) {\n"
    << "    route(FAIL_REGISTER);\n"
    << "    exit;\n"
    << "  }\n"
    << "  append_to_reply(\"Date: $utimef(%a, %d %b %Y %H:%M:%S GMT)\\r\\n\");\n"
    << "  if (!save(\"location\")) {\n"
    << "    sl_reply_error();\n"
    << "  }\n"
    << "  exit;\n"
    << "}\n\n";

  c << "route[FAIL_REGISTER] {\n"
    << "  $var(f) = $sht(fail=>$tU);\n"
    << "  $var(code) = $(var(f){s.select,0,|}{s.int});\n"
    << "  $var(reason) = $(var(f){s.select,1,|});\n"
    << "  $var(hdr) = $(var(f){s.select,2,|});\n"
    << "  if ($var(hdr) != \"\" && $var(hdr) != $null) {\n"
    << "    append_to_reply(\"$var(hdr)\\r\\n\");\n"
    << "  }\n"
    << "  sl_send_reply(\"$var(code)\", \"$var(reason)\");\n"
    << "  exit;\n"
    << "}\n\n";

  c << "route[INVITE] {\n";
  for (const std::string& source : o.trusted_sources) {
    auto colon = source.rfind(':');
    if (colon == std::string::npos) throw std::invalid_argument("KamailioCarrier: trusted source needs ip:port");
    std::string ip = source.substr(0, colon);
    require_chars(ip, ".:", "trusted source");
    int sport = std::stoi(source.substr(colon + 1));
    c << "  if ($si == " << quoted(ip, "trusted source") << " && $sp == " << sport << ") {\n"
      << "    route(INBOUND);\n"
      << "    exit;\n"
      << "  }\n";
  }
  c << auth_block({"proxy_challenge", "pv_proxy_authenticate", "Proxy-Authorization"}, o, realm)
    << "  consume_credentials();\n";
  if (o.forward_calls_to.empty()) {
    c << "  sl_send_reply(\"503\", \"No Forward Target\");\n"
      << "  exit;\n";
  } else {
    if (o.record_route) c << "  record_route();\n";
    c << "  $du = " << quoted("sip:" + o.forward_calls_to, "forward_calls_to") << ";\n"
      << "  route(RELAY);\n";
  }
  c << "}\n\n";

  c << "route[INBOUND] {\n"
    << "  if (!lookup(\"location\")) {\n"
    << "    sl_send_reply(\"404\", \"Not Registered\");\n"
    << "    exit;\n"
    << "  }\n"
    << (o.record_route ? "  record_route();\n" : "")
    << "  route(RELAY);\n"
    << "}\n\n";

  c << "route[RELAY] {\n"
    << "  t_on_reply(\"RELAYED\");\n"
    << "  if (!t_relay()) {\n"
    << "    sl_reply_error();\n"
    << "  }\n"
    << "  exit;\n"
    << "}\n\n";

  const std::vector<std::pair<std::string, std::string>> reply_fields = {
      {"ci", "ci"}, {"cs", "cs"}, {"m", "rm"}, {"rs", "rs"}, {"ct", "hdr(Contact)[*]"}};
  c << "onreply_route[RELAYED] {\n"
    << "  if ($rs > 100) {\n"
    << "    " << xlog_line("rpl", reply_fields) << "\n"
    << "  }\n"
    << "}\n\n"
    << "event_route[sl:local-response] {\n"
    << "  " << xlog_line("rpl", reply_fields) << "\n"
    << "}\n\n"
    << "event_route[tm:local-response] {\n"
    << "  " << xlog_line("rpl", reply_fields) << "\n"
    << "}\n";
  return c.str();
}

}  // namespace sipedge::test
