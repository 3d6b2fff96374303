#include "recovery/vip_hooks.h"

#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include <spdlog/spdlog.h>

namespace sipedge {

namespace {

bool in_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/sbin:/usr/bin:/sbin:/bin";
  for (std::size_t pos = 0; pos <= dirs.size();) {
    std::size_t colon = dirs.find(':', pos);
    std::string dir = dirs.substr(pos, colon == std::string::npos ? std::string::npos : colon - pos);
    if (!dir.empty() && ::access((dir + "/" + program).c_str(), X_OK) == 0) return true;
    if (colon == std::string::npos) break;
    pos = colon + 1;
  }
  return false;
}

std::string joined(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) out += (out.empty() ? "" : " ") + a;
  return out;
}

HookResult shell_hook(const std::string& command, const ClusterSettings& s) {
  // A command that names $1/$2 itself gets them as positional parameters; any
  // other (a script path) gets the VIP and the interface appended as arguments.
  const bool uses_args = command.find("$1") != std::string::npos || command.find("$2") != std::string::npos ||
                         command.find("${1}") != std::string::npos || command.find("${2}") != std::string::npos;
  const std::string script = uses_args ? command : command + " \"$1\" \"$2\"";
  return run_command({"/bin/sh", "-c", script, "sh", s.vip, s.vip_interface}, std::chrono::seconds(10));
}

// In a forked child: close every descriptor above stderr.
void close_inherited_fds() {
  // The node's sockets must not outlive it in a child (a restarted node could
  // not bind its SIP and event-socket ports while the child runs).
  if (::syscall(SYS_close_range, 3U, ~0U, 0U) == 0) return;
  long max = ::sysconf(_SC_OPEN_MAX);
  for (long fd = 3; fd < (max > 0 ? max : 4096); ++fd) ::close(static_cast<int>(fd));
}

}  // namespace

pid_t spawn_command(const std::vector<std::string>& argv) {
  pid_t pid = ::fork();
  if (pid == 0) {
    close_inherited_fds();
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  return pid;
}

void stop_command(pid_t& pid) {
  if (pid <= 0) return;
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  pid = -1;
}

HookResult run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  HookResult result;
  pid_t pid = spawn_command(argv);
  if (pid < 0) return {false, "fork failed for " + joined(argv)};
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (true) {
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      stop_command(pid);
      return {false, joined(argv) + ": timed out"};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {true, joined(argv) + ": ok"};
  return {false, joined(argv) + ": exit " + std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status))};
}

HookResult run_takeover_hook(const ClusterSettings& s) {
  if (s.vip.empty()) return {true, "no cluster-vip: nothing to take over"};
  if (!s.takeover_command.empty()) return shell_hook(s.takeover_command, s);
  // replace: idempotent when the address is already there.
  return run_command({"ip", "addr", "replace", s.vip, "dev", s.vip_interface}, std::chrono::seconds(5));
}

pid_t announce_vip(const ClusterSettings& s) {
  if (s.vip.empty() || !s.takeover_command.empty()) return -1;
  if (s.vip_address.find(':') != std::string::npos) return -1;  // IPv6: neighbours learn it by NDP
  if (!in_path("arping")) return -1;
  // One gratuitous ARP so neighbours move the address to our MAC at once.
  // arping lingers about a second after sending: it runs on its own and the
  // caller ends it (stop_command) before any later hook.
  return spawn_command({"arping", "-U", "-c", "1", "-I", s.vip_interface, s.vip_address});
}

HookResult run_release_hook(const ClusterSettings& s) {
  if (s.vip.empty()) return {true, "no cluster-vip: nothing to release"};
  if (!s.release_command.empty()) return shell_hook(s.release_command, s);
  return run_command({"ip", "addr", "del", s.vip, "dev", s.vip_interface}, std::chrono::seconds(5));
}

std::string allow_nonlocal_bind() {
  std::string error;
  for (const char* path : {"/proc/sys/net/ipv4/ip_nonlocal_bind", "/proc/sys/net/ipv6/ip_nonlocal_bind"}) {
    std::ifstream in(path);
    std::string value;
    if (in >> value && value == "1") continue;
    std::ofstream out(path);
    out << "1\n";
    out.flush();
    if (!out) error += std::string(error.empty() ? "" : "; ") + "cannot set " + path;
  }
  return error;
}

}  // namespace sipedge
