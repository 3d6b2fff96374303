#include "node/esl/esl_session.h"

#include <exception>
#include <optional>
#include <vector>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/uuid/random_generator.hpp>
#include <boost/uuid/uuid_io.hpp>
#include <spdlog/spdlog.h>

#include "node/commands/command_registry.h"
#include "node/config/acl_matcher.h"
#include "node/events/event_bus.h"
#include "node/events/event_format.h"

namespace sipedge {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

// listener_run's goodbye, sent before every close it initiates.
constexpr char kGoodbye[] = "Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n";
// How long a closing session may take to flush its goodbye to a client that does not read.
constexpr auto kCloseFlushTimeout = std::chrono::seconds(5);

std::string disconnect_notice(const std::string& message) {
  return "Content-Type: text/disconnect-notice\nContent-Length: " + std::to_string(message.size()) +
         "\n\n" + message;
}

std::vector<std::string> split_words(std::string_view s) {
  std::vector<std::string> words;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    std::size_t j = i;
    while (j < s.size() && s[j] != ' ') ++j;
    if (j > i) words.emplace_back(s.substr(i, j - i));
    i = j;
  }
  return words;
}

// The words after the command name ("event plain ALL" -> {"plain", "ALL"}).
std::vector<std::string> words_after_command(const std::string& cmd) {
  const auto sp = cmd.find(' ');
  if (sp == std::string::npos) return {};
  return split_words(std::string_view(cmd).substr(sp + 1));
}

std::string new_uuid() {
  // random_generator is not thread-safe: one per thread.
  thread_local boost::uuids::random_generator generator;
  return boost::uuids::to_string(generator());
}

}  // namespace

void EslServerShared::add(const std::shared_ptr<EslSession>& session) {
  std::lock_guard lock(sessions_mutex_);
  sessions_[session.get()] = session;
}

void EslServerShared::remove(const EslSession* session) {
  std::lock_guard lock(sessions_mutex_);
  sessions_.erase(session);
}

std::vector<std::shared_ptr<EslSession>> EslServerShared::snapshot() const {
  std::vector<std::shared_ptr<EslSession>> out;
  std::lock_guard lock(sessions_mutex_);
  out.reserve(sessions_.size());
  for (const auto& [ptr, weak] : sessions_) {
    if (auto s = weak.lock()) out.push_back(std::move(s));
  }
  return out;
}

std::size_t EslServerShared::count() const {
  std::lock_guard lock(sessions_mutex_);
  return sessions_.size();
}

EslSession::EslSession(Strand strand, asio::ip::tcp::socket socket,
                       std::shared_ptr<EslServerShared> shared)
    : strand_(std::move(strand)),
      socket_(std::move(socket)),
      close_timer_(strand_),
      shared_(std::move(shared)),
      reader_(shared_->limits.max_input_bytes) {
  error_code ec;
  const auto remote = socket_.remote_endpoint(ec);
  if (!ec) {
    auto address = remote.address();
    // An IPv4 client on a dual-stack socket is matched as IPv4.
    if (address.is_v6() && address.to_v6().is_v4_mapped()) {
      address = asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
    }
    remote_ip_ = address.to_string();
    peer_ = remote_ip_ + ":" + std::to_string(remote.port());
  } else {
    peer_ = "(unknown peer)";
  }
}

void EslSession::start() {
  asio::post(strand_, [self = shared_from_this()] { self->begin(); });
}

void EslSession::shutdown(std::string message) {
  asio::post(strand_, [self = shared_from_this(), message = std::move(message)] {
    if (!self->closed_ && !self->closing_) self->begin_close(message);
  });
}

void EslSession::begin() {
  if (remote_ip_.empty()) {
    close_now();
    return;
  }
  if (!shared_->acl_name.empty()) {
    const bool allowed = shared_->acl != nullptr && shared_->acl->allows(shared_->acl_name, remote_ip_);
    if (!allowed) {
      // listener_run: a text/rude-rejection, then the usual goodbye and close.
      spdlog::warn("esl: IP {} rejected by acl \"{}\"", remote_ip_, shared_->acl_name);
      static constexpr char kDenied[] = "Access Denied, go away.\n";
      send("Content-Type: text/rude-rejection\nContent-Length: " + std::to_string(sizeof(kDenied) - 1) +
           "\n\n" + kDenied);
      begin_close(kGoodbye);
      return;
    }
  }
  spdlog::debug("esl: connection from {}", peer_);
  send("Content-Type: auth/request\n\n");
  do_read();
}

void EslSession::do_read() {
  socket_.async_read_some(
      asio::buffer(read_buf_),
      asio::bind_executor(strand_, [self = shared_from_this()](const error_code& ec, std::size_t n) {
        if (self->closed_ || self->closing_) return;
        if (ec) {
          // Peer gone (EOF, reset): nothing to say to it.
          if (ec != asio::error::eof) spdlog::debug("esl: {} read failed: {}", self->peer_, ec.message());
          self->close_now();
          return;
        }
        try {
          self->reader_.feed(std::string_view(self->read_buf_, n));
        } catch (const EslFrameError& e) {
          spdlog::warn("esl: closing {}: {}", self->peer_, e.what());
          self->close_now();
          return;
        }
        self->process_packets();
        if (!self->closed_ && !self->closing_) self->do_read();
      }));
}

void EslSession::process_packets() {
  while (!closed_ && !closing_ && !awaiting_reply_) {
    std::optional<EslPacket> packet;
    try {
      packet = reader_.next();
    } catch (const EslFrameError& e) {
      spdlog::warn("esl: closing {}: {}", peer_, e.what());
      close_now();
      return;
    }
    if (!packet) return;
    switch (handle(*packet)) {
      case Next::kContinue:
        break;
      case Next::kAwaitReply:
        awaiting_reply_ = true;
        return;
      case Next::kClose:
        begin_close(kGoodbye);
        return;
    }
  }
}

EslSession::Next EslSession::handle(const EslPacket& packet) {
  const std::string& cmd = packet.lines.front();

  // parse_command checks exit before authentication.
  if (istarts_with(cmd, "exit") || istarts_with(cmd, "...")) {
    reply("+OK bye");
    return Next::kClose;
  }

  if (!authed_) {
    if (istarts_with(cmd, "auth ")) {
      if (cmd.substr(5) == shared_->password) {
        authed_ = true;
        reply("+OK accepted");
        return Next::kContinue;
      }
      spdlog::warn("esl: {} failed authentication", peer_);
      reply("-ERR invalid");
      return Next::kClose;
    }
    if (istarts_with(cmd, "userauth ")) {
      // No user directory: every user is unknown, which FreeSWITCH answers so.
      reply("-ERR invalid");
      return Next::kClose;
    }
    reply("-ERR command not found");
    return Next::kContinue;
  }

  spdlog::info("esl: command from {}: {}", peer_, cmd.substr(0, 256));

  if (istarts_with(cmd, "filter ")) return handle_filter(cmd.substr(7));
  if (istarts_with(cmd, "myevents ")) {
    // There are no channels, so no uuid can be located.
    reply("-ERR invalid uuid");
    return Next::kContinue;
  }
  if (istarts_with(cmd, "divert_events")) {
    reply("-ERR not controlling a session.");
    return Next::kContinue;
  }
  if (istarts_with(cmd, "sendmsg")) {
    std::string uuid = cmd.substr(7);
    while (!uuid.empty() && uuid.front() == ' ') uuid.erase(0, 1);
    if (uuid.empty()) {
      for (std::size_t i = 1; i < packet.lines.size(); ++i) {
        auto [name, value] = split_header_line(packet.lines[i]);
        if (iequals(name, "session-id")) uuid = value;
      }
    }
    reply("-ERR invalid session id [" + uuid + "]");
    return Next::kContinue;
  }
  if (istarts_with(cmd, "sendevent")) return handle_sendevent(cmd, packet);
  if (istarts_with(cmd, "api ")) return handle_api(cmd.substr(4));
  if (istarts_with(cmd, "bgapi ")) return handle_bgapi(cmd.substr(6), packet);
  if (istarts_with(cmd, "log")) {
    reply("-ERR log streaming is not supported");
    return Next::kContinue;
  }
  if (istarts_with(cmd, "linger") || istarts_with(cmd, "nolinger")) {
    reply("-ERR not controlling a session");
    return Next::kContinue;
  }
  if (istarts_with(cmd, "nolog")) {
    reply("-ERR not loging");  // sic: FreeSWITCH's text
    return Next::kContinue;
  }
  if (istarts_with(cmd, "event")) return handle_event(cmd);
  if (istarts_with(cmd, "nixevent")) return handle_nixevent(cmd);
  if (istarts_with(cmd, "noevents")) return handle_noevents();

  reply("-ERR command not found");
  return Next::kContinue;
}

EslSession::Next EslSession::handle_api(const std::string& line) {
  // The reply may come from any thread, exactly once; `answered` turns a
  // throwing handler into one -ERR reply without a second answer.
  auto answered = std::make_shared<std::atomic<bool>>(false);
  auto self = shared_from_this();
  Reply on_reply = [self, answered](std::string body) {
    if (answered->exchange(true)) return;
    asio::post(self->strand_, [self, body = std::move(body)]() mutable { self->on_api_reply(std::move(body)); });
  };
  try {
    shared_->registry->execute(line, on_reply);
  } catch (const std::exception& e) {
    on_reply(std::string("-ERR ") + e.what() + "\n");
  }
  return Next::kAwaitReply;
}

void EslSession::on_api_reply(std::string body) {
  if (closed_) return;
  awaiting_reply_ = false;
  if (!closing_) {
    if (body.empty()) body = "-ERR no reply\n";  // api_exec's answer to empty output
    send("Content-Type: api/response\nContent-Length: " + std::to_string(body.size()) + "\n\n" + body);
  }
  process_packets();
}

EslSession::Next EslSession::handle_bgapi(const std::string& line, const EslPacket& packet) {
  std::string job_uuid;
  for (std::size_t i = 1; i < packet.lines.size(); ++i) {
    auto [name, value] = split_header_line(packet.lines[i]);
    if (iequals(name, "Job-UUID") && !value.empty()) job_uuid = value;
  }
  if (job_uuid.empty()) job_uuid = new_uuid();

  // FreeSWITCH splits the command at the first blank; Job-Command-Arg is there
  // only when an argument part was given.
  std::string command = line;
  std::optional<std::string> arg;
  if (const auto sp = line.find(' '); sp != std::string::npos) {
    command = line.substr(0, sp);
    arg = line.substr(sp + 1);
  }

  // The reply goes out first, so the BACKGROUND_JOB event always follows it.
  send("Content-Type: command/reply\nReply-Text: +OK Job-UUID: " + job_uuid + "\nJob-UUID: " + job_uuid + "\n\n");

  auto answered = std::make_shared<std::atomic<bool>>(false);
  EventBus* bus = shared_->bus;
  Reply on_reply = [bus, answered, job_uuid, command, arg](std::string body) {
    if (answered->exchange(true)) return;
    Event event("BACKGROUND_JOB");
    event.add_header("Job-UUID", job_uuid);
    event.add_header("Job-Command", command);
    if (arg) event.add_header("Job-Command-Arg", *arg);
    event.body = std::move(body);
    bus->publish(std::move(event));
  };
  try {
    shared_->registry->execute(line, on_reply);
  } catch (const std::exception& e) {
    on_reply(std::string("-ERR ") + e.what() + "\n");
  }
  return Next::kContinue;
}

EslSession::Next EslSession::handle_event(const std::string& cmd) {
  std::vector<std::string> words = words_after_command(cmd);
  // The first word may pick the format; it stays picked even without names.
  if (!words.empty()) {
    if (iequals(words.front(), "plain")) {
      format_ = EventFormat::kPlain;
      words.erase(words.begin());
    } else if (iequals(words.front(), "json")) {
      format_ = EventFormat::kJson;
      words.erase(words.begin());
    } else if (iequals(words.front(), "xml")) {
      format_ = EventFormat::kXml;
      words.erase(words.begin());
    }
  }
  int key_count;
  {
    std::lock_guard lock(subscription_mutex_);
    key_count = subscription_.add(words);
    if (key_count > 0) events_enabled_ = true;
  }
  if (key_count == 0) {
    reply("-ERR no keywords supplied");
    return Next::kContinue;
  }
  const char* name = format_ == EventFormat::kPlain ? "plain" : format_ == EventFormat::kJson ? "json" : "xml";
  reply(std::string("+OK event listener enabled ") + name);
  return Next::kContinue;
}

EslSession::Next EslSession::handle_nixevent(const std::string& cmd) {
  int key_count;
  {
    std::lock_guard lock(subscription_mutex_);
    key_count = subscription_.remove(words_after_command(cmd));
    if (key_count > 0) events_enabled_ = true;
  }
  reply(key_count == 0 ? "-ERR no keywords supplied" : "+OK events nixed");
  return Next::kContinue;
}

EslSession::Next EslSession::handle_noevents() {
  bool was_enabled;
  {
    std::lock_guard lock(subscription_mutex_);
    was_enabled = events_enabled_;
    events_enabled_ = false;
    subscription_.clear();
    ++epoch_;  // flush_listener: events already offered are dropped
  }
  reply(was_enabled ? "+OK no longer listening for events" : "-ERR not listening for events");
  return Next::kContinue;
}

EslSession::Next EslSession::handle_filter(const std::string& args) {
  std::string_view rest = args;
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  // Splits "name value..." at the first blank; value is absent without a blank.
  auto split = [](std::string_view s) -> std::pair<std::string, std::optional<std::string>> {
    const auto sp = s.find(' ');
    if (sp == std::string_view::npos) return {std::string(s), std::nullopt};
    return {std::string(s.substr(0, sp)), std::string(s.substr(sp + 1))};
  };
  auto [name, value] = split(rest);

  std::lock_guard lock(subscription_mutex_);
  if (iequals(name, "delete") && value) {
    auto [del_name, del_value] = split(*value);
    filters_.remove(del_name, del_value);
    reply("+OK filter deleted. [" + del_name + "][" + del_value.value_or("") + "]");
    return Next::kContinue;
  }
  if (value && iequals(name, "add")) {
    auto [add_name, add_value] = split(*value);
    name = add_name;
    value = add_value;
  }
  if (!value || name.empty()) {
    reply("-ERR invalid syntax");
    return Next::kContinue;
  }
  filters_.add(name, *value);
  reply("+OK filter added. [" + name + "]=[" + *value + "]");
  return Next::kContinue;
}

EslSession::Next EslSession::handle_sendevent(const std::string& cmd, const EslPacket& packet) {
  std::string_view word = std::string_view(cmd).substr(9);
  while (!word.empty() && (word.front() == ' ' || word.front() == '\t')) word.remove_prefix(1);
  const auto name = canonical_event_name(word);
  if (!name || *name == "ALL" || *name == "CLONE") {
    reply("-ERR invalid event name");
    return Next::kContinue;
  }
  Event event(*name);
  for (std::size_t i = 1; i < packet.lines.size(); ++i) {
    auto [key, value] = split_header_line(packet.lines[i]);
    // The bus stamps these itself; Content-Length only framed the body.
    if (iequals(key, "Event-Subclass")) {
      event.subclass = value;
      continue;
    }
    if (iequals(key, "Event-Name") || iequals(key, "Content-Length")) continue;
    event.add_header(std::move(key), std::move(value));
  }
  if (event.name == "CUSTOM" && event.subclass.empty()) {
    reply("-ERR CUSTOM events need an Event-Subclass header");
    return Next::kContinue;
  }
  const std::string uuid = new_uuid();
  event.add_header("Event-UUID", uuid);
  event.body = packet.body;
  // Reply first so a subscribed sender sees the reply before its own event.
  reply("+OK " + uuid);
  shared_->bus->publish(std::move(event));
  return Next::kContinue;
}

void EslSession::offer(const EventPtr& event) {
  if (gone_.load()) return;
  std::uint64_t epoch;
  {
    std::lock_guard lock(subscription_mutex_);
    if (!events_enabled_ || !subscription_.matches(*event) || !filters_.allows(*event)) return;
    epoch = epoch_;
  }
  if (queued_events_.fetch_add(1) >= shared_->limits.max_queued_events) {
    queued_events_.fetch_sub(1);
    // A consumer this far behind is dropped (mod_event_socket kills a listener
    // that loses too many events); say so once.
    if (!overflowed_.exchange(true)) {
      spdlog::error("esl: dropping {}: more than {} events queued (slow consumer)", peer_,
                    shared_->limits.max_queued_events);
      asio::post(strand_, [self = shared_from_this()] { self->close_now(); });
    }
    return;
  }
  asio::post(strand_, [self = shared_from_this(), event, epoch] { self->deliver(event, epoch); });
}

void EslSession::deliver(const EventPtr& event, std::uint64_t epoch) {
  bool current;
  {
    std::lock_guard lock(subscription_mutex_);
    current = epoch == epoch_;
  }
  if (closed_ || closing_ || !current) {
    queued_events_.fetch_sub(1);
    return;
  }
  std::string body;
  const char* type;
  switch (format_) {
    case EventFormat::kPlain: body = format_event_plain(*event); type = "plain"; break;
    case EventFormat::kJson: body = format_event_json(*event); type = "json"; break;
    case EventFormat::kXml: body = format_event_xml(*event); type = "xml"; break;
  }
  send("Content-Length: " + std::to_string(body.size()) + "\nContent-Type: text/event-" + type + "\n\n" + body,
       /*is_event=*/true);
}

void EslSession::reply(const std::string& text) {
  send("Content-Type: command/reply\nReply-Text: " + text + "\n\n");
}

void EslSession::send(std::string data, bool is_event) {
  if (closed_) {
    if (is_event) queued_events_.fetch_sub(1);
    return;
  }
  outbox_.push_back(Outgoing{std::move(data), is_event});
  if (!writing_) write_next();
}

void EslSession::write_next() {
  writing_ = true;
  asio::async_write(socket_, asio::buffer(outbox_.front().data),
                    asio::bind_executor(strand_, [self = shared_from_this()](const error_code& ec, std::size_t) {
                      self->writing_ = false;
                      if (self->closed_) return;
                      if (ec) {
                        spdlog::debug("esl: {} write failed: {}", self->peer_, ec.message());
                        self->close_now();
                        return;
                      }
                      if (self->outbox_.front().is_event) self->queued_events_.fetch_sub(1);
                      self->outbox_.pop_front();
                      if (!self->outbox_.empty()) {
                        self->write_next();
                      } else if (self->closing_) {
                        self->close_now();
                      }
                    }));
}

void EslSession::begin_close(const std::string& message) {
  closing_ = true;
  send(disconnect_notice(message));
  close_timer_.expires_after(kCloseFlushTimeout);
  close_timer_.async_wait([self = shared_from_this()](const error_code& ec) {
    if (!ec) self->close_now();
  });
}

void EslSession::close_now() {
  if (closed_) return;
  closed_ = true;
  gone_ = true;
  close_timer_.cancel();
  error_code ec;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  shared_->remove(this);
  spdlog::debug("esl: {} closed", peer_);
}

}  // namespace sipedge
