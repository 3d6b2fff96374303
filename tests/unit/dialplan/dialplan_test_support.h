#pragma once
// Helpers for the dialplan units: a throw-away conf directory, a map of
// channel variables, and a dialplan built from one XML text.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "node/dialplan/dialplan.h"
#include "node/dialplan/dialplan_hunt.h"

namespace sipedge::test {

class TempConf {
 public:
  TempConf() {
    std::string pattern = (std::filesystem::temp_directory_path() / "sipedge-dialplan-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempConf() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempConf(const TempConf&) = delete;
  TempConf& operator=(const TempConf&) = delete;

  const std::string& path() const { return path_; }
  // The path as ConfigError prints it.
  std::string file(const std::string& relative) const {
    return (std::filesystem::path(path_) / relative).lexically_normal().string();
  }
  void write(const std::string& relative, const std::string& text) const {
    std::filesystem::path target = std::filesystem::path(path_) / relative;
    std::filesystem::create_directories(target.parent_path());
    std::ofstream(target, std::ios::binary) << text;
  }

 private:
  std::string path_;
};

// Channel variables from a map (names exact, as given).
inline VariableLookup lookup_from(const std::map<std::string, std::string>& vars) {
  return [vars](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

// The dialplan of one file conf/dialplan/test.xml holding `xml`.
inline Dialplan dialplan_from(const std::string& xml) {
  TempConf conf;
  conf.write("dialplan/test.xml", xml);
  return load_dialplan(conf.path(), {});
}

// "app(data)" for each action, for compact expectations.
inline std::vector<std::string> describe(const std::vector<DialplanAction>& actions) {
  std::vector<std::string> out;
  for (const auto& action : actions) out.push_back(action.application + "(" + action.data + ")");
  return out;
}

// Runs `body`, expecting a ConfigError at file:line whose message contains `needle`.
template <typename Body>
void expect_config_error(Body body, const std::string& file, int line, const std::string& needle) {
  try {
    body();
    ADD_FAILURE() << "expected ConfigError at " << file << ":" << line;
  } catch (const ConfigError& error) {
    EXPECT_EQ(error.where().file, file) << error.what();
    EXPECT_EQ(error.where().line, line) << error.what();
    EXPECT_NE(std::string(error.what()).find(needle), std::string::npos) << error.what();
  }
}

}  // namespace sipedge::test
