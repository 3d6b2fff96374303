#pragma once
// Helpers shared by the config readers: finding a <configuration> section,
// collecting <param> elements, and parsing typed values with errors that
// name the param's file:line.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "node/common/ascii_case.h"
#include "node/config/node_config.h"
#include "node/config/xml_element.h"

namespace sipedge {


// true/yes/on/1 and false/no/off/0, any case; nullopt otherwise.
std::optional<bool> parse_bool(std::string_view text);
// 0..65535 written in decimal; nullopt otherwise.
std::optional<int> parse_port(std::string_view text);

// The <configuration name="..."> element of a pre-processed file (searched in
// the whole tree, so a freeswitch.xml-style <document><section> wrapper works).
// Throws ConfigError naming the file when it is missing.
const XmlElement& find_configuration(const XmlElement& root, std::string_view name);

// Every <param name= value=> child of `section`, in order. A param without a
// name is a ConfigError; other child elements get a warning.
std::vector<Param> read_params(const XmlElement& section, std::vector<std::string>& warnings);

// Typed param values; each throws ConfigError at the param's file:line.
bool bool_value(const Param& param);
int port_value(const Param& param);
std::string ip_value(const Param& param);  // an IPv4/IPv6 literal
std::string non_empty_value(const Param& param);
// A whole number of milliseconds, min..max.
std::chrono::milliseconds milliseconds_value(const Param& param, long min, long max);
// A FreeSWITCH log level name (console, alert, crit, err, warning, notice,
// info, debug) or its number 0..7; returns the lower-case name.
std::string log_level_value(const Param& param);

void add_warning(std::vector<std::string>& warnings, const SourceLocation& where,
                 const std::string& message);

}  // namespace sipedge
