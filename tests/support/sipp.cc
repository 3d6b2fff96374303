#include "tests/support/sipp.h"

#include <cstdlib>
#include <stdexcept>

#include "tests/support/child_process.h"
#include "tests/support/free_port.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_env.h"

namespace sipedge::test {

std::string SippResult::describe() const {
  return "sipp exit code " + std::to_string(exit_code) + (timed_out ? " (killed: hung)" : "") + "\n$ " +
         command + "\n--- sipp errors ---\n" + errors + "\n--- sipp messages ---\n" + messages +
         "\n--- sipp output ---\n" + output;
}

SippResult run_sipp(const SippOptions& options) {
  if (options.remote_port <= 0) throw std::invalid_argument("run_sipp: remote_port not set");
  const char* sipp_env = std::getenv("SIPEDGE_SIPP");
  std::string sipp = sipp_env && *sipp_env ? sipp_env : "/usr/bin/sipp";
  TempDir dir("sipp");
  std::string messages = dir.path() + "/messages.log";
  std::string errors = dir.path() + "/errors.log";
  int local_port = options.local_port > 0 ? options.local_port : free_port(true);

  ChildOptions child;
  child.argv = {sipp,
                options.remote_host + ":" + std::to_string(options.remote_port),
                "-sf", sipp_scenario(options.scenario),
                "-m", std::to_string(options.calls),
                "-t", options.transport,
                "-i", "127.0.0.1",
                "-p", std::to_string(local_port),
                "-timeout", std::to_string(options.timeout.count()) + "s",
                "-timeout_error",
                "-nostdin",
                "-trace_err", "-error_file", errors,
                "-trace_msg", "-message_file", messages};
  for (const auto& [name, value] : options.keys) {
    child.argv.insert(child.argv.end(), {"-key", name, value});
  }
  child.argv.insert(child.argv.end(), options.extra_args.begin(), options.extra_args.end());
  child.working_dir = dir.path();

  SippResult result;
  for (const auto& a : child.argv) result.command += (result.command.empty() ? "" : " ") + a;
  // SIPp enforces -timeout itself; the extra margin only catches a hung SIPp.
  RunResult run = run_program(child, std::chrono::seconds(options.timeout.count() + 15));
  result.exit_code = run.exit_code;
  result.timed_out = run.timed_out;
  result.output = run.output;
  result.messages = read_file(messages);
  result.errors = read_file(errors);
  return result;
}

}  // namespace sipedge::test
