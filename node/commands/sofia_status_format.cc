#include "node/commands/sofia_status_format.h"

#include "node/commands/gateway_status_format.h"

#include <cctype>

#include <fmt/format.h>

namespace sipedge {

namespace {

std::string param(const ProfileStatus& p, const char* name, const char* fallback) {
  auto it = p.params.find(name);
  return it != p.params.end() && !it->second.empty() ? it->second : fallback;
}

bool param_true(const ProfileStatus& p, const char* name) {
  std::string v = param(p, name, "false");
  return v == "true" || v == "yes" || v == "on" || v == "1";
}

// One row per label, as mod_sofia's cmd_status (label padded to 17, then a tab).
struct Row {
  const char* label;
  std::string value;
};

std::vector<Row> profile_rows(const ProfileStatus& p, const std::string& db_name) {
  std::string codecs = param(p, "codec-prefs", "");
  std::vector<Row> rows = {
      {"Name", p.name},
      {"Domain Name", p.domain_name},
      {"Auto-NAT", param_true(p, "auto-nat") ? "true" : "false"},
      {"DBName", db_name},
      {"Pres Hosts", param(p, "presence-hosts", "")},
      {"Dialplan", p.dialplan},
      {"Context", p.context},
      {"Challenge Realm", p.challenge_realm},
      {"RTP-IP", param(p, "rtp-ip", p.sip_ip.c_str())},
      {"SIP-IP", p.sip_ip},
  };
  if (!p.ext_sip_ip.empty()) rows.push_back({"Ext-SIP-IP", p.ext_sip_ip});
  rows.insert(rows.end(), {
      {"URL", p.url},
      {"BIND-URL", p.bind_url},
      {"HOLD-MUSIC", param(p, "hold-music", "N/A")},
      {"OUTBOUND-PROXY", param(p, "outbound-proxy", "N/A")},
      {"CODECS IN", param(p, "inbound-codec-prefs", codecs.c_str())},
      {"CODECS OUT", param(p, "outbound-codec-prefs", codecs.c_str())},
      {"TEL-EVENT", param(p, "rfc2833-pt", "101")},
      {"DTMF-MODE", param(p, "dtmf-type", "rfc2833")},
      {"CNG", param(p, "suppress-cng", "false") == "true" ? "0" : "13"},
      {"SESSION-TO", param(p, "session-timeout", "0")},
      {"MAX-DIALOG", param(p, "max-proceeding", "1000")},
      {"MAX-RECV-RPS", param(p, "max-recv-requests-per-second", "0")},
      {"NOMEDIA", param_true(p, "inbound-bypass-media") ? "true" : "false"},
      {"LATE-NEG", param_true(p, "inbound-late-negotiation") ? "true" : "false"},
      {"PROXY-MEDIA", param_true(p, "inbound-proxy-media") ? "true" : "false"},
      {"AGGRESSIVENAT", p.aggressive_nat ? "true" : "false"},
      {"CALLS-IN", std::to_string(p.calls_in)},
      {"FAILED-CALLS-IN", std::to_string(p.failed_calls_in)},
      {"CALLS-OUT", std::to_string(p.calls_out)},
      {"FAILED-CALLS-OUT", std::to_string(p.failed_calls_out)},
      {"REGISTRATIONS", std::to_string(p.registrations)},
  });
  return rows;
}

}  // namespace

std::string xml_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string format_cluster_row(const std::string& cluster, const std::string& role, long long epoch,
                               const std::string& holder) {
  std::string state = role;
  for (char& c : state) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return fmt::format("{:>25}\t{}\t  {:>40}\t{}\n", cluster, "cluster",
                     "epoch " + std::to_string(epoch) + " holder " + (holder.empty() ? "none" : holder), state);
}

std::string format_sofia_status(const std::vector<ProfileStatus>& profiles, const std::vector<GatewaySnapshot>& gateways,
                                const std::string& cluster_row) {
  std::string out = fmt::format("{:>25}\t{}\t  {:>40}\t{}\n", "Name", "   Type", "Data", "State");
  out += kStatusLine;
  out += '\n';
  int count = 0;
  for (const ProfileStatus& p : profiles) {
    if (!p.running) continue;
    out += fmt::format("{:>25}\t{}\t  {:>40}\t{} ({})\n", p.name, "profile", p.url, "RUNNING", p.inuse);
    for (const GatewaySnapshot& g : gateways)
      if (g.profile == p.name) out += format_gateway_row(g);
    ++count;
  }
  out += cluster_row;
  out += kStatusLine;
  out += '\n';
  out += fmt::format("{} profile{} {} alias{}\n", count, count == 1 ? "" : "s", 0, "es");
  return out;
}

std::string format_profile_status(const ProfileStatus& profile, const std::string& db_name) {
  std::string out = std::string(kStatusLine) + "\n";
  for (const Row& row : profile_rows(profile, db_name))
    out += fmt::format("{:<17}\t{}\n", row.label, row.value);
  out += kStatusLine;
  out += '\n';
  return out;
}

std::string format_sofia_xmlstatus(const std::vector<ProfileStatus>& profiles,
                                   const std::vector<GatewaySnapshot>& gateways) {
  std::string out = std::string(kXmlHeader) + "\n<profiles>\n";
  for (const ProfileStatus& p : profiles) {
    if (!p.running) continue;
    out += fmt::format("<profile>\n<name>{}</name>\n<type>profile</type>\n<data>{}</data>\n<state>RUNNING ({})</state>\n</profile>\n",
                       xml_escape(p.name), xml_escape(p.url), p.inuse);
    for (const GatewaySnapshot& g : gateways) {
      if (g.profile != p.name) continue;
      out += fmt::format("<gateway>\n<name>{}</name>\n<type>gateway</type>\n<data>{}</data>\n<state>{}</state>\n</gateway>\n",
                         xml_escape(g.name), xml_escape(g.to), to_string(g.state));
    }
  }
  out += "</profiles>\n";
  return out;
}

std::string format_profile_xmlstatus(const ProfileStatus& profile, const std::string& db_name) {
  return std::string(kXmlHeader) + "\n<profile>\n" + format_profile_info_xml(profile, db_name) + "</profile>\n";
}

std::string format_profile_info_xml(const ProfileStatus& profile, const std::string& db_name) {
  std::string out = "  <profile-info>\n";
  std::vector<Row> rows = profile_rows(profile, db_name);
  // The XML lists calls-in, calls-out, failed-calls-in, failed-calls-out (unlike the text).
  for (size_t i = 0; i + 2 < rows.size(); ++i)
    if (std::string(rows[i].label) == "FAILED-CALLS-IN") {
      std::swap(rows[i], rows[i + 1]);
      break;
    }
  for (const Row& row : rows) {
    // Element names as mod_sofia's cmd_xml_status: lower case, dashes.
    std::string tag;
    for (const char* c = row.label; *c; ++c) tag += *c == ' ' ? '-' : static_cast<char>(std::tolower(*c));
    if (tag == "dbname") tag = "db-name";
    else if (tag == "codecs-in") tag = "inbound-codecs";
    else if (tag == "codecs-out") tag = "outbound-codecs";
    else if (tag == "aggressivenat") tag = "aggressive-nat";
    else if (tag == "ext-sip-ip") tag = "ext-sip-ip";
    out += fmt::format("    <{0}>{1}</{0}>\n", tag, xml_escape(row.value));
  }
  out += "  </profile-info>\n";
  return out;
}

}  // namespace sipedge
