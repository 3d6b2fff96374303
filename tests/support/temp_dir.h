#pragma once
// A private temporary directory, removed with everything in it on destruction
// (kept when SIPEDGE_KEEP_TEST_DIRS is set, for post-mortems).
#include <string>

namespace sipedge::test {

class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "sipedge-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // Writes `content` to path()/relative (parent folders created); returns the full path.
  std::string write(const std::string& relative, const std::string& content) const;

 private:
  std::string path_;
};

// Whole file as bytes; "" when it does not exist.
std::string read_file(const std::string& path);
// Writes bytes, creating parent folders. Throws on failure.
void write_file(const std::string& path, const std::string& content);

}  // namespace sipedge::test
