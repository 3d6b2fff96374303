#pragma once
// Runs SIPp (/usr/bin/sipp, or env SIPEDGE_SIPP) with a scenario from
// tests/sipp against a node on 127.0.0.1, and collects its logs.
#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace sipedge::test {

struct SippOptions {
  std::string scenario;          // "options_uac.xml" (tests/sipp/) or a path
  std::string transport = "u1";  // u1 = UDP, t1 = TCP (one socket)
  std::string remote_host = "127.0.0.1";
  int remote_port = 0;
  int local_port = 0;            // 0 = a free port
  int calls = 1;                 // -m
  std::chrono::seconds timeout{10};  // -timeout, with -timeout_error
  std::vector<std::pair<std::string, std::string>> keys;  // -key name value ([name] in the scenario)
  std::vector<std::string> extra_args;
};

struct SippResult {
  int exit_code = -1;     // SIPp's: 0 all calls succeeded, 1 some failed, ...
  bool timed_out = false; // SIPp itself hung and was killed
  std::string command;    // the command line, for failure messages
  std::string messages;   // -trace_msg: every message sent and received
  std::string errors;     // -trace_err: unexpected messages, failed actions
  std::string output;     // SIPp's stdout/stderr
  // All of the above, for `<< result.describe()` in an assertion.
  std::string describe() const;
};

SippResult run_sipp(const SippOptions& options);

}  // namespace sipedge::test
