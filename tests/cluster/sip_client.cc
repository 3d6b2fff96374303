#include "tests/cluster/sip_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <cerrno>
#include <cstring>
#include <sstream>
#include <stdexcept>

#include "tests/cluster/netns.h"

namespace sipedge::test::cluster {
namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

unsigned next_branch() {
  static std::atomic<unsigned> n{0};
  return ++n;
}

}  // namespace

NetnsUdp::NetnsUdp(const std::string& ns, const std::string& ip, int port) : ip_(ip) {
  fd_ = in_netns(ns, [&] { return ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0); });
  if (fd_ < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    int e = errno;
    ::close(fd_);
    throw std::runtime_error("bind " + ip + ":" + std::to_string(port) + " in " + ns + ": " + std::strerror(e));
  }
  socklen_t len = sizeof a;
  ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
  port_ = ntohs(a.sin_port);
}

NetnsUdp::~NetnsUdp() {
  if (fd_ >= 0) ::close(fd_);
}

void NetnsUdp::send_to(const std::string& ip, int port, const std::string& datagram) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
  // Errors (ICMP unreachable reported on a later send) are the point of a
  // failover test: ignored, the request counts as unanswered.
  (void)::sendto(fd_, datagram.data(), datagram.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
}

std::optional<std::string> NetnsUdp::receive(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left < 0) left = 0;
    pollfd p{fd_, POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(left));
    if (r <= 0) return std::nullopt;
    char buf[65536];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n > 0) return std::string(buf, static_cast<std::size_t>(n));
    // ECONNREFUSED from an earlier send's ICMP: keep waiting.
    if (Clock::now() >= deadline) return std::nullopt;
  }
}

std::string build_request(const SipRequest& r, const NetnsUdp& from, const std::string& to_ip, int to_port) {
  const std::string host = r.domain.empty() ? to_ip : r.domain;
  const std::string target = to_ip + ":" + std::to_string(to_port);
  std::ostringstream out;
  out << r.method << " " << (r.request_uri.empty() ? "sip:" + target : r.request_uri) << " SIP/2.0\r\n"
      << "Via: SIP/2.0/UDP " << from.ip() << ":" << from.port() << ";branch=z9hG4bK-cl" << ::getpid() << "-"
      << next_branch() << ";rport\r\n"
      << "Max-Forwards: 70\r\n"
      << "From: <sip:" << r.user << "@" << host << ">;tag=ft" << std::hash<std::string>{}(r.call_id) << "\r\n"
      << "To: <sip:" << r.user << "@" << host << ">\r\n"
      << "Call-ID: " << r.call_id << "\r\n"
      << "CSeq: " << r.cseq << " " << r.method << "\r\n";
  if (!r.contact.empty()) out << "Contact: " << r.contact << "\r\n";
  if (!r.expires.empty()) out << "Expires: " << r.expires << "\r\n";
  for (const auto& h : r.extra_headers) out << h << "\r\n";
  out << "User-Agent: sipedge-cluster-test\r\nContent-Length: 0\r\n\r\n";
  return out.str();
}

int sip_status(const std::string& message) {
  if (message.rfind("SIP/2.0 ", 0) != 0 || message.size() < 11) return 0;
  return std::atoi(message.c_str() + 8);
}

std::string sip_header(const std::string& message, const std::string& name, const std::string& compact) {
  std::istringstream in(message);
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) break;
    std::size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string n = lower(line.substr(0, colon));
    while (!n.empty() && n.back() == ' ') n.pop_back();
    if (n == lower(name) || (!compact.empty() && n == lower(compact))) {
      std::string v = line.substr(colon + 1);
      v.erase(0, v.find_first_not_of(" \t"));
      return v;
    }
  }
  return "";
}

std::optional<std::string> sip_transaction(NetnsUdp& socket, const std::string& to_ip, int to_port,
                                           const SipRequest& r, std::chrono::milliseconds timeout) {
  socket.send_to(to_ip, to_port, build_request(r, socket, to_ip, to_port));
  const auto deadline = Clock::now() + timeout;
  const std::string cseq = std::to_string(r.cseq) + " " + r.method;
  while (Clock::now() < deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    auto msg = socket.receive(std::max(left, std::chrono::milliseconds(1)));
    if (!msg) return std::nullopt;
    int code = sip_status(*msg);
    if (code < 200) continue;
    if (sip_header(*msg, "Call-ID", "i") != r.call_id || sip_header(*msg, "CSeq") != cseq) continue;
    return msg;
  }
  return std::nullopt;
}

std::optional<Clock::time_point> wait_for_200(NetnsUdp& socket, const std::string& to_ip, int to_port,
                                              Clock::time_point deadline, const std::string& register_user,
                                              std::chrono::milliseconds interval, std::map<int, int>* codes,
                                              std::string* last_answer) {
  SipRequest r;
  r.call_id = "probe-" + std::to_string(::getpid()) + "-" + std::to_string(next_branch()) + "@" + socket.ip();
  if (!register_user.empty()) {
    r.method = "REGISTER";
    r.user = register_user;
    r.domain = "example.com";
    r.request_uri = "sip:example.com";
    r.contact = "<sip:" + register_user + "@" + socket.ip() + ":" + std::to_string(socket.port()) + ">";
    r.expires = "3600";
  }
  // One request per interval; answers to earlier ones still count.
  while (Clock::now() < deadline) {
    ++r.cseq;
    socket.send_to(to_ip, to_port, build_request(r, socket, to_ip, to_port));
    const auto next = std::min(deadline, Clock::now() + interval);
    while (Clock::now() < next) {
      auto msg = socket.receive(std::chrono::duration_cast<std::chrono::milliseconds>(next - Clock::now()));
      if (!msg) break;
      int code = sip_status(*msg);
      if (code < 200 || sip_header(*msg, "Call-ID", "i") != r.call_id) continue;
      if (codes) ++(*codes)[code];
      if (last_answer) *last_answer = *msg;
      if (code == 200) return Clock::now();
    }
  }
  return std::nullopt;
}

// ------------------------------------------------------------ RegisterLoad

RegisterLoad::RegisterLoad(const std::string& ns, const std::string& local_ip, const std::string& target_ip,
                           int target_port, std::vector<std::string> users, std::string domain,
                           std::chrono::milliseconds interval)
    : socket_(ns, local_ip),
      target_ip_(target_ip),
      target_port_(target_port),
      users_(std::move(users)),
      domain_(std::move(domain)),
      interval_(interval) {
  thread_ = std::thread([this] { run(); });
}

RegisterLoad::~RegisterLoad() { stop(); }

void RegisterLoad::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void RegisterLoad::run() {
  std::map<std::string, unsigned> cseq;
  std::size_t next_user = 0;
  auto next_send = Clock::now();
  while (!stop_) {
    if (Clock::now() >= next_send) {
      const std::string& user = users_[next_user++ % users_.size()];
      SipRequest r;
      r.method = "REGISTER";
      r.user = user;
      r.domain = domain_;
      r.request_uri = "sip:" + domain_;
      r.call_id = "load-" + user + "-" + std::to_string(::getpid()) + "@" + socket_.ip();
      r.cseq = ++cseq[user];
      r.contact = "<sip:" + user + "@" + socket_.ip() + ":" + std::to_string(socket_.port()) + ">";
      r.expires = "3600";
      {
        std::lock_guard<std::mutex> lock(mutex_);
        attempts_.push_back(RegisterAttempt{user, r.cseq, Clock::now(), 0, {}});
        pending_[r.call_id + " " + std::to_string(r.cseq)] = attempts_.size() - 1;
      }
      socket_.send_to(target_ip_, target_port_, build_request(r, socket_, target_ip_, target_port_));
      next_send += interval_;
      if (next_send < Clock::now()) next_send = Clock::now();
    }
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next_send - Clock::now());
    auto msg = socket_.receive(std::max(wait, std::chrono::milliseconds(1)));
    if (!msg) continue;
    int code = sip_status(*msg);
    if (code < 200) continue;
    std::string cs = sip_header(*msg, "CSeq");
    std::string key = sip_header(*msg, "Call-ID", "i") + " " + cs.substr(0, cs.find(' '));
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = pending_.find(key);
    if (it == pending_.end()) continue;
    attempts_[it->second].status = code;
    attempts_[it->second].answered = Clock::now();
    pending_.erase(it);
  }
}

std::vector<RegisterAttempt> RegisterLoad::attempts() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return attempts_;
}

std::size_t RegisterLoad::registered_users() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::map<std::string, bool> ok;
  for (const auto& a : attempts_)
    if (a.status == 200) ok[a.user] = true;
  return ok.size();
}

bool RegisterLoad::wait_all_registered(std::chrono::milliseconds timeout) const {
  const auto deadline = Clock::now() + timeout;
  while (registered_users() < users_.size()) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

std::optional<Clock::time_point> RegisterLoad::first_200_sent_after(Clock::time_point t) const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::optional<Clock::time_point> best;
  for (const auto& a : attempts_)
    if (a.sent >= t && a.status == 200 && (!best || a.answered < *best)) best = a.answered;
  return best;
}

std::map<int, int> RegisterLoad::statuses(Clock::time_point from, Clock::time_point to) const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::map<int, int> out;
  for (const auto& a : attempts_)
    if (a.sent >= from && a.sent < to) ++out[a.status];
  return out;
}

}  // namespace sipedge::test::cluster
