// sipedge: the node (`sipedge --conf DIR`) and its admin subcommands
// (`sipedge migrate --conf DIR`). Exit codes: 0 clean stop, 1 other failure,
// 2 configuration error, 3 migration/database schema failure.
#include <cstdlib>
#include <memory>
#include <iostream>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "node/app/directory_command.h"
#include "node/app/logging.h"
#include "node/app/node.h"
#include "node/config/node_config.h"
#include "store/migrate_command.h"

namespace {

constexpr const char* kUsage =
    "usage: sipedge [run] --conf DIR [--migrations DIR]\n"
    "       sipedge migrate --conf DIR [--migrations DIR]\n"
    "       sipedge directory add USER@DOMAIN --password P [--a1-hash HEX] [--var k=v ...] [--disabled] --conf DIR\n"
    "       sipedge directory del USER@DOMAIN --conf DIR\n"
    "       sipedge directory list [DOMAIN] --conf DIR\n"
    "       sipedge directory import DIR --conf DIR      (FreeSWITCH directory XML files)\n"
    "       sipedge --version\n"
    "Environment: SIPEDGE_DB_DSN overrides core-db-dsn; SIPEDGE_MIGRATIONS_DIR the migrations.\n";

struct Args {
  std::string command = "run";
  std::string conf_dir;
  std::string migrations_dir;
  std::vector<std::string> rest;  // the words after `directory`
};

std::string default_migrations_dir() {
  if (const char* env = std::getenv("SIPEDGE_MIGRATIONS_DIR"); env && *env) return env;
  return std::string(SIPEDGE_SOURCE_DIR) + "/migrations";
}

bool parse(int argc, char** argv, Args& args) {
  std::vector<std::string> words(argv + 1, argv + argc);
  size_t i = 0;
  if (i < words.size() && (words[i] == "run" || words[i] == "migrate" || words[i] == "directory"))
    args.command = words[i++];
  for (; i < words.size(); ++i) {
    const std::string& w = words[i];
    if ((w == "--conf" || w == "-c") && i + 1 < words.size()) {
      args.conf_dir = words[++i];
    } else if (w == "--migrations" && i + 1 < words.size()) {
      args.migrations_dir = words[++i];
    } else if (args.command == "directory") {
      args.rest.push_back(w);
    } else {
      std::cerr << "sipedge: unexpected argument '" << w << "'\n" << kUsage;
      return false;
    }
  }
  if (args.conf_dir.empty()) {
    std::cerr << "sipedge: --conf DIR is required\n" << kUsage;
    return false;
  }
  if (args.migrations_dir.empty()) args.migrations_dir = default_migrations_dir();
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && (std::string(argv[1]) == "--version" || std::string(argv[1]) == "-v")) {
    std::cout << "sipedge " << SIPEDGE_VERSION << "\n";
    return 0;
  }
  if (argc > 1 && (std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h")) {
    std::cout << kUsage;
    return 0;
  }
  Args args;
  if (!parse(argc, argv, args)) return 1;

  sipedge::NodeConfig config;
  try {
    config = sipedge::load_node_config(args.conf_dir);
  } catch (const sipedge::ConfigError& e) {
    std::cerr << "sipedge: configuration error: " << e.what() << "\n";
    return 2;
  }
  if (args.command == "migrate") {
    sipedge::setup_logging(spdlog::level::warn, "");  // the command prints what it applied itself
    return sipedge::run_migrate_command(config.core.core_db_dsn, args.migrations_dir);
  }
  if (args.command == "directory") {
    sipedge::setup_logging(spdlog::level::warn, "");  // keeps the migrator's info lines off stdout
    return sipedge::run_directory_command(args.rest, config.core.core_db_dsn, args.migrations_dir, args.conf_dir);
  }

  auto level = sipedge::parse_log_level(config.core.loglevel).value_or(spdlog::level::info);
  try {
    sipedge::setup_logging(level, config.core.logfile);
  } catch (const std::exception& e) {
    std::cerr << "sipedge: cannot open log file " << config.core.logfile << ": " << e.what() << "\n";
    return 2;
  }
  for (const std::string& warning : config.warnings) spdlog::warn("{}", warning);
  std::unique_ptr<sipedge::Node> node;
  try {
    node = std::make_unique<sipedge::Node>(std::move(config), sipedge::NodeOptions{args.conf_dir, args.migrations_dir});
  } catch (const sipedge::ConfigError& e) {
    std::cerr << "sipedge: configuration error: " << e.what() << "\n";
    return 2;
  }
  return node->run();
}
