#pragma once
// A throw-away conf directory per test, plus helpers to check that a
// ConfigError names the expected file and line.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "node/config/node_config.h"

namespace sipedge::test {

class ConfDir {
 public:
  ConfDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "sipedge-conf-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~ConfDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ConfDir(const ConfDir&) = delete;
  ConfDir& operator=(const ConfDir&) = delete;

  const std::string& path() const { return path_; }
  // The path as ConfigError/warnings print it.
  std::string file(const std::string& relative) const {
    return (std::filesystem::path(path_) / relative).lexically_normal().string();
  }
  void write(const std::string& relative, const std::string& text) const {
    std::filesystem::path target = std::filesystem::path(path_) / relative;
    std::filesystem::create_directories(target.parent_path());
    std::ofstream(target, std::ios::binary) << text;
  }

  // A minimal valid node: switch.conf with a DSN and one profile.
  void write_minimal() const {
    write("switch.conf.xml", R"(<configuration name="switch.conf">
  <settings>
    <param name="core-db-dsn" value="dbname=test"/>
  </settings>
</configuration>
)");
    write("sofia.conf.xml", R"(<configuration name="sofia.conf">
  <profiles>
    <profile name="internal">
      <settings>
        <param name="sip-ip" value="127.0.0.1"/>
      </settings>
    </profile>
  </profiles>
</configuration>
)");
  }

 private:
  std::string path_;
};

// Unsets SIPEDGE_DB_DSN for the test's duration (and restores it), so a
// developer's environment cannot change results.
class ScopedDsnEnv {
 public:
  explicit ScopedDsnEnv(const char* value) {
    if (const char* old = std::getenv("SIPEDGE_DB_DSN")) saved_ = old, had_ = true;
    if (value) setenv("SIPEDGE_DB_DSN", value, 1); else unsetenv("SIPEDGE_DB_DSN");
  }
  ~ScopedDsnEnv() {
    if (had_) setenv("SIPEDGE_DB_DSN", saved_.c_str(), 1); else unsetenv("SIPEDGE_DB_DSN");
  }

 private:
  std::string saved_;
  bool had_ = false;
};

// Runs `body`, expecting a ConfigError at file:line whose message contains `needle`.
template <typename Body>
void expect_config_error(Body body, const std::string& file, int line, const std::string& needle) {
  try {
    body();
    ADD_FAILURE() << "expected ConfigError at " << file << ":" << line;
  } catch (const ConfigError& error) {
    EXPECT_EQ(error.where().file, file) << error.what();
    EXPECT_EQ(error.where().line, line) << error.what();
    std::string prefix = SourceLocation{file, line}.str() + ": ";
    EXPECT_EQ(std::string(error.what()).rfind(prefix, 0), 0u) << error.what();
    EXPECT_NE(std::string(error.what()).find(needle), std::string::npos) << error.what();
  }
}

inline bool has_warning(const std::vector<std::string>& warnings, const std::string& prefix,
                        const std::string& needle) {
  for (const auto& w : warnings) {
    if (w.rfind(prefix, 0) == 0 && w.find(needle) != std::string::npos) return true;
  }
  return false;
}

}  // namespace sipedge::test
