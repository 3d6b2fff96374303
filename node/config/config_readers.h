#pragma once
// One reader per FreeSWITCH configuration file. Each takes the pre-processed
// file (XmlPreprocessor::load_file), fills its node_config.h struct, throws
// ConfigError (file:line) for bad values and appends warnings for params it
// does not know. Cross-file checks (ACL names) are in load_node_config.
#include <optional>
#include <string>
#include <vector>

#include "node/config/node_config.h"
#include "node/config/xml_element.h"

namespace sipedge {

// switch.conf.xml. `dsn_override` (env SIPEDGE_DB_DSN) replaces core-db-dsn
// and makes it optional in the file; `default_switchname` is used when
// switchname is not set (the host name).
SwitchConfig read_switch_config(const XmlElement& file, const std::optional<std::string>& dsn_override,
                                const std::string& default_switchname,
                                std::vector<std::string>& warnings);

// sofia.conf.xml with its included profiles.
SofiaConfig read_sofia_config(const XmlElement& file, std::vector<std::string>& warnings);

// One <gateway> element of `profile` (whose settings, context included, are
// already read): params, variables, mod_sofia's defaults. Throws ConfigError
// for a missing or bad name, register without username/password and bad
// values. Name uniqueness is checked by read_sofia_config.
GatewayConfig read_gateway(const XmlElement& element, const ProfileConfig& profile,
                           std::vector<std::string>& warnings);

// acl.conf.xml.
AclConfig read_acl_config(const XmlElement& file, std::vector<std::string>& warnings);

// event_socket.conf.xml.
EventSocketConfig read_event_socket_config(const XmlElement& file,
                                           std::vector<std::string>& warnings);

}  // namespace sipedge
