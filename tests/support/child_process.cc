#include "tests/support/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "tests/support/temp_dir.h"

extern char** environ;

namespace sipedge::test {
namespace {

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

std::vector<std::string> build_env(const ChildOptions& options) {
  std::vector<std::string> env;
  auto overridden = [&](const std::string& entry) {
    std::string key = entry.substr(0, entry.find('='));
    for (const auto& name : options.unset_env)
      if (name == key) return true;
    for (const auto& [name, value] : options.env)
      if (name == key) return true;
    return false;
  };
  for (char** e = environ; e && *e; ++e)
    if (!overridden(*e)) env.emplace_back(*e);
  for (const auto& [name, value] : options.env) env.push_back(name + "=" + value);
  return env;
}

}  // namespace

ChildProcess::ChildProcess(const ChildOptions& options) {
  if (options.argv.empty()) throw std::invalid_argument("ChildProcess: empty argv");
  // Everything the child needs is prepared before fork (only async-signal-safe
  // calls between fork and exec).
  std::vector<std::string> env_strings = build_env(options);
  std::vector<char*> argv, envp;
  for (const auto& a : options.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);

  int out_fd = -1;
  if (!options.output_file.empty()) {
    out_fd = ::open(options.output_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (out_fd < 0)
      throw std::runtime_error("cannot open " + options.output_file + ": " + std::strerror(errno));
  }
  int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  // exec failure is reported through a close-on-exec pipe: EOF means exec worked.
  int err_pipe[2];
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  pid_t parent = ::getpid();

  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error(std::string("fork failed: ") + std::strerror(errno));
  if (pid_ == 0) {
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // the test died before prctl
    if (null_fd >= 0) ::dup2(null_fd, 0);
    if (out_fd >= 0) {
      ::dup2(out_fd, 1);
      ::dup2(out_fd, 2);
    }
    if (!options.working_dir.empty() && ::chdir(options.working_dir.c_str()) != 0) {
      int e = errno;
      (void)!::write(err_pipe[1], &e, sizeof e);
      ::_exit(127);
    }
    ::execve(argv[0], argv.data(), envp.data());
    int e = errno;
    (void)!::write(err_pipe[1], &e, sizeof e);
    ::_exit(127);
  }
  ::setpgid(pid_, pid_);  // also here: no race with a kill of the group right after fork
  ::close(err_pipe[1]);
  if (out_fd >= 0) ::close(out_fd);
  if (null_fd >= 0) ::close(null_fd);
  int child_errno = 0;
  ssize_t n;
  do {
    n = ::read(err_pipe[0], &child_errno, sizeof child_errno);
  } while (n < 0 && errno == EINTR);
  ::close(err_pipe[0]);
  if (n > 0) {
    int status = 0;
    ::waitpid(pid_, &status, 0);
    status_ = decode_status(status);
    throw std::runtime_error("cannot execute " + options.argv[0] + ": " + std::strerror(child_errno));
  }
}

ChildProcess::~ChildProcess() {
  // Once reaped, the pid (and group id) may belong to someone else: only a
  // live child's group is killed.
  if (!exit_code()) {
    kill_group();
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
}

std::optional<int> ChildProcess::exit_code() {
  if (status_) return status_;
  int status = 0;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) status_ = decode_status(status);
  return status_;
}

std::optional<int> ChildProcess::wait_for(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!exit_code()) {
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return status_;
}

void ChildProcess::signal(int sig) {
  if (!exit_code()) ::kill(pid_, sig);
}

void ChildProcess::kill_group() {
  if (pid_ > 0) ::kill(-pid_, SIGKILL);
}

int ChildProcess::terminate(std::chrono::milliseconds grace) {
  signal(SIGTERM);
  if (auto code = wait_for(grace)) return *code;
  kill_group();
  return *wait_for(std::chrono::seconds(10));
}

RunResult run_program(ChildOptions options, std::chrono::milliseconds deadline) {
  TempDir dir("run");
  options.output_file = dir.path() + "/output";
  RunResult result;
  {
    ChildProcess child(options);
    if (auto code = child.wait_for(deadline)) {
      result.exit_code = *code;
    } else {
      result.timed_out = true;
      child.kill_group();
      result.exit_code = child.wait_for(std::chrono::seconds(10)).value_or(-1);
    }
  }
  result.output = read_file(options.output_file);
  return result;
}

}  // namespace sipedge::test
