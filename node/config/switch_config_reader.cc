#include "node/config/config_readers.h"
#include "node/config/config_values.h"
#include "node/config/known_params.h"

namespace sipedge {

SwitchConfig read_switch_config(const XmlElement& file, const std::optional<std::string>& dsn_override,
                                const std::string& default_switchname,
                                std::vector<std::string>& warnings) {
  const XmlElement& configuration = find_configuration(file, "switch.conf");
  SwitchConfig config;
  config.where = configuration.where;
  config.switchname = default_switchname;

  const XmlElement* settings = configuration.child("settings");
  if (settings != nullptr) config.params = read_params(*settings, warnings);
  bool dsn_in_file = false;
  for (const Param& param : config.params) {
    if (iequals(param.name, "switchname")) {
      config.switchname = non_empty_value(param);
    } else if (iequals(param.name, "core-db-dsn")) {
      config.core_db_dsn = param.value;
      dsn_in_file = !param.value.empty();
    } else if (iequals(param.name, "loglevel")) {
      config.loglevel = log_level_value(param);
    } else if (iequals(param.name, "logfile")) {
      config.logfile = param.value;
    } else if (!is_known_switch_param(param.name)) {
      add_warning(warnings, param.where, "unknown param \"" + param.name + "\" in switch.conf; ignored");
    }
  }

  if (dsn_override && !dsn_override->empty()) {
    config.core_db_dsn = *dsn_override;
  } else if (!dsn_in_file) {
    throw ConfigError(settings ? settings->where : configuration.where,
                      "missing required param core-db-dsn (or set SIPEDGE_DB_DSN)");
  }
  return config;
}

}  // namespace sipedge
