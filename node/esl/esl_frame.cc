#include "node/esl/esl_frame.h"

#include <cctype>
#include <charconv>

namespace sipedge {

std::pair<std::string, std::string> split_header_line(std::string_view line) {
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return {std::string(line), {}};
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  return {std::string(line.substr(0, colon)), std::string(value)};
}

EslFrame packet_to_frame(EslPacket packet) {
  EslFrame frame;
  for (const auto& line : packet.lines) frame.headers.push_back(split_header_line(line));
  frame.body = std::move(packet.body);
  return frame;
}

const std::string* EslFrame::header(const std::string& name) const {
  for (const auto& [key, value] : headers) {
    if (iequals(key, name)) return &value;
  }
  return nullptr;
}

std::string EslFrame::content_type() const {
  const std::string* type = header("Content-Type");
  return type ? *type : std::string();
}

EslFrameReader::EslFrameReader(std::size_t max_buffered) : max_buffered_(max_buffered) {}

void EslFrameReader::feed(std::string_view bytes) {
  if (buffered() + bytes.size() > max_buffered_) {
    throw EslFrameError("more than " + std::to_string(max_buffered_) +
                        " bytes without a complete command");
  }
  // Drop consumed input before growing the buffer.
  if (pos_ > 0 && pos_ >= buf_.size() / 2) {
    buf_.erase(0, pos_);
    scan_ -= pos_;
    pos_ = 0;
  }
  buf_.append(bytes);
}

std::optional<EslPacket> EslFrameReader::next() {
  while (!in_body_) {
    // read_packet discards line breaks that come before a block.
    if (partial_.lines.empty()) {
      while (pos_ < buf_.size() && (buf_[pos_] == '\r' || buf_[pos_] == '\n')) ++pos_;
      if (scan_ < pos_) scan_ = pos_;
    }
    const auto nl = buf_.find('\n', scan_);
    if (nl == std::string::npos) {
      scan_ = buf_.size();
      return std::nullopt;
    }
    std::string_view line(buf_.data() + pos_, nl - pos_);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos_ = nl + 1;
    scan_ = pos_;
    if (!line.empty()) {
      partial_.lines.emplace_back(line);
      continue;
    }
    // Blank line: the header block is complete.
    content_length_ = 0;
    for (const auto& l : partial_.lines) {
      auto [name, value] = split_header_line(l);
      if (!iequals(name, "Content-Length")) continue;
      std::size_t n = 0;
      const auto* end = value.data() + value.size();
      auto [p, ec] = std::from_chars(value.data(), end, n);
      if (ec != std::errc() || p != end) throw EslFrameError("bad Content-Length '" + value + "'");
      if (n > max_buffered_) throw EslFrameError("Content-Length " + value + " exceeds the limit");
      content_length_ = n;
    }
    in_body_ = true;
  }
  if (buffered() < content_length_) return std::nullopt;
  partial_.body.assign(buf_, pos_, content_length_);
  pos_ += content_length_;
  scan_ = pos_;
  in_body_ = false;
  content_length_ = 0;
  EslPacket out = std::move(partial_);
  partial_ = EslPacket{};
  return out;
}

}  // namespace sipedge
