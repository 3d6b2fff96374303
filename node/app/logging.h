#pragma once
// spdlog set-up: console (stderr) and an optional file, with FreeSWITCH's
// level names (console, alert, crit, err, warning, notice, info, debug or 0-7).
#include <optional>
#include <string>

#include <spdlog/common.h>

namespace sipedge {

std::optional<spdlog::level::level_enum> parse_log_level(const std::string& name);
// FreeSWITCH's upper-case name for a level ("DEBUG", "INFO", ...).
std::string log_level_name(spdlog::level::level_enum level);
// Replaces the default logger. Throws spdlog::spdlog_ex if the file cannot be opened.
void setup_logging(spdlog::level::level_enum level, const std::string& logfile);

}  // namespace sipedge
