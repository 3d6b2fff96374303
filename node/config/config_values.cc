#include "node/config/config_values.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

#include "node/config/ip_network.h"

namespace sipedge {
namespace {

// FreeSWITCH log levels by number (switch_log_level_t); switch_core.c accepts
// a level written either way.
constexpr std::array<const char*, 8> kLogLevels = {"console", "alert", "crit",   "err",
                                                   "warning", "notice", "info", "debug"};

const XmlElement* find_configuration_in(const XmlElement& element, std::string_view name) {
  for (const auto& child : element.children) {
    if (child.name == "configuration" && child.attribute_or_empty("name") == name) return &child;
    if (const XmlElement* nested = find_configuration_in(child, name)) return nested;
  }
  return nullptr;
}

}  // namespace


std::optional<bool> parse_bool(std::string_view text) {
  for (std::string_view yes : {"true", "yes", "on", "1"}) {
    if (iequals(text, yes)) return true;
  }
  for (std::string_view no : {"false", "no", "off", "0"}) {
    if (iequals(text, no)) return false;
  }
  return std::nullopt;
}

std::optional<int> parse_port(std::string_view text) {
  if (text.empty() || text.size() > 5) return std::nullopt;
  int port = -1;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  if (port < 0 || port > 65535) return std::nullopt;
  return port;
}

const XmlElement& find_configuration(const XmlElement& root, std::string_view name) {
  if (const XmlElement* found = find_configuration_in(root, name)) return *found;
  throw ConfigError(root.where,
                    "no <configuration name=\"" + std::string(name) + "\"> element in this file");
}

std::vector<Param> read_params(const XmlElement& section, std::vector<std::string>& warnings) {
  std::vector<Param> params;
  for (const auto& child : section.children) {
    if (child.name != "param") {
      add_warning(warnings, child.where,
                  "unexpected <" + child.name + "> in <" + section.name + ">; ignored");
      continue;
    }
    const std::string* name = child.attribute("name");
    if (name == nullptr || name->empty()) {
      throw ConfigError(child.where, "<param> without a name");
    }
    // switch_xml_attr_soft: a missing value reads as "".
    params.push_back(Param{*name, child.attribute_or_empty("value"), child.where});
  }
  return params;
}

bool bool_value(const Param& param) {
  if (auto value = parse_bool(param.value)) return *value;
  throw ConfigError(param.where, "param " + param.name + ": \"" + param.value +
                                     "\" is not a boolean (true/false, yes/no, on/off)");
}

int port_value(const Param& param) {
  if (auto value = parse_port(param.value)) return *value;
  throw ConfigError(param.where, "param " + param.name + ": \"" + param.value +
                                     "\" is not a port number (0..65535)");
}

std::chrono::milliseconds milliseconds_value(const Param& param, long min, long max) {
  const std::string& v = param.value;
  bool digits = !v.empty() && v.size() <= 9;
  for (char c : v) digits = digits && c >= '0' && c <= '9';
  long n = digits ? std::stol(v) : -1;
  if (n < min || n > max)
    throw ConfigError(param.where, "param " + param.name + ": \"" + v + "\" is not a number of milliseconds between " +
                                       std::to_string(min) + " and " + std::to_string(max));
  return std::chrono::milliseconds(n);
}

std::string ip_value(const Param& param) {
  if (IpAddress::parse(param.value)) {
    const std::string& v = param.value;
    // "[::1]" is accepted; the brackets are URI syntax, not part of the address.
    return v.size() > 2 && v.front() == '[' && v.back() == ']' ? v.substr(1, v.size() - 2) : v;
  }
  throw ConfigError(param.where, "param " + param.name + ": \"" + param.value +
                                     "\" is not an IPv4 or IPv6 address");
}

std::string non_empty_value(const Param& param) {
  if (!param.value.empty()) return param.value;
  throw ConfigError(param.where, "param " + param.name + " must not be empty");
}

std::string log_level_value(const Param& param) {
  std::string value = to_lower(param.value);
  if (value.size() == 1 && value[0] >= '0' && value[0] <= '7') return kLogLevels[value[0] - '0'];
  if (value == "error") return "err";  // switch_log_str2level accepts both spellings
  if (value == "warn") return "warning";
  for (const char* level : kLogLevels) {
    if (value == level) return value;
  }
  throw ConfigError(param.where, "param " + param.name + ": \"" + param.value +
                                     "\" is not a log level (console, alert, crit, err, warning, "
                                     "notice, info, debug or 0..7)");
}

void add_warning(std::vector<std::string>& warnings, const SourceLocation& where,
                 const std::string& message) {
  warnings.push_back(where.str() + ": " + message);
}

}  // namespace sipedge
