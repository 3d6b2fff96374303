// load_node_config: reads a conf directory in FreeSWITCH's order (variables
// first, then core, then modules) and checks what spans files (ACL names).
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <filesystem>

#include "node/config/acl_matcher.h"
#include "node/config/config_readers.h"
#include "node/config/config_values.h"
#include "node/config/local_networks.h"
#include "node/config/node_config.h"
#include "node/config/xml_preprocessor.h"

namespace sipedge {
namespace {

namespace fs = std::filesystem;

std::string host_name() {
  char name[HOST_NAME_MAX + 1] = {};
  if (gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

// Variables FreeSWITCH defines before reading any file (switch_core_init),
// so $${local_ip_v4} works without vars.xml. The addresses come from the
// interface list, not from a routing probe, so nothing is sent anywhere.
void define_builtin_vars(XmlPreprocessor& preprocessor, const std::string& conf_dir) {
  std::string v4 = "127.0.0.1";
  std::string v6 = "::1";
  bool have_v4 = false;
  bool have_v6 = false;
  for (const auto& local : local_interface_addresses()) {
    if (local.loopback) continue;
    if (!have_v4 && local.address.family == 4) {
      v4 = local.address.str();
      have_v4 = true;
    }
    // Skip link-local fe80::/10: it is unusable without a zone.
    bool link_local = local.address.bytes[0] == 0xfe && (local.address.bytes[1] & 0xc0) == 0x80;
    if (!have_v6 && local.address.family == 6 && !link_local) {
      v6 = local.address.str();
      have_v6 = true;
    }
  }
  preprocessor.set_var("hostname", host_name());
  preprocessor.set_var("local_ip_v4", v4);
  preprocessor.set_var("local_ip_v6", v6);
  preprocessor.set_var("conf_dir", conf_dir);
}

bool exists(const XmlPreprocessor& preprocessor, const std::string& file) {
  std::error_code error;
  return fs::exists(preprocessor.resolve(file), error);
}

void check_acl(const AclMatcher& acls, const std::string& name, const SourceLocation& where,
               const std::string& used_by) {
  if (!acls.has_list(name)) {
    throw ConfigError(where, used_by + ": unknown ACL \"" + name +
                                 "\" (not in acl.conf.xml, not a built-in, not an address)");
  }
}

// Every ACL a param names must exist, or requests would be judged against a
// missing list at run time (FreeSWITCH then silently denies).
void check_acl_references(const NodeConfig& config) {
  AclMatcher acls(config.acl);
  for (const Param& param : config.event_socket.params) {
    if (iequals(param.name, "apply-inbound-acl")) {
      check_acl(acls, param.value, param.where, "event_socket apply-inbound-acl");
    }
  }
  for (const ProfileConfig& profile : config.sofia.profiles) {
    for (const Param& param : profile.params) {
      std::string used_by = "profile \"" + profile.name + "\" " + param.name;
      if (iequals(param.name, "apply-register-acl") || iequals(param.name, "apply-proxy-acl")) {
        check_acl(acls, param.value, param.where, used_by);
      }
    }
    for (const InboundAcl& inbound : profile.inbound_acls) {
      check_acl(acls, inbound.acl, inbound.where,
                "profile \"" + profile.name + "\" apply-inbound-acl");
    }
    for (const GatewayConfig& gateway : profile.gateways) {
      if (gateway.gw_auth_acl.empty()) continue;
      const Param* param = nullptr;
      for (const Param& p : gateway.params)
        if (iequals(p.name, "gw-auth-acl")) param = &p;
      check_acl(acls, gateway.gw_auth_acl, param ? param->where : gateway.where,
                "gateway \"" + gateway.name + "\" gw-auth-acl");
    }
  }
}

}  // namespace

NodeConfig load_node_config(const std::string& conf_dir) {
  NodeConfig config;
  config.conf_dir = conf_dir;
  std::error_code error;
  if (!fs::is_directory(conf_dir, error)) {
    throw ConfigError(SourceLocation{conf_dir, 0}, "not a configuration directory");
  }

  XmlPreprocessor preprocessor(conf_dir, config.warnings);
  define_builtin_vars(preprocessor, conf_dir);
  // vars.xml first, as freeswitch.xml includes it before everything else.
  if (exists(preprocessor, "vars.xml")) preprocessor.load_file("vars.xml");

  std::optional<std::string> dsn_override;
  if (const char* env = std::getenv("SIPEDGE_DB_DSN"); env != nullptr && *env != '\0') {
    dsn_override = env;
  }
  config.core = read_switch_config(preprocessor.load_file("switch.conf.xml"), dsn_override,
                                   host_name(), config.warnings);
  config.sofia = read_sofia_config(preprocessor.load_file("sofia.conf.xml"), config.warnings);
  if (exists(preprocessor, "acl.conf.xml")) {
    config.acl = read_acl_config(preprocessor.load_file("acl.conf.xml"), config.warnings);
  }
  if (exists(preprocessor, "event_socket.conf.xml")) {
    config.event_socket =
        read_event_socket_config(preprocessor.load_file("event_socket.conf.xml"), config.warnings);
  } else {
    config.event_socket.where = SourceLocation{preprocessor.resolve("event_socket.conf.xml"), 0};
  }
  check_acl_references(config);
  config.vars = preprocessor.vars();
  return config;
}

}  // namespace sipedge
