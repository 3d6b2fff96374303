#pragma once
// Raw SIP over loopback sockets, for tests that must send exact bytes (RFC
// 4475 torture messages) and read whatever comes back.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace sipedge::test {

struct SipResponse {
  int status = 0;
  std::string reason;
  std::string call_id;      // Call-ID / i header value, "" if absent
  std::string cseq_method;  // method of the CSeq header
  std::string raw;
};

// Parses a SIP response's status line and Call-ID/CSeq; nullopt for requests
// and garbage.
std::optional<SipResponse> parse_sip_response(std::string_view message);

// A minimal RFC 3261 OPTIONS to 127.0.0.1:remote_port, sent from local_port
// over transport "UDP" or "TCP", with the given Call-ID.
std::string make_options(const std::string& transport, int local_port, int remote_port,
                         const std::string& call_id);

class UdpSocket {
 public:
  explicit UdpSocket(int port = 0);  // binds 127.0.0.1:port; throws if it cannot
  ~UdpSocket();
  UdpSocket(const UdpSocket&) = delete;
  UdpSocket& operator=(const UdpSocket&) = delete;

  int port() const { return port_; }
  void send_to(int port, std::string_view datagram);  // to 127.0.0.1:port, one datagram
  // Next datagram, or nullopt after `timeout`.
  std::optional<std::string> receive(std::chrono::milliseconds timeout);

 private:
  int fd_ = -1;
  int port_ = 0;
};

class TcpConnection {
 public:
  // Connects to 127.0.0.1:port; throws std::runtime_error on failure.
  explicit TcpConnection(int port);
  ~TcpConnection();
  TcpConnection(const TcpConnection&) = delete;
  TcpConnection& operator=(const TcpConnection&) = delete;

  int local_port() const { return local_port_; }
  // Sends all bytes; false when the peer has closed the connection.
  bool send(std::string_view data);
  // Next complete SIP message (framed by Content-Length, RFC 3261 18.3), or
  // nullopt on timeout or when the peer closed (then closed() is true).
  std::optional<std::string> receive_message(std::chrono::milliseconds timeout);
  bool closed() const { return closed_; }

 private:
  std::optional<std::string> take_message();
  int fd_ = -1;
  int local_port_ = 0;
  bool closed_ = false;
  std::string buffer_;
};

}  // namespace sipedge::test
