// read_gateway: one <gateway> of a sofia profile into a GatewayConfig, with
// mod_sofia's defaults and clamping (sofia.c, parse_gateways). Called by the
// sofia.conf reader, once per gateway, on the loading thread; no state.
//
// Where sipedge differs from mod_sofia (which logs and skips, or uses atoi):
// - errors stop the node instead of skipping the gateway: a bad name, register
//   without username/password, a number that is not one, a transport other
//   than udp/tcp (mod_sofia also knows tls/sctp), a non-boolean where a boolean
//   is expected (switch_true would read it as false), a variable without a
//   name or with a direction other than inbound/outbound (mod_sofia drops it);
// - ping-max below ping-min is raised to ping-min with a warning (mod_sofia
//   keeps it, and the gateway could then never be marked up); a negative
//   ping-min/ping-max becomes 0; a negative ping is "off" (mod_sofia would read
//   it as a huge unsigned interval);
// - params may be direct children of <gateway> and inside <params>, variables
//   inside <variables> and direct <variable> children: both are read (mod_sofia
//   reads the wrapper if there is one, else the direct children);
// - <subscriptions> is not supported (warning).
// Param names are compared exactly, as mod_sofia does with strcmp.
#include <charconv>
#include <cctype>
#include <string_view>

#include "node/config/config_readers.h"
#include "node/config/config_values.h"
#include "node/config/known_params.h"

namespace sipedge {
namespace {

// mod_sofia's username when register=false and none is given.
constexpr const char* kDefaultUnregisteredUsername = "FreeSWITCH";

// mod_sofia's name check: ^[\w\.\-\_]+$ (names end up in sofia/gateway/NAME/...).
bool valid_gateway_name(std::string_view name) {
  if (name.empty()) return false;
  for (unsigned char c : name) {
    if (!std::isalnum(c) && c != '_' && c != '.' && c != '-') return false;
  }
  return true;
}

// A decimal integer, optionally signed (mod_sofia uses atoi, which reads
// "30s" as 30 and "abc" as 0; sipedge refuses both).
int int_value(const Param& param) {
  const std::string& v = param.value;
  const char* begin = v.data();
  const char* end = v.data() + v.size();
  if (begin != end && *begin == '+') ++begin;
  int value = 0;
  auto [stop, error] = std::from_chars(begin, end, value);
  if (v.empty() || error != std::errc() || stop != end) {
    throw ConfigError(param.where, "param " + param.name + ": \"" + v + "\" is not a whole number");
  }
  return value;
}

// expire-seconds, retry-seconds, timeout-seconds: mod_sofia replaces a value
// below 5 with its default and logs a warning; so does sipedge.
int seconds_value(const Param& param, int fallback, const std::string& gateway,
                  std::vector<std::string>& warnings) {
  int value = int_value(param);
  if (value >= 5) return value;
  add_warning(warnings, param.where,
              "gateway \"" + gateway + "\": " + param.name + " " + std::to_string(value) + " is below 5; using " +
                  std::to_string(fallback));
  return fallback;
}

std::string transport_value(const Param& param) {
  std::string lowered = to_lower(param.value);
  if (lowered == "udp" || lowered == "tcp") return lowered;
  throw ConfigError(param.where, "param register-transport: \"" + param.value + "\" is not supported (udp or tcp)");
}

GatewayVariable read_variable(const XmlElement& element, const std::string& gateway,
                              std::vector<std::string>& warnings, bool& keep) {
  GatewayVariable variable;
  variable.where = element.where;
  variable.name = element.attribute_or_empty("name");
  if (variable.name.empty()) {
    throw ConfigError(element.where, "gateway \"" + gateway + "\": <variable> without a name");
  }
  const std::string* value = element.attribute("value");
  keep = value != nullptr;
  if (!keep) {
    // mod_sofia skips a variable without value= silently.
    add_warning(warnings, element.where,
                "gateway \"" + gateway + "\": <variable name=\"" + variable.name + "\"> without a value; ignored");
    return variable;
  }
  variable.value = *value;
  if (const std::string* direction = element.attribute("direction")) {
    std::string lowered = to_lower(*direction);
    if (lowered != "inbound" && lowered != "outbound") {
      throw ConfigError(element.where, "gateway \"" + gateway + "\": variable \"" + variable.name +
                                           "\": direction \"" + *direction + "\" is not inbound or outbound");
    }
    variable.direction = lowered;
  }
  return variable;
}

void read_variables(const XmlElement& section, GatewayConfig& gateway, std::vector<std::string>& warnings) {
  for (const XmlElement& child : section.children) {
    if (child.name != "variable") {
      add_warning(warnings, child.where, "unexpected <" + child.name + "> in <variables>; ignored");
      continue;
    }
    bool keep = false;
    GatewayVariable variable = read_variable(child, gateway.name, warnings, keep);
    if (keep) gateway.variables.push_back(std::move(variable));
  }
}

// Applies the params in order (the last of a name wins), as mod_sofia does.
void apply_params(GatewayConfig& gw, std::vector<std::string>& warnings) {
  for (const Param& param : gw.params) {
    const std::string& n = param.name;
    const std::string& v = param.value;
    if (n == "register") {
      gw.register_ = bool_value(param);
    } else if (n == "username") {
      gw.username = v;
    } else if (n == "password") {
      gw.password = v;
    } else if (n == "realm") {
      gw.realm = v;
    } else if (n == "proxy") {
      gw.proxy = v;
    } else if (n == "register-transport") {
      gw.register_transport = transport_value(param);
    } else if (n == "register-proxy") {
      gw.register_proxy = v;
    } else if (n == "outbound-proxy") {
      gw.outbound_proxy = v;
    } else if (n == "auth-username") {
      gw.auth_username = v;
    } else if (n == "from-user") {
      gw.from_user = v;
    } else if (n == "from-domain") {
      gw.from_domain = v;
    } else if (n == "extension") {
      gw.extension = v;
    } else if (n == "extension-in-contact") {
      gw.extension_in_contact = bool_value(param);
    } else if (n == "caller-id-in-from") {
      gw.caller_id_in_from = bool_value(param);
    } else if (n == "expire-seconds") {
      gw.expire_seconds = seconds_value(param, 3600, gw.name, warnings);
    } else if (n == "retry-seconds" || n == "retry_seconds") {  // mod_sofia keeps the old spelling
      gw.retry_seconds = seconds_value(param, 30, gw.name, warnings);
    } else if (n == "timeout-seconds") {
      gw.timeout_seconds = seconds_value(param, 60, gw.name, warnings);
    } else if (n == "908-retry-seconds") {
      gw.fail_908_retry_seconds = int_value(param);
    } else if (n == "ping") {
      gw.ping = int_value(param);
    } else if (n == "ping-min") {
      gw.ping_min = int_value(param);
    } else if (n == "ping-max") {
      gw.ping_max = int_value(param);
    } else if (n == "contact-params") {
      gw.contact_params = v.empty() || v[0] != ';' ? v : v.substr(1);
    } else if (n == "destination-prefix") {
      gw.destination_prefix = v;
    } else if (n == "context") {
      if (!v.empty()) gw.context = v;
    } else if (n == "contact-host") {
      gw.contact_host = v;
    } else if (n == "ping-user-agent") {
      gw.ping_user_agent = v;
    } else if (n == "ping-monitoring") {
      gw.ping_monitoring = bool_value(param);
    } else if (n == "contact-in-ping") {
      gw.contact_in_ping = bool_value(param);
    } else if (n == "distinct-to") {
      gw.distinct_to = bool_value(param);
    } else if (n == "gw-auth-acl") {
      gw.gw_auth_acl = v;
    } else if (!is_known_gateway_param(n)) {
      std::string hint = is_known_gateway_param(to_lower(n)) ? " (gateway param names are case-sensitive)" : "";
      add_warning(warnings, param.where,
                  "unknown param \"" + n + "\" in gateway \"" + gw.name + "\"; ignored" + hint);
    }
  }
}

// The defaults that depend on other params, in mod_sofia's order.
void apply_defaults(GatewayConfig& gw, std::vector<std::string>& warnings) {
  if (gw.realm.empty()) gw.realm = gw.proxy.empty() ? gw.name : gw.proxy;
  if (gw.register_) {
    if (gw.username.empty()) {
      throw ConfigError(gw.where, "gateway \"" + gw.name + "\": param username is required (or register=false)");
    }
    if (gw.password.empty()) {
      throw ConfigError(gw.where, "gateway \"" + gw.name + "\": param password is required (or register=false)");
    }
  } else if (gw.username.empty()) {
    gw.username = kDefaultUnregisteredUsername;
  }
  if (gw.from_user.empty()) gw.from_user = gw.username;
  if (gw.proxy.empty()) gw.proxy = gw.realm;
  if (gw.auth_username.empty()) gw.auth_username = gw.username;
  gw.from_domain_explicit = !gw.from_domain.empty();
  if (gw.from_domain.empty()) gw.from_domain = gw.proxy;
  gw.extension_explicit = !gw.extension.empty();
  if (gw.extension.empty()) gw.extension = gw.username;

  const Param* ping = nullptr;
  for (const Param& p : gw.params) {
    if (p.name == "ping") ping = &p;
  }
  if (gw.ping != 0 && gw.ping < 5) {
    // mod_sofia: "invalid ping", and the gateway is not pinged.
    add_warning(warnings, ping->where,
                "gateway \"" + gw.name + "\": ping " + std::to_string(gw.ping) + " is invalid (0 or at least 5); "
                "not pinging");
    gw.ping = 0;
  }
  if (gw.ping_min < 0) gw.ping_min = 0;
  if (gw.ping_max < 0) gw.ping_max = 0;
  if (gw.ping_max < gw.ping_min) {
    add_warning(warnings, gw.where,
                "gateway \"" + gw.name + "\": ping-max " + std::to_string(gw.ping_max) + " is below ping-min " +
                    std::to_string(gw.ping_min) + "; using " + std::to_string(gw.ping_min));
    gw.ping_max = gw.ping_min;
  }
}

}  // namespace

GatewayConfig read_gateway(const XmlElement& element, const ProfileConfig& profile,
                           std::vector<std::string>& warnings) {
  GatewayConfig gw;
  gw.where = element.where;
  gw.profile = profile.name;
  gw.context = profile.context;
  const std::string* name = element.attribute("name");
  if (name == nullptr || name->empty()) {
    throw ConfigError(element.where, "<gateway> without a name in profile \"" + profile.name + "\"");
  }
  if (!valid_gateway_name(*name)) {
    throw ConfigError(element.where, "gateway name \"" + *name +
                                         "\": only letters, digits, '_', '.' and '-' are allowed");
  }
  gw.name = *name;

  for (const XmlElement& child : element.children) {
    if (child.name == "param") {
      const std::string* param_name = child.attribute("name");
      if (param_name == nullptr || param_name->empty()) throw ConfigError(child.where, "<param> without a name");
      gw.params.push_back(Param{*param_name, child.attribute_or_empty("value"), child.where});
    } else if (child.name == "params") {
      auto params = read_params(child, warnings);
      gw.params.insert(gw.params.end(), params.begin(), params.end());
    } else if (child.name == "variables") {
      read_variables(child, gw, warnings);
    } else if (child.name == "variable") {
      bool keep = false;
      GatewayVariable variable = read_variable(child, gw.name, warnings, keep);
      if (keep) gw.variables.push_back(std::move(variable));
    } else if (child.name == "subscriptions") {
      add_warning(warnings, child.where,
                  "gateway \"" + gw.name + "\": <subscriptions> are not supported; ignored");
    } else {
      add_warning(warnings, child.where,
                  "unexpected <" + child.name + "> in gateway \"" + gw.name + "\"; ignored");
    }
  }
  apply_params(gw, warnings);
  apply_defaults(gw, warnings);
  return gw;
}

}  // namespace sipedge
