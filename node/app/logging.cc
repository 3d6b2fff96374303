#include "node/app/logging.h"

#include <memory>
#include <vector>

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace sipedge {

std::optional<spdlog::level::level_enum> parse_log_level(const std::string& name) {
  using spdlog::level::level_enum;
  static const std::pair<const char*, level_enum> levels[] = {
      {"console", level_enum::critical}, {"0", level_enum::critical},
      {"alert", level_enum::critical},   {"1", level_enum::critical},
      {"crit", level_enum::critical},    {"2", level_enum::critical},
      {"err", level_enum::err},          {"error", level_enum::err},   {"3", level_enum::err},
      {"warning", level_enum::warn},     {"warn", level_enum::warn},   {"4", level_enum::warn},
      {"notice", level_enum::info},      {"5", level_enum::info},
      {"info", level_enum::info},        {"6", level_enum::info},
      {"debug", level_enum::debug},      {"7", level_enum::debug},
  };
  std::string lower;
  for (char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (auto& [n, level] : levels)
    if (lower == n) return level;
  return std::nullopt;
}

std::string log_level_name(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
    case spdlog::level::debug: return "DEBUG";
    case spdlog::level::info: return "INFO";
    case spdlog::level::warn: return "WARNING";
    case spdlog::level::err: return "ERR";
    case spdlog::level::critical: return "CRIT";
    default: return "CONSOLE";
  }
}

void setup_logging(spdlog::level::level_enum level, const std::string& logfile) {
  std::vector<spdlog::sink_ptr> sinks{std::make_shared<spdlog::sinks::stderr_color_sink_mt>()};
  if (!logfile.empty()) sinks.push_back(std::make_shared<spdlog::sinks::basic_file_sink_mt>(logfile));
  auto logger = std::make_shared<spdlog::logger>("sipedge", sinks.begin(), sinks.end());
  logger->set_level(level);
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

}  // namespace sipedge
