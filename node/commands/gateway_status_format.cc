#include "node/commands/gateway_status_format.h"

#include <spdlog/fmt/fmt.h>

#include "node/commands/sofia_status_format.h"

namespace sipedge {

namespace {

std::string retry_suffix(const GatewaySnapshot& g) {
  if (g.state != GatewayState::failed && g.state != GatewayState::fail_wait && g.state != GatewayState::trying)
    return "";
  if (g.retry_in_seconds < 0) return g.state == GatewayState::trying ? "" : " (retry: NEVER)";
  return fmt::format(" (retry: {}s)", g.retry_in_seconds);
}

}  // namespace

std::string format_gateway_row(const GatewaySnapshot& g) {
  return fmt::format("{:>25}\t{}\t  {:>40}\t{}{}\n", g.profile + "::" + g.name, "gateway", g.to, to_string(g.state),
                     retry_suffix(g));
}

std::string format_gateway_summary(const std::vector<GatewaySnapshot>& gateways) {
  std::string out = fmt::format("{:>25}\t{:>32}\t{}\t{:>9}\t{}\t{}\n", "Profile::Gateway-Name", "    Data    ", "State",
                                "Ping Time", "IB Calls(F/T)", "OB Calls(F/T)");
  out += std::string(kStatusLine) + "\n";
  unsigned ib = 0, ib_failed = 0, ob = 0, ob_failed = 0;
  for (const GatewaySnapshot& g : gateways) {
    ib += g.calls_in;
    ib_failed += g.failed_calls_in;
    ob += g.calls_out;
    ob_failed += g.failed_calls_out;
    out += fmt::format("{:>25}\t{:>32}\t{}\t{:6.2f}\t{}/{}\t{}/{}{}\n", g.profile + "::" + g.name, g.to,
                       to_string(g.state), g.ping_time_ms, g.failed_calls_in, g.calls_in, g.failed_calls_out,
                       g.calls_out, retry_suffix(g));
  }
  out += std::string(kStatusLine) + "\n";
  out += fmt::format("{} gateway{}: Inbound(Failed/Total): {}/{},Outbound(Failed/Total):{}/{}\n", gateways.size(),
                     gateways.size() == 1 ? "" : "s", ib_failed, ib, ob_failed, ob);
  return out;
}

std::string format_gateway_detail(const GatewaySnapshot& g) {
  std::string out = std::string(kStatusLine) + "\n";
  auto row = [&out](const char* label, const std::string& value) { out += std::string(label) + "\t" + value + "\n"; };
  row("Name    ", g.name);
  row("Profile ", g.profile);
  row("Scheme  ", g.scheme);
  row("Realm   ", g.realm);
  row("Username", g.username);
  row("Password", g.password_set ? "yes" : "no");
  row("From    ", g.from);
  row("Contact ", g.contact);
  row("Exten   ", g.exten);
  row("To      ", g.to);
  row("Proxy   ", g.proxy);
  row("Context ", g.context);
  row("Expires ", std::to_string(g.expires));
  row("Freq    ", std::to_string(g.freq));
  row("Ping    ", std::to_string(g.next_ping_epoch));
  row("PingFreq", std::to_string(g.ping));
  row("PingTime", fmt::format("{:.2f}", g.ping_time_ms));
  row("PingState", fmt::format("{}/{}/{}", g.ping_min, g.ping_count, g.ping_max));
  row("State   ", to_string(g.state));
  row("Status  ", g.up ? "UP" : "DOWN");
  row("Uptime  ", std::to_string(g.uptime_seconds) + "s");
  row("CallsIN ", std::to_string(g.calls_in));
  row("CallsOUT", std::to_string(g.calls_out));
  row("FailedCallsIN", std::to_string(g.failed_calls_in));
  row("FailedCallsOUT", std::to_string(g.failed_calls_out));
  out += std::string(kStatusLine) + "\n";
  return out;
}

std::string format_gateway_xml(const GatewaySnapshot& g) {
  std::string out = "  <gateway>\n";
  auto el = [&out](const char* tag, const std::string& value) {
    out += fmt::format("    <{0}>{1}</{0}>\n", tag, xml_escape(value));
  };
  el("name", g.name);
  el("profile", g.profile);
  el("scheme", g.scheme);
  el("realm", g.realm);
  el("username", g.username);
  el("password", g.password_set ? "yes" : "no");
  el("from", g.from);
  el("contact", g.contact);
  el("exten", g.exten);
  el("to", g.to);
  el("proxy", g.proxy);
  el("context", g.context);
  el("expires", std::to_string(g.expires));
  el("freq", std::to_string(g.freq));
  el("ping", std::to_string(g.next_ping_epoch));
  el("pingfreq", std::to_string(g.ping));
  el("pingmin", std::to_string(g.ping_min));
  el("pingcount", std::to_string(g.ping_count));
  el("pingmax", std::to_string(g.ping_max));
  el("pingtime", fmt::format("{:.2f}", g.ping_time_ms));
  el("pinging", g.pinging ? "1" : "0");
  el("state", to_string(g.state));
  el("status", g.up ? "UP" : "DOWN");
  el("uptime-usec", std::to_string(g.up ? g.uptime_seconds * 1000000 : 0));
  el("calls-in", std::to_string(g.calls_in));
  el("calls-out", std::to_string(g.calls_out));
  el("failed-calls-in", std::to_string(g.failed_calls_in));
  el("failed-calls-out", std::to_string(g.failed_calls_out));
  if (g.state == GatewayState::failed || g.state == GatewayState::fail_wait || g.state == GatewayState::trying)
    el("retry", g.retry_in_seconds >= 0 ? std::to_string(g.retry_in_seconds) + "s" : "NEVER");
  out += "  </gateway>\n";
  return out;
}

std::string format_gateway_xmlstatus(const GatewaySnapshot& gateway) {
  return std::string(kXmlHeader) + "\n" + format_gateway_xml(gateway);
}

std::string format_gateways_xmlstatus(const std::vector<GatewaySnapshot>& gateways) {
  std::string out = std::string(kXmlHeader) + "\n<gateways>\n";
  for (const GatewaySnapshot& g : gateways) out += format_gateway_xml(g);
  return out + "</gateways>\n";
}

}  // namespace sipedge
