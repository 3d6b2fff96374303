#pragma once
// A blocking event-socket client (inbound mode), as fs_cli speaks it: used by
// sipedge-cli and by the tests. Not for use on the SIP thread.
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sipedge {

// One ESL frame: headers (in arrival order, values URL-decoded where the
// protocol encodes them) and a body (Content-Length bytes).
struct EslFrame {
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  const std::string* header(const std::string& name) const;  // case-insensitive
  std::string content_type() const;
};

class EslClient {
 public:
  EslClient();
  ~EslClient();

  // Connects and authenticates. Throws std::runtime_error with a clear message
  // (connection refused, "-ERR invalid" for a wrong password, timeout).
  void connect(const std::string& host, int port, const std::string& password,
               std::chrono::milliseconds timeout = std::chrono::seconds(5));

  // `api <command>`: the api/response body. Events that arrive meanwhile are queued.
  std::string api(const std::string& command);
  // Sends a raw command (e.g. "event plain CUSTOM sofia::register") and returns
  // its command/reply frame.
  EslFrame command(const std::string& line);
  // Next event frame (text/event-plain or text/event-json), or nullopt on timeout.
  std::optional<EslFrame> next_event(std::chrono::milliseconds timeout);
  // Parses a text/event-plain body into headers (URL-decoded) + body.
  static EslFrame parse_plain_event(const std::string& body);

  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sipedge
