#pragma once
// Event-socket framing, shared by the server (commands in) and the client
// (replies and events in): a block of header lines ended by a blank line, then
// Content-Length bytes of body (mod_event_socket read_packet). Lines may end in
// "\n" or "\r\n"; blank lines before a block are skipped, as FreeSWITCH does.
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "node/common/ascii_case.h"
#include "node/esl/esl_client.h"

namespace sipedge {

// Input the protocol cannot accept: a block larger than the cap, a bad
// Content-Length. The connection that sent it should be closed.
class EslFrameError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One block: header lines (terminators stripped, never empty) and the body.
struct EslPacket {
  std::vector<std::string> lines;
  std::string body;
};

// Incremental reader: feed whatever recv() returned, take complete packets out.
// Work per byte is constant, so a peer dribbling bytes costs nothing extra.
class EslFrameReader {
 public:
  static constexpr std::size_t kDefaultMaxBuffered = 1024 * 1024;  // 1 MiB

  explicit EslFrameReader(std::size_t max_buffered = kDefaultMaxBuffered);

  // Throws EslFrameError when more than max_buffered bytes would be pending
  // without forming a complete packet.
  void feed(std::string_view bytes);
  // The next complete packet, or nullopt until more bytes arrive.
  // Throws EslFrameError on a malformed or oversized Content-Length.
  std::optional<EslPacket> next();
  // Bytes received but not yet returned in a packet.
  std::size_t buffered() const { return buf_.size() - pos_; }

 private:
  std::size_t max_buffered_;
  std::string buf_;
  std::size_t pos_ = 0;          // start of unconsumed input in buf_
  std::size_t scan_ = 0;         // where the header scan resumes
  bool in_body_ = false;
  std::size_t content_length_ = 0;
  EslPacket partial_;
};

// Splits "Name: value" (spaces after the colon skipped, as read_packet does).
// A line without a colon gives {line, ""}.
std::pair<std::string, std::string> split_header_line(std::string_view line);

// A packet as a frame: every line is a header (replies and events).
EslFrame packet_to_frame(EslPacket packet);


}  // namespace sipedge
