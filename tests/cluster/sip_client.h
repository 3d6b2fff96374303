#pragma once
// Raw SIP over UDP from inside a namespace of a ClusterNetwork, for the HA
// tests: a socket bound in a phone namespace, REGISTER/OPTIONS/INFO builders,
// a probe that measures when the VIP answers 200 again, and a steady
// registration load. Every wait is bounded.
//
// Threads: a NetnsUdp is used by one thread at a time. RegisterLoad runs its
// own thread; its accessors are thread-safe.
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace sipedge::test::cluster {

using Clock = std::chrono::steady_clock;

class NetnsUdp {
 public:
  // A UDP socket in namespace `ns`, bound to ip:port (0 = any free port).
  NetnsUdp(const std::string& ns, const std::string& ip, int port = 0);
  ~NetnsUdp();
  NetnsUdp(const NetnsUdp&) = delete;
  NetnsUdp& operator=(const NetnsUdp&) = delete;

  const std::string& ip() const { return ip_; }
  int port() const { return port_; }
  void send_to(const std::string& ip, int port, const std::string& datagram);
  std::optional<std::string> receive(std::chrono::milliseconds timeout);

 private:
  int fd_ = -1;
  std::string ip_;
  int port_ = 0;
};

struct SipRequest {
  std::string method = "OPTIONS";
  std::string request_uri;      // "" = sip:<to_host>
  std::string user = "probe";   // From/To user
  std::string domain;           // From/To host ("" = the target ip)
  std::string call_id;
  unsigned cseq = 1;
  std::string contact;          // "" = none
  std::string expires;          // "" = no Expires header
  std::vector<std::string> extra_headers;
};
// The request text, sent from `from` (Via/From) to ip:port.
std::string build_request(const SipRequest& r, const NetnsUdp& from, const std::string& to_ip, int to_port);

// Status code of a response (0 for anything else) and a header's value.
int sip_status(const std::string& message);
std::string sip_header(const std::string& message, const std::string& name, const std::string& compact = "");

// Sends `r` and waits for its final response (same Call-ID and CSeq); no
// retransmission. nullopt after `timeout`.
std::optional<std::string> sip_transaction(NetnsUdp& socket, const std::string& to_ip, int to_port,
                                           const SipRequest& r, std::chrono::milliseconds timeout);

// Sends a new OPTIONS (or REGISTER when `user` is set) every `interval` until
// one is answered 200; returns the instant that 200 arrived (nullopt at the
// deadline). Counts the other answers in `codes` when given.
std::optional<Clock::time_point> wait_for_200(NetnsUdp& socket, const std::string& to_ip, int to_port,
                                              Clock::time_point deadline, const std::string& register_user = "",
                                              std::chrono::milliseconds interval = std::chrono::milliseconds(20),
                                              std::map<int, int>* codes = nullptr, std::string* last_answer = nullptr);

// One REGISTER of the load.
struct RegisterAttempt {
  std::string user;
  unsigned cseq = 0;
  Clock::time_point sent;
  int status = 0;                 // 0 = unanswered
  Clock::time_point answered;
};

// `users` phones registering in turn from one socket in namespace `ns`:
// user i has a fixed Call-ID and contact, CSeq + 1 per REGISTER (RFC 3261
// 10.2.4 refreshes), one REGISTER every `interval` overall, expires 3600.
class RegisterLoad {
 public:
  RegisterLoad(const std::string& ns, const std::string& local_ip, const std::string& target_ip, int target_port,
               std::vector<std::string> users, std::string domain,
               std::chrono::milliseconds interval = std::chrono::milliseconds(10));
  ~RegisterLoad();  // stop()
  void stop();

  std::vector<RegisterAttempt> attempts() const;
  // Users with at least one 200 so far.
  std::size_t registered_users() const;
  // Until every user has been answered 200 once; false on timeout.
  bool wait_all_registered(std::chrono::milliseconds timeout) const;
  // The first 200 to a REGISTER sent at or after `t`.
  std::optional<Clock::time_point> first_200_sent_after(Clock::time_point t) const;
  // Answers by status (0 = unanswered) among REGISTERs sent in [from, to).
  std::map<int, int> statuses(Clock::time_point from, Clock::time_point to) const;
  const std::vector<std::string>& users() const { return users_; }

 private:
  void run();

  NetnsUdp socket_;
  std::string target_ip_;
  int target_port_;
  std::vector<std::string> users_;
  std::string domain_;
  std::chrono::milliseconds interval_;
  mutable std::mutex mutex_;
  std::vector<RegisterAttempt> attempts_;
  std::map<std::string, std::size_t> pending_;  // "call-id cseq" -> index in attempts_
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace sipedge::test::cluster
