#include "tests/support/sip_socket.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <sstream>
#include <stdexcept>

namespace sipedge::test {
namespace {

sockaddr_in loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

int bound_port(int fd) {
  sockaddr_in addr{};
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  return ntohs(addr.sin_port);
}

bool wait_readable(int fd, std::chrono::milliseconds timeout) {
  pollfd p{fd, POLLIN, 0};
  int r;
  do {
    r = ::poll(&p, 1, static_cast<int>(timeout.count()));
  } while (r < 0 && errno == EINTR);
  return r > 0;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string trim(std::string_view s) {
  std::size_t b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return "";
  std::size_t e = s.find_last_not_of(" \t\r");
  return std::string(s.substr(b, e - b + 1));
}

// Value of a header by long or compact name (RFC 3261 7.3.3), "" if absent.
// Enough for the well-formed responses a test reads back.
std::string header_value(std::string_view message, std::string_view name, std::string_view compact) {
  std::size_t pos = message.find("\r\n");
  while (pos != std::string_view::npos) {
    std::size_t start = pos + 2;
    std::size_t end = message.find("\r\n", start);
    if (end == std::string_view::npos || end == start) break;
    std::string_view line = message.substr(start, end - start);
    std::size_t colon = line.find(':');
    if (colon != std::string_view::npos) {
      std::string key = lower(trim(line.substr(0, colon)));
      if (key == lower(name) || key == lower(compact)) return trim(line.substr(colon + 1));
    }
    pos = end;
  }
  return "";
}

}  // namespace

std::optional<SipResponse> parse_sip_response(std::string_view message) {
  if (message.substr(0, 8) != "SIP/2.0 ") return std::nullopt;
  std::size_t eol = message.find("\r\n");
  std::string_view line = message.substr(0, eol);
  if (line.size() < 11) return std::nullopt;
  SipResponse r;
  for (std::size_t i = 8; i < 11; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(line[i]))) return std::nullopt;
    r.status = r.status * 10 + (line[i] - '0');
  }
  r.reason = line.size() > 12 ? std::string(line.substr(12)) : "";
  r.call_id = header_value(message, "Call-ID", "i");
  std::string cseq = header_value(message, "CSeq", "CSeq");
  if (auto sp = cseq.find_last_of(" \t"); sp != std::string::npos) r.cseq_method = cseq.substr(sp + 1);
  r.raw = std::string(message);
  return r;
}

std::string make_options(const std::string& transport, int local_port, int remote_port,
                         const std::string& call_id) {
  std::ostringstream m;
  m << "OPTIONS sip:127.0.0.1:" << remote_port << " SIP/2.0\r\n"
    << "Via: SIP/2.0/" << transport << " 127.0.0.1:" << local_port << ";branch=z9hG4bK-" << call_id
    << ";rport\r\n"
    << "Max-Forwards: 70\r\n"
    << "From: <sip:probe@127.0.0.1:" << local_port << ">;tag=probe-" << call_id << "\r\n"
    << "To: <sip:127.0.0.1:" << remote_port << ">\r\n"
    << "Call-ID: " << call_id << "\r\n"
    << "CSeq: 1 OPTIONS\r\n"
    << "Contact: <sip:probe@127.0.0.1:" << local_port << ">\r\n"
    << "Accept: application/sdp\r\n"
    << "Content-Length: 0\r\n\r\n";
  return m.str();
}

UdpSocket::UdpSocket(int port) {
  fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error("socket: " + std::string(std::strerror(errno)));
  sockaddr_in addr = loopback(port);
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    int e = errno;
    ::close(fd_);
    throw std::runtime_error("bind udp 127.0.0.1:" + std::to_string(port) + ": " + std::strerror(e));
  }
  port_ = bound_port(fd_);
}

UdpSocket::~UdpSocket() { ::close(fd_); }

void UdpSocket::send_to(int port, std::string_view datagram) {
  sockaddr_in addr = loopback(port);
  ssize_t n = ::sendto(fd_, datagram.data(), datagram.size(), 0, reinterpret_cast<sockaddr*>(&addr),
                       sizeof addr);
  if (n != static_cast<ssize_t>(datagram.size()))
    throw std::runtime_error("sendto 127.0.0.1:" + std::to_string(port) + ": " + std::strerror(errno));
}

std::optional<std::string> UdpSocket::receive(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() < 0 || !wait_readable(fd_, left)) return std::nullopt;
    std::string buf(65536, '\0');
    ssize_t n = ::recv(fd_, buf.data(), buf.size(), 0);
    // ECONNREFUSED: an ICMP port-unreachable from an earlier send; keep reading.
    if (n < 0) continue;
    buf.resize(static_cast<std::size_t>(n));
    return buf;
  }
}

TcpConnection::TcpConnection(int port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error("socket: " + std::string(std::strerror(errno)));
  sockaddr_in addr = loopback(port);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    int e = errno;
    ::close(fd_);
    throw std::runtime_error("connect tcp 127.0.0.1:" + std::to_string(port) + ": " + std::strerror(e));
  }
  local_port_ = bound_port(fd_);
}

TcpConnection::~TcpConnection() { ::close(fd_); }

bool TcpConnection::send(std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      closed_ = true;
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

std::optional<std::string> TcpConnection::take_message() {
  // Skip keep-alive CRLFs (RFC 5626 3.5.1) between messages.
  while (buffer_.size() >= 2 && buffer_.compare(0, 2, "\r\n") == 0) buffer_.erase(0, 2);
  std::size_t end = buffer_.find("\r\n\r\n");
  if (end == std::string::npos) return std::nullopt;
  std::size_t body_start = end + 4;
  std::string headers = buffer_.substr(0, body_start);
  std::string length = header_value(headers, "Content-Length", "l");
  std::size_t body = 0;
  if (!length.empty()) {
    if (length.find_first_not_of("0123456789") != std::string::npos)
      throw std::runtime_error("bad Content-Length in a message from the node: " + headers);
    body = std::stoul(length);
  }
  if (buffer_.size() < body_start + body) return std::nullopt;
  std::string message = buffer_.substr(0, body_start + body);
  buffer_.erase(0, body_start + body);
  return message;
}

std::optional<std::string> TcpConnection::receive_message(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (auto m = take_message()) return m;
    if (closed_) return std::nullopt;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() < 0 || !wait_readable(fd_, left)) return std::nullopt;
    char buf[65536];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      closed_ = true;
      continue;
    }
    buffer_.append(buf, static_cast<std::size_t>(n));
  }
}

}  // namespace sipedge::test
