// vip_hooks: run_command (exit status, missing program, timeout) and the
// takeover/release hooks with configured commands that only write their
// arguments to a temporary file. The built-in `ip addr` path is never run
// here: it would change this machine's addresses.
#include "recovery/vip_hooks.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace sipedge {
namespace {

using namespace std::chrono_literals;

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "sipedge-hooks-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool contains(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

// A script that writes "$1 $2" (the VIP and the interface) to `out`.
std::string write_script(const TempDir& dir, const std::string& name, const std::string& out) {
  std::string path = dir.file(name);
  std::ofstream(path) << "#!/bin/sh\necho \"$1 $2\" > '" << out << "'\n";
  ::chmod(path.c_str(), 0755);
  return path;
}

ClusterSettings vip_settings() {
  ClusterSettings s;
  s.vip = "10.77.0.100/24";
  s.vip_address = "10.77.0.100";
  s.vip_interface = "eth-test0";
  return s;
}

TEST(RunCommand, ExitZeroIsOk) {
  HookResult r = run_command({"true"}, 5s);
  EXPECT_TRUE(r.ok) << r.detail;
  EXPECT_TRUE(contains(r.detail, "true")) << r.detail;
  EXPECT_TRUE(contains(r.detail, "ok")) << r.detail;
}

TEST(RunCommand, ExitThreeIsNotOk) {
  HookResult r = run_command({"/bin/sh", "-c", "exit 3"}, 5s);
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(contains(r.detail, "exit 3")) << r.detail;
  EXPECT_TRUE(contains(r.detail, "/bin/sh -c exit 3")) << r.detail;
}

TEST(RunCommand, ArgumentsArePassedAsGiven) {
  TempDir dir;
  std::string out = dir.file("args");
  HookResult r = run_command({"/bin/sh", "-c", "printf '%s|' \"$@\" > \"$0\"", out, "a b", "", "c"}, 5s);
  ASSERT_TRUE(r.ok) << r.detail;
  EXPECT_EQ(read_file(out), "a b||c|");
}

TEST(RunCommand, MissingProgram) {
  HookResult r = run_command({"sipedge-no-such-program-9f2c"}, 5s);
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(contains(r.detail, "sipedge-no-such-program-9f2c")) << r.detail;
  EXPECT_TRUE(contains(r.detail, "exit 127")) << r.detail;
}

TEST(RunCommand, KilledBySignal) {
  HookResult r = run_command({"/bin/sh", "-c", "kill -TERM $$"}, 5s);
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(contains(r.detail, "exit " + std::to_string(128 + 15))) << r.detail;
}

TEST(RunCommand, TimeoutKillsTheCommand) {
  const auto timeout = 300ms;
  const auto start = std::chrono::steady_clock::now();
  HookResult r = run_command({"sleep", "30"}, timeout);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(contains(r.detail, "timed out")) << r.detail;
  EXPECT_TRUE(contains(r.detail, "sleep 30")) << r.detail;
  EXPECT_GE(took, timeout);
  EXPECT_LT(took, timeout + 700ms) << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms";
}

TEST(RunCommand, QuickCommandDoesNotWaitForTheTimeout) {
  const auto start = std::chrono::steady_clock::now();
  HookResult r = run_command({"true"}, 10s);
  EXPECT_TRUE(r.ok) << r.detail;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

TEST(VipHooks, TakeoverCommandGetsVipAndInterface) {
  TempDir dir;
  std::string out = dir.file("takeover.out");
  ClusterSettings s = vip_settings();
  s.takeover_command = write_script(dir, "vip-up", out);
  s.release_command = write_script(dir, "vip-down", dir.file("release.out"));
  HookResult r = run_takeover_hook(s);
  ASSERT_TRUE(r.ok) << r.detail;
  EXPECT_EQ(read_file(out), "10.77.0.100/24 eth-test0\n");
  EXPECT_FALSE(std::filesystem::exists(dir.file("release.out")));
}

TEST(VipHooks, ReleaseCommandGetsVipAndInterface) {
  TempDir dir;
  std::string out = dir.file("release.out");
  ClusterSettings s = vip_settings();
  s.vip = "2001:db8::100/128";
  s.vip_address = "2001:db8::100";
  s.takeover_command = write_script(dir, "vip-up", dir.file("takeover.out"));
  s.release_command = write_script(dir, "vip-down", out);
  HookResult r = run_release_hook(s);
  ASSERT_TRUE(r.ok) << r.detail;
  EXPECT_EQ(read_file(out), "2001:db8::100/128 eth-test0\n");
  EXPECT_FALSE(std::filesystem::exists(dir.file("takeover.out")));
}

// The header: the configured commands are "run by /bin/sh with the VIP and the
// interface as $1 and $2", so an inline shell command can use them.
TEST(VipHooks, InlineCommandSeesVipAndInterfaceAsDollarOneAndTwo) {
  TempDir dir;
  std::string out = dir.file("inline.out");
  ClusterSettings s = vip_settings();
  s.takeover_command = "echo \"$1 $2\" > '" + out + "'";
  HookResult r = run_takeover_hook(s);
  ASSERT_TRUE(r.ok) << r.detail;
  EXPECT_EQ(read_file(out), "10.77.0.100/24 eth-test0\n");

  s.release_command = "printf '%s %s\\n' \"$1\" \"$2\" > '" + out + "'";
  r = run_release_hook(s);
  ASSERT_TRUE(r.ok) << r.detail;
  EXPECT_EQ(read_file(out), "10.77.0.100/24 eth-test0\n");
}

TEST(VipHooks, FailingCommandIsReported) {
  ClusterSettings s = vip_settings();
  s.takeover_command = "exit 4; :";
  s.release_command = "false";
  HookResult r = run_takeover_hook(s);
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(contains(r.detail, "exit 4")) << r.detail;
  r = run_release_hook(s);
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(contains(r.detail, "exit 1")) << r.detail;
}

TEST(VipHooks, NoVipDoesNothing) {
  TempDir dir;
  ClusterSettings s;  // no cluster-vip
  s.vip_interface = "eth-test0";
  s.takeover_command = write_script(dir, "vip-up", dir.file("takeover.out"));
  s.release_command = write_script(dir, "vip-down", dir.file("release.out"));
  HookResult up = run_takeover_hook(s);
  HookResult down = run_release_hook(s);
  EXPECT_TRUE(up.ok) << up.detail;
  EXPECT_TRUE(down.ok) << down.detail;
  EXPECT_FALSE(std::filesystem::exists(dir.file("takeover.out")));
  EXPECT_FALSE(std::filesystem::exists(dir.file("release.out")));
}

TEST(VipHooks, NoVipAndNoCommandsDoesNotRunTheBuiltIns) {
  // With vip empty, the built-in `ip addr` path must not run either (it returns before).
  ClusterSettings s;
  HookResult up = run_takeover_hook(s);
  HookResult down = run_release_hook(s);
  EXPECT_TRUE(up.ok);
  EXPECT_TRUE(down.ok);
  EXPECT_FALSE(contains(up.detail, "ip addr")) << up.detail;
  EXPECT_FALSE(contains(down.detail, "ip addr")) << down.detail;
}

}  // namespace
}  // namespace sipedge
