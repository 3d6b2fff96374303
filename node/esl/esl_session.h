#pragma once
// One inbound event-socket connection (mod_event_socket's listener_run):
// authentication, the command set, and event delivery to the client.
//
// Threads: everything except offer() and shutdown() runs on the session's
// strand. offer() is called by the EventBus on the publishing thread and only
// touches the subscription under subscription_mutex_ before posting.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "node/esl/esl_frame.h"
#include "node/esl/esl_server.h"
#include "node/esl/esl_subscription.h"
#include "node/events/event.h"

namespace sipedge {

class EslSession;

// What the server and its sessions share; outlives the EslServer object while
// any session or handler still runs.
struct EslServerShared {
  std::string password;
  std::string acl_name;          // "" = no ACL
  const AclMatcher* acl = nullptr;
  CommandRegistry* registry = nullptr;
  EventBus* bus = nullptr;
  EslServer::Limits limits;

  void add(const std::shared_ptr<EslSession>& session);
  void remove(const EslSession* session);
  std::vector<std::shared_ptr<EslSession>> snapshot() const;
  std::size_t count() const;

 private:
  mutable std::mutex sessions_mutex_;  // guards sessions_
  std::map<const EslSession*, std::weak_ptr<EslSession>> sessions_;
};

class EslSession : public std::enable_shared_from_this<EslSession> {
 public:
  using Strand = boost::asio::strand<boost::asio::io_context::executor_type>;

  EslSession(Strand strand, boost::asio::ip::tcp::socket socket,
             std::shared_ptr<EslServerShared> shared);

  // Any thread.
  void start();
  void offer(const EventPtr& event);
  void shutdown(std::string message);

 private:
  enum class EventFormat { kPlain, kJson, kXml };
  // What a command leaves the session doing next.
  enum class Next { kContinue, kAwaitReply, kClose };

  void begin();
  void do_read();
  void process_packets();
  Next handle(const EslPacket& packet);
  Next handle_api(const std::string& line);
  Next handle_bgapi(const std::string& line, const EslPacket& packet);
  Next handle_event(const std::string& cmd);
  Next handle_nixevent(const std::string& cmd);
  Next handle_noevents();
  Next handle_filter(const std::string& args);
  Next handle_sendevent(const std::string& cmd, const EslPacket& packet);
  void on_api_reply(std::string body);
  void deliver(const EventPtr& event, std::uint64_t epoch);

  void reply(const std::string& text);
  void send(std::string data, bool is_event = false);
  void write_next();
  void begin_close(const std::string& message);
  void close_now();

  Strand strand_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer close_timer_;
  std::shared_ptr<EslServerShared> shared_;
  std::string peer_;  // "ip:port" for logs
  std::string remote_ip_;

  // Strand-only state.
  EslFrameReader reader_;
  char read_buf_[16 * 1024];
  bool authed_ = false;
  bool awaiting_reply_ = false;  // an api command is running; later commands wait
  bool closing_ = false;
  bool closed_ = false;
  EventFormat format_ = EventFormat::kPlain;
  struct Outgoing {
    std::string data;
    bool is_event;
  };
  std::deque<Outgoing> outbox_;
  bool writing_ = false;

  // Read by offer() on publishing threads.
  std::mutex subscription_mutex_;  // guards events_enabled_, subscription_, filters_, epoch_
  bool events_enabled_ = false;
  EslSubscription subscription_;
  EslFilters filters_;
  std::uint64_t epoch_ = 0;  // bumped by noevents: events offered before are dropped

  std::atomic<bool> gone_{false};           // closed: offer() does nothing
  std::atomic<std::size_t> queued_events_{0};  // offered, not yet written
  std::atomic<bool> overflowed_{false};
};

}  // namespace sipedge
