#include <algorithm>
#include <cctype>

#include "node/config/config_readers.h"
#include "node/config/config_values.h"
#include "node/config/ip_network.h"
#include "node/config/known_params.h"

namespace sipedge {
namespace {

void read_global_settings(const XmlElement& section, SofiaGlobalSettings& global,
                          std::vector<std::string>& warnings) {
  global.params = read_params(section, warnings);
  for (const Param& param : global.params) {
    if (iequals(param.name, "log-level")) {
      // sofia-sip component log levels are 0..9 (su_log_set_level).
      const std::string& v = param.value;
      if (v.size() != 1 || !std::isdigit(static_cast<unsigned char>(v[0]))) {
        throw ConfigError(param.where, "param log-level: \"" + v + "\" is not a sofia-sip log level (0..9)");
      }
      global.log_level = v;
    } else if (iequals(param.name, "tracelevel")) {
      global.tracelevel = log_level_value(param);
    } else if (iequals(param.name, "siptrace")) {
      global.siptrace = bool_value(param);
    } else if (!is_known_sofia_global_param(param.name)) {
      add_warning(warnings, param.where,
                  "unknown param \"" + param.name + "\" in sofia.conf <global_settings>; ignored");
    }
  }
}

bool looks_like_hostname(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '.' || c == '-';
  });
}

// ext-sip-ip: an address or host name goes into Contact/Via as written.
// mod_sofia's discovery forms (auto, auto-nat, stun:, host:) need NAT discovery
// that sipedge does not do yet: accepted with a warning, sip-ip is used.
std::string ext_sip_ip_value(const Param& param, const std::string& profile,
                             std::vector<std::string>& warnings) {
  const std::string& v = param.value;
  std::string lowered = to_lower(v);
  if (lowered == "auto" || lowered == "auto-nat" || lowered.rfind("stun:", 0) == 0 ||
      lowered.rfind("host:", 0) == 0) {
    add_warning(warnings, param.where,
                "profile \"" + profile + "\": ext-sip-ip \"" + v +
                    "\" (NAT discovery) is not supported yet; using sip-ip");
    return {};
  }
  if (IpAddress::parse(v)) return ip_value(param);
  if (looks_like_hostname(v)) return v;
  throw ConfigError(param.where, "param ext-sip-ip: \"" + v + "\" is not an address or host name");
}

// apply-inbound-acl = acl[:pass_context[:fail_context]] (sofia.c splits on ':').
InboundAcl inbound_acl_value(const Param& param) {
  InboundAcl acl;
  acl.where = param.where;
  const std::string& v = param.value;
  auto first = v.find(':');
  acl.acl = v.substr(0, first);
  if (first != std::string::npos) {
    auto second = v.find(':', first + 1);
    acl.pass_context = v.substr(first + 1, second == std::string::npos ? second : second - first - 1);
    if (second != std::string::npos) acl.fail_context = v.substr(second + 1);
  }
  if (acl.acl.empty()) {
    throw ConfigError(param.where, "param apply-inbound-acl: \"" + v + "\" does not start with an ACL name");
  }
  return acl;
}

// A transaction timer above an hour is a typo (nta would keep transactions that long).
constexpr long kMaxSipTimerMs = 3600 * 1000;

ProfileConfig read_profile(const XmlElement& element, std::vector<std::string>& warnings) {
  ProfileConfig profile;
  profile.where = element.where;
  profile.name = element.attribute_or_empty("name");
  if (profile.name.empty()) throw ConfigError(element.where, "<profile> without a name");

  std::vector<const XmlElement*> gateway_elements;
  for (const XmlElement& child : element.children) {
    if (child.name == "settings") {
      auto params = read_params(child, warnings);
      profile.params.insert(profile.params.end(), params.begin(), params.end());
    } else if (child.name == "gateways") {
      // Every <gateways> is read (mod_sofia reads the first one only).
      for (const XmlElement& gateway : child.children) {
        if (gateway.name == "gateway") {
          gateway_elements.push_back(&gateway);
        } else {
          add_warning(warnings, gateway.where, "unexpected <" + gateway.name + "> in <gateways>; ignored");
        }
      }
    } else if (child.name == "aliases" || child.name == "domains" || child.name == "variables") {
      // Parsed by later issues (aliases, domains); tolerated now.
    } else {
      add_warning(warnings, child.where,
                  "unexpected <" + child.name + "> in profile \"" + profile.name + "\"; ignored");
    }
  }

  bool have_sip_ip = false;
  for (const Param& param : profile.params) {
    const std::string& name = param.name;
    if (iequals(name, "sip-ip")) {
      profile.sip_ip = ip_value(param);
      have_sip_ip = true;
    } else if (iequals(name, "sip-port")) {
      profile.sip_port = port_value(param);
    } else if (iequals(name, "ext-sip-ip")) {
      profile.ext_sip_ip = ext_sip_ip_value(param, profile.name, warnings);
    } else if (iequals(name, "context")) {
      profile.context = non_empty_value(param);
    } else if (iequals(name, "dialplan")) {
      profile.dialplan = non_empty_value(param);
    } else if (iequals(name, "sip-trace")) {
      profile.sip_trace = bool_value(param);
    } else if (iequals(name, "apply-register-acl")) {
      profile.register_acls.push_back(non_empty_value(param));
    } else if (iequals(name, "apply-inbound-acl")) {
      profile.inbound_acls.push_back(inbound_acl_value(param));
    } else if (iequals(name, "apply-proxy-acl")) {
      profile.proxy_acls.push_back(non_empty_value(param));
    } else if (iequals(name, "timer-T1")) {
      profile.timers.t1 = static_cast<unsigned>(milliseconds_value(param, 1, kMaxSipTimerMs).count());
    } else if (iequals(name, "timer-T1X64")) {
      profile.timers.t1x64 = static_cast<unsigned>(milliseconds_value(param, 1, kMaxSipTimerMs).count());
    } else if (iequals(name, "timer-T2")) {
      profile.timers.t2 = static_cast<unsigned>(milliseconds_value(param, 1, kMaxSipTimerMs).count());
    } else if (iequals(name, "timer-T4")) {
      profile.timers.t4 = static_cast<unsigned>(milliseconds_value(param, 1, kMaxSipTimerMs).count());
    } else if (!is_known_profile_param(name)) {
      add_warning(warnings, param.where,
                  "unknown param \"" + name + "\" in profile \"" + profile.name + "\"; ignored");
    }
  }
  if (!have_sip_ip) {
    throw ConfigError(profile.where,
                      "profile \"" + profile.name + "\": missing required param sip-ip");
  }
  // After the settings, which give a gateway its default context.
  for (const XmlElement* element : gateway_elements) {
    GatewayConfig gateway = read_gateway(*element, profile, warnings);
    if (const GatewayConfig* earlier = profile.gateway(gateway.name)) {
      throw ConfigError(gateway.where, "duplicate gateway \"" + gateway.name + "\" (first defined at " +
                                           earlier->where.str() + ")");
    }
    profile.gateways.push_back(std::move(gateway));
  }
  return profile;
}

}  // namespace

SofiaConfig read_sofia_config(const XmlElement& file, std::vector<std::string>& warnings) {
  const XmlElement& configuration = find_configuration(file, "sofia.conf");
  SofiaConfig config;
  if (const XmlElement* global = configuration.child("global_settings")) {
    read_global_settings(*global, config.global, warnings);
  }
  const XmlElement* profiles = configuration.child("profiles");
  if (profiles == nullptr) {
    add_warning(warnings, configuration.where, "sofia.conf has no <profiles>; no SIP listener");
    return config;
  }
  for (const XmlElement& child : profiles->children) {
    if (child.name != "profile") {
      add_warning(warnings, child.where, "unexpected <" + child.name + "> in <profiles>; ignored");
      continue;
    }
    ProfileConfig profile = read_profile(child, warnings);
    if (const ProfileConfig* earlier = config.profile(profile.name)) {
      throw ConfigError(profile.where, "duplicate profile \"" + profile.name +
                                           "\" (first defined at " + earlier->where.str() + ")");
    }
    // Gateway names are global (sofia/gateway/NAME/...), as mod_sofia's gateway hash.
    for (const GatewayConfig& gateway : profile.gateways) {
      if (const GatewayConfig* earlier = config.gateway(gateway.name)) {
        throw ConfigError(gateway.where, "duplicate gateway \"" + gateway.name + "\" (first defined at " +
                                             earlier->where.str() + " in profile \"" + earlier->profile + "\")");
      }
    }
    config.profiles.push_back(std::move(profile));
  }
  if (config.profiles.empty()) {
    add_warning(warnings, profiles->where, "sofia.conf defines no profile; no SIP listener");
  }
  return config;
}

}  // namespace sipedge
