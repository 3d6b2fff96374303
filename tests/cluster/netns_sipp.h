#pragma once
// SIPp (/usr/bin/sipp or env SIPEDGE_SIPP) in a namespace of a
// ClusterNetwork, in the background: `ip netns exec NS sipp ...` bound to the
// host's address, with its message and error logs in a TempDir. Like
// tests/support/sipp.h, but it keeps running while the test kills nodes, and
// it runs in the phones' namespaces. The result is a tests/support SippResult.
//
// Threads: one owner thread.
#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/child_process.h"
#include "tests/support/sipp.h"
#include "tests/support/temp_dir.h"

namespace sipedge::test::cluster {

class ClusterNetwork;

struct NetnsSippOptions {
  std::string host = "p1";       // namespace host SIPp runs in (binds its address)
  std::string scenario;          // tests/sipp/<name> or a path
  std::string remote_ip;         // "" = UAS without a remote
  int remote_port = 5060;
  int local_port = 5080;
  int media_port = 16000;        // -mp (SIPp binds it even without media)
  int calls = 1;                 // -m
  int rate = 10;                 // -r (calls per second)
  int limit = 0;                 // -l (concurrent calls); 0 = SIPp's default
  std::chrono::seconds timeout{60};  // -timeout (whole run), with -timeout_error
  std::vector<std::pair<std::string, std::string>> keys;
  std::vector<std::string> extra_args;
};

class NetnsSipp {
 public:
  NetnsSipp(const ClusterNetwork& network, NetnsSippOptions options);
  ~NetnsSipp();  // kills SIPp if still running
  NetnsSipp(const NetnsSipp&) = delete;
  NetnsSipp& operator=(const NetnsSipp&) = delete;

  bool running();
  // Until SIPp exits (its -timeout bounds it, plus a margin); then the logs.
  SippResult wait();
  // Until SIPp's UDP port is bound in its namespace (a UAS is ready).
  bool wait_listening(std::chrono::milliseconds timeout);
  const std::string& command() const { return command_; }
  std::string messages_path() const { return dir_.path() + "/messages.log"; }  // grows while SIPp runs
  const NetnsSippOptions& options() const { return options_; }

 private:
  const ClusterNetwork& network_;
  NetnsSippOptions options_;
  TempDir dir_;
  std::string command_;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace sipedge::test::cluster
