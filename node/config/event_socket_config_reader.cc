#include "node/config/config_readers.h"
#include "node/config/config_values.h"
#include "node/config/known_params.h"

namespace sipedge {

EventSocketConfig read_event_socket_config(const XmlElement& file,
                                           std::vector<std::string>& warnings) {
  const XmlElement& configuration = find_configuration(file, "event_socket.conf");
  EventSocketConfig config;
  config.where = configuration.where;
  if (const XmlElement* settings = configuration.child("settings")) {
    config.params = read_params(*settings, warnings);
  }
  for (const Param& param : config.params) {
    if (iequals(param.name, "listen-ip")) {
      config.listen_ip = ip_value(param);
    } else if (iequals(param.name, "listen-port")) {
      config.listen_port = port_value(param);  // 0 = ephemeral (tests)
    } else if (iequals(param.name, "password")) {
      config.password = non_empty_value(param);
    } else if (iequals(param.name, "apply-inbound-acl")) {
      // mod_event_socket keeps every value; a client must pass all of them.
      config.inbound_acls.push_back(non_empty_value(param));
    } else if (!is_known_event_socket_param(param.name)) {
      add_warning(warnings, param.where,
                  "unknown param \"" + param.name + "\" in event_socket.conf; ignored");
    }
  }
  if (!config.inbound_acls.empty()) config.apply_inbound_acl = config.inbound_acls.front();
  return config;
}

}  // namespace sipedge
