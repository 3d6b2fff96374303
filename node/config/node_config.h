#pragma once
// The node's configuration as read from a FreeSWITCH-style conf directory:
// switch.conf.xml, sofia.conf.xml (+ sip_profiles/*.xml), acl.conf.xml,
// event_socket.conf.xml, with vars.xml `$${var}` pre-processing.
// Plain structs: nothing here knows about SIP or PostgreSQL.
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace sipedge {

// Where a value came from, for error messages: "conf/sofia.conf.xml:12".
struct SourceLocation {
  std::string file;
  int line = 0;  // 0 when unknown
  std::string str() const { return line > 0 ? file + ":" + std::to_string(line) : file; }
};

// A configuration error: bad XML, a missing required param, an unknown ACL.
// what() names the file (and line where known).
class ConfigError : public std::runtime_error {
 public:
  ConfigError(const SourceLocation& where, const std::string& message)
      : std::runtime_error(where.str() + ": " + message), where_(where) {}
  const SourceLocation& where() const { return where_; }

 private:
  SourceLocation where_;
};

struct Param {
  std::string name;
  std::string value;
  SourceLocation where;
};

struct SwitchConfig {
  std::string switchname;    // node name; defaults to the host name
  std::string core_db_dsn;   // libpq connection string; SIPEDGE_DB_DSN overrides
  std::string loglevel = "info";  // console log level (debug, info, notice, warning, err, crit)
  std::string logfile;       // optional log file path ("" = console only)
  std::vector<Param> params; // everything, as written
  SourceLocation where;
};

// One `apply-inbound-acl` value: `acl[:pass_context[:fail_context]]` (mod_sofia syntax).
struct InboundAcl {
  std::string acl;
  std::string pass_context;  // "" = the profile's context
  std::string fail_context;  // "" = reject
  SourceLocation where;
};

// One <gateway> of a profile (mod_sofia §4), read by gateway_config_reader.cc.
// Values already checked and defaulted as mod_sofia's parse_gateways does
// (the comments give the default); params as written stay in `params`.
struct GatewayVariable {
  std::string name;
  std::string value;
  std::string direction;  // "inbound" | "outbound" | "" (both)
  SourceLocation where;
};

struct GatewayConfig {
  std::string name;             // <gateway name="...">: letters, digits, '_', '.', '-'; unique in sofia.conf
  std::string profile;          // the profile it belongs to
  std::string username;         // required unless register=false (then default "FreeSWITCH", as mod_sofia)
  std::string password;         // required unless register=false
  std::string realm;            // default: proxy (or the name when neither)
  std::string proxy;            // default: realm; may be written "sip:host[:port][;params]"
  bool register_ = true;        // param "register"
  std::string register_transport = "udp";  // udp | tcp (lower case)
  std::string register_proxy;   // next hop for REGISTER, as written ("" = proxy; mod_sofia adds "sip:")
  std::string outbound_proxy;   // Route of calls, as written ("" = none: straight to sip:NUMBER@proxy)
  std::string auth_username;    // default: username
  std::string from_user;        // default: username
  std::string from_domain;      // default: proxy (mod_sofia's From host); also auto-aleg-full/-domain
  bool from_domain_explicit = false;
  bool extension_explicit = false;  // extension was written (calls to gw+NAME then get it as destination)  // from-domain was written (mod_sofia then sets sip_invite_domain)
  std::string extension;        // default: username
  bool extension_in_contact = false;
  bool caller_id_in_from = false;
  int expire_seconds = 3600;    // < 5 -> 3600 (mod_sofia)
  int retry_seconds = 30;       // < 5 -> 30 (mod_sofia); also read from the old spelling "retry_seconds"
  int timeout_seconds = 60;     // REGISTER transaction give-up; < 5 -> 60 (mod_sofia)
  int ping = 0;                 // OPTIONS every N s; 0 = off; 1..4 or negative -> off (mod_sofia: "invalid ping")
  int ping_min = 1;             // answered pings before the gateway is up (>= 0)
  int ping_max = 1;             // >= ping_min (sipedge raises it; see gateway_config_reader.cc)
  std::string contact_params;   // appended to our Contact URI (without leading ';')
  std::string destination_prefix;
  std::string context;          // inbound calls from this gateway; default: the profile's
  // Read as mod_sofia does, not acted upon yet:
  std::string contact_host;     // host of our Contact ("sip-ip" = the profile's sip-ip); "" = ext-sip-ip
  std::string ping_user_agent;  // User-Agent of the OPTIONS pings ("" = the profile's)
  bool ping_monitoring = false; // a gateway status event for every ping result
  bool contact_in_ping = false; // a Contact header in the OPTIONS pings
  bool distinct_to = false;     // REGISTER To is username@proxy instead of the From
  std::string gw_auth_acl;      // ACL for requests the gateway sends us
  int fail_908_retry_seconds = 0;  // "908-retry-seconds": retry after a timeout (908); 0 = retry_seconds
  std::vector<GatewayVariable> variables;  // in document order
  std::vector<Param> params;    // every <param>, as written
  SourceLocation where;

  // Variables that apply to calls in one direction ("inbound" or "outbound"):
  // those with that direction or none, in document order.
  std::vector<const GatewayVariable*> variables_for(const std::string& direction) const;
};

// The SIP transaction timers of a profile's nta agent, in milliseconds
// (mod_sofia's timer-T1, timer-T1X64, timer-T2, timer-T4); 0 = sofia-sip's
// default (RFC 3261: 500, 64 x T1 = 32000, 4000, 5000).
struct SipTimers {
  unsigned t1 = 0;
  unsigned t1x64 = 0;  // timers B, F, H and J on UDP: transaction timeout and retention
  unsigned t2 = 0;
  unsigned t4 = 0;     // timers I and K on UDP
  bool operator==(const SipTimers&) const = default;
};

struct ProfileConfig {
  std::string name;
  std::string sip_ip;        // required
  int sip_port = 5060;
  std::string ext_sip_ip;    // "" = same as sip_ip
  std::string context = "public";
  std::string dialplan = "XML";
  bool sip_trace = false;
  std::vector<std::string> register_acls;  // apply-register-acl, in order (every one must allow)
  std::vector<InboundAcl> inbound_acls;    // apply-inbound-acl, in order
  std::vector<std::string> proxy_acls;     // apply-proxy-acl, in order
  SipTimers timers;
  std::vector<Param> params; // every <param>, in order, including the above
  std::vector<GatewayConfig> gateways;  // <gateways><gateway> in order; names unique in sofia.conf
  SourceLocation where;

  // Value of a param by name, or nullptr.
  const Param* param(const std::string& name) const;
  const GatewayConfig* gateway(const std::string& name) const;
};

struct SofiaGlobalSettings {
  std::string log_level = "0";   // sofia-sip log level for all components
  std::string tracelevel;        // "" = default
  bool siptrace = false;         // global siptrace default
  std::vector<Param> params;
};

struct SofiaConfig {
  SofiaGlobalSettings global;
  std::vector<ProfileConfig> profiles;
  const ProfileConfig* profile(const std::string& name) const;
  // A gateway of any profile: names are global, as in `sofia/gateway/NAME/...`.
  const GatewayConfig* gateway(const std::string& name) const;
};

struct AclNode {
  bool allow = true;
  std::string cidr;          // "192.0.2.0/24", "::1/128"
  SourceLocation where;
};

struct AclList {
  std::string name;
  bool default_allow = false;
  std::vector<AclNode> nodes;
  SourceLocation where;
};

struct AclConfig {
  std::vector<AclList> lists;
  const AclList* list(const std::string& name) const;
};

struct EventSocketConfig {
  std::string listen_ip = "127.0.0.1";
  int listen_port = 8021;
  std::string password = "ClueCon";
  std::string apply_inbound_acl;  // "" = no ACL; must name a list in acl.conf.xml (or a built-in)
  // Every apply-inbound-acl value in order (FreeSWITCH allows several; a client
  // must pass all of them). apply_inbound_acl is the first of these.
  std::vector<std::string> inbound_acls;
  std::vector<Param> params;
  SourceLocation where;
};

struct NodeConfig {
  std::string conf_dir;
  SwitchConfig core;
  SofiaConfig sofia;
  AclConfig acl;
  EventSocketConfig event_socket;
  std::map<std::string, std::string> vars;  // global `$${var}` values after pre-processing
  std::vector<std::string> warnings;  // unknown params etc.: logged, not fatal
};

// Reads the whole conf directory. Throws ConfigError.
// Files: vars.xml (optional, read first), switch.conf.xml and sofia.conf.xml
// (required), acl.conf.xml and event_socket.conf.xml (optional).
// Env SIPEDGE_DB_DSN (when non-empty) overrides core-db-dsn.
NodeConfig load_node_config(const std::string& conf_dir);

}  // namespace sipedge
