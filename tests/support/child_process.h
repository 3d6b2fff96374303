#pragma once
// A child process in its own process group, for tests: spawned with fork/exec,
// output to a file, killed (whole group) when the object dies so nothing a
// failing test started outlives it. Also dies with the test process
// (PR_SET_PDEATHSIG) if the test itself is killed, e.g. by a ctest timeout.
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sipedge::test {

struct ChildOptions {
  std::vector<std::string> argv;    // argv[0] is the program path (no PATH lookup)
  std::string output_file;          // stdout+stderr appended here; "" = inherit
  std::string working_dir;          // "" = inherit
  std::vector<std::pair<std::string, std::string>> env;  // added or overridden
  std::vector<std::string> unset_env;                    // removed from the inherited env
};

class ChildProcess {
 public:
  // Throws std::runtime_error when the program cannot be executed.
  explicit ChildProcess(const ChildOptions& options);
  ~ChildProcess();  // SIGKILL to the process group if still running, then reaps
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  // Exit status (0..255) or 128+signal; nullopt while running.
  std::optional<int> exit_code();
  // Waits up to `timeout` for the process to exit.
  std::optional<int> wait_for(std::chrono::milliseconds timeout);
  // Sends `sig` to the process (not the group); no-op once it has exited.
  void signal(int sig);
  // SIGTERM, wait up to `grace`, then SIGKILL the group. Returns the exit code
  // (137 = it had to be killed).
  int terminate(std::chrono::milliseconds grace);
  void kill_group();

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
};

// Runs a program to completion with a deadline; the group is killed at the
// deadline. Returns the exit code (137 when killed) and the combined output.
struct RunResult {
  int exit_code = -1;
  bool timed_out = false;
  std::string output;
};
RunResult run_program(ChildOptions options, std::chrono::milliseconds deadline);

}  // namespace sipedge::test
