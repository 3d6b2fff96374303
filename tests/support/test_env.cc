#include "tests/support/test_env.h"

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "tests/support/temp_dir.h"

namespace sipedge::test {
namespace {

std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

std::string test_pg_admin_dsn() {
  if (auto dsn = env_or_empty("SIPEDGE_TEST_PG_ADMIN_DSN"); !dsn.empty()) return dsn;
  std::string dir = env_or_empty("SIPEDGE_TEST_PG_DIR");
  if (dir.empty())
    throw std::runtime_error(
        "no test PostgreSQL: set SIPEDGE_TEST_PG_ADMIN_DSN, or SIPEDGE_TEST_PG_DIR to a directory "
        "started with `scripts/pg-ctl start DIR` (ctest's pg fixture does this)");
  std::string dsn = trim(read_file(dir + "/admin_dsn"));
  if (dsn.empty())
    throw std::runtime_error("no test PostgreSQL: " + dir +
                             "/admin_dsn is missing or empty; run `scripts/pg-ctl start " + dir + "`");
  return dsn;
}

std::string source_dir() { return SIPEDGE_SOURCE_DIR; }

std::string bin_dir() { return SIPEDGE_TEST_BIN_DIR; }

std::string shared_dir() {
  if (auto dir = env_or_empty("SIPEDGE_SHARED_DIR"); !dir.empty()) return dir;
  return std::filesystem::weakly_canonical(std::filesystem::path(SIPEDGE_SOURCE_DIR) / ".." / "shared")
      .string();
}

std::string sipp_scenario(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  return source_dir() + "/tests/sipp/" + name;
}

}  // namespace sipedge::test
