// Blocking event-socket client: POSIX sockets with poll() for the timeouts.
#include "node/esl/esl_client.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <stdexcept>

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "node/esl/esl_frame.h"
#include "node/events/event_format.h"

namespace sipedge {

namespace {

using Clock = std::chrono::steady_clock;

// Replies can be long (status tables), events too; this only bounds memory.
constexpr std::size_t kMaxFrameBytes = 64 * 1024 * 1024;
// How long a command may take to answer (profile restarts take seconds).
constexpr std::chrono::seconds kReplyTimeout(30);

bool is_event(const EslFrame& frame) {
  return istarts_with(frame.content_type(), "text/event-");
}

std::string trim_newlines(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

}  // namespace

struct EslClient::Impl {
  int fd = -1;
  std::string peer;  // "host:port" for messages
  EslFrameReader reader{kMaxFrameBytes};
  std::deque<EslFrame> events;

  ~Impl() { close_fd(); }

  void close_fd() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }

  void require_open() const {
    if (fd < 0) throw std::runtime_error("event socket: not connected");
  }

  void send_all(const std::string& data) {
    require_open();
    std::size_t off = 0;
    while (off < data.size()) {
      const ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        const std::string err = std::strerror(errno);
        close_fd();
        throw std::runtime_error("event socket: sending to " + peer + " failed: " + err);
      }
      off += static_cast<std::size_t>(n);
    }
  }

  // The next frame before the deadline, or nullopt on timeout. Throws when the
  // connection closes or sends something unframeable.
  std::optional<EslFrame> read_frame(Clock::time_point deadline) {
    require_open();
    for (;;) {
      std::optional<EslPacket> packet;
      try {
        packet = reader.next();
      } catch (const EslFrameError& e) {
        close_fd();
        throw std::runtime_error(std::string("event socket: bad frame from server: ") + e.what());
      }
      if (packet) return packet_to_frame(std::move(*packet));

      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd pfd{fd, POLLIN, 0};
      const int ready = ::poll(&pfd, 1, static_cast<int>(left.count()));
      if (ready < 0) {
        if (errno == EINTR) continue;
        throw std::runtime_error(std::string("event socket: poll failed: ") + std::strerror(errno));
      }
      if (ready == 0) return std::nullopt;
      char buf[64 * 1024];
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n < 0) {
        if (errno == EINTR || errno == EAGAIN) continue;
        const std::string err = std::strerror(errno);
        close_fd();
        throw std::runtime_error("event socket: receiving from " + peer + " failed: " + err);
      }
      if (n == 0) {
        close_fd();
        throw std::runtime_error("event socket: connection closed by " + peer);
      }
      try {
        reader.feed(std::string_view(buf, static_cast<std::size_t>(n)));
      } catch (const EslFrameError& e) {
        close_fd();
        throw std::runtime_error(std::string("event socket: bad frame from server: ") + e.what());
      }
    }
  }

  EslFrame read_frame_or_throw(Clock::time_point deadline, const char* waiting_for) {
    auto frame = read_frame(deadline);
    if (!frame) throw std::runtime_error(std::string("event socket: timed out waiting for ") + waiting_for);
    return std::move(*frame);
  }

  // Waits for the reply to the command just sent, queueing events that come first.
  EslFrame wait_reply() {
    const auto deadline = Clock::now() + kReplyTimeout;
    for (;;) {
      EslFrame frame = read_frame_or_throw(deadline, "a reply");
      const std::string type = frame.content_type();
      if (is_event(frame)) {
        events.push_back(std::move(frame));
      } else if (type == "command/reply" || type == "api/response") {
        return frame;
      } else if (type == "text/disconnect-notice") {
        close_fd();
        throw std::runtime_error("event socket: disconnected by server: " + trim_newlines(frame.body));
      }
      // Anything else (log/data) is not for us.
    }
  }
};

EslClient::EslClient() : impl_(std::make_unique<Impl>()) {}
EslClient::~EslClient() = default;

void EslClient::connect(const std::string& host, int port, const std::string& password,
                        std::chrono::milliseconds timeout) {
  close();
  impl_ = std::make_unique<Impl>();
  Impl& impl = *impl_;
  impl.peer = host + ":" + std::to_string(port);
  const auto deadline = Clock::now() + timeout;

  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* results = nullptr;
  const std::string service = std::to_string(port);
  if (int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &results); rc != 0) {
    throw std::runtime_error("cannot resolve " + host + ": " + gai_strerror(rc));
  }
  std::string last_error = "no address";
  for (addrinfo* ai = results; ai != nullptr && impl.fd < 0; ai = ai->ai_next) {
    const int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
    if (fd < 0) {
      last_error = std::strerror(errno);
      continue;
    }
    int rc = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
    if (rc < 0 && errno == EINPROGRESS) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      pollfd pfd{fd, POLLOUT, 0};
      const int ready = ::poll(&pfd, 1, static_cast<int>(std::max<long long>(0, left.count())));
      if (ready <= 0) {
        last_error = ready == 0 ? "timed out" : std::strerror(errno);
      } else {
        int err = 0;
        socklen_t len = sizeof err;
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err == 0) rc = 0; else last_error = std::strerror(err);
      }
    } else if (rc < 0) {
      last_error = std::strerror(errno);
    }
    if (rc == 0) {
      ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
      impl.fd = fd;
    } else {
      ::close(fd);
    }
  }
  ::freeaddrinfo(results);
  if (impl.fd < 0) throw std::runtime_error("cannot connect to " + impl.peer + ": " + last_error);

  EslFrame greeting = impl.read_frame_or_throw(deadline, "auth/request");
  if (greeting.content_type() == "text/rude-rejection") {
    impl.close_fd();
    throw std::runtime_error("access denied by " + impl.peer + ": " + trim_newlines(greeting.body));
  }
  if (greeting.content_type() != "auth/request") {
    impl.close_fd();
    throw std::runtime_error("unexpected greeting from " + impl.peer + ": '" + greeting.content_type() + "'");
  }
  impl.send_all("auth " + password + "\n\n");
  EslFrame reply = impl.read_frame_or_throw(deadline, "the auth reply");
  const std::string* text = reply.header("Reply-Text");
  if (reply.content_type() != "command/reply" || text == nullptr || text->rfind("+OK", 0) != 0) {
    impl.close_fd();
    throw std::runtime_error("authentication to " + impl.peer + " failed: " +
                             (text ? *text : "unexpected " + reply.content_type()));
  }
}

std::string EslClient::api(const std::string& command) {
  impl_->send_all("api " + command + "\n\n");
  EslFrame reply = impl_->wait_reply();
  if (reply.content_type() == "api/response") return reply.body;
  // A command/reply here is the server refusing the command itself.
  const std::string* text = reply.header("Reply-Text");
  return text ? *text : std::string("-ERR no reply");
}

EslFrame EslClient::command(const std::string& line) {
  impl_->send_all(line + "\n\n");
  return impl_->wait_reply();
}

std::optional<EslFrame> EslClient::next_event(std::chrono::milliseconds timeout) {
  Impl& impl = *impl_;
  if (!impl.events.empty()) {
    EslFrame frame = std::move(impl.events.front());
    impl.events.pop_front();
    return frame;
  }
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    auto frame = impl.read_frame(deadline);
    if (!frame) return std::nullopt;
    if (is_event(*frame)) return frame;
    if (frame->content_type() == "text/disconnect-notice") {
      impl.close_fd();
      throw std::runtime_error("event socket: disconnected by server: " + trim_newlines(frame->body));
    }
  }
}

EslFrame EslClient::parse_plain_event(const std::string& body) {
  EslFrameReader reader(body.size() + 1);
  reader.feed(body);
  std::optional<EslPacket> packet;
  try {
    packet = reader.next();
  } catch (const EslFrameError& e) {
    throw std::runtime_error(std::string("bad text/event-plain body: ") + e.what());
  }
  if (!packet) throw std::runtime_error("bad text/event-plain body: truncated");
  EslFrame frame = packet_to_frame(std::move(*packet));
  // switch_event_serialize url-encodes every value.
  for (auto& [name, value] : frame.headers) value = url_decode(value);
  return frame;
}

void EslClient::close() {
  if (impl_) impl_->close_fd();
}

}  // namespace sipedge
