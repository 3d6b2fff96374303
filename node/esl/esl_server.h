#pragma once
// The inbound event socket (mod_event_socket): clients authenticate with the
// configured password and then run `api`/`bgapi` commands and subscribe to
// events from the EventBus.
//
// Threads: start() and stop() run on the io_context's thread (or before it
// runs). Every session lives on its own strand; the bus and the command
// handlers may call in from any thread and are posted to that strand.
#include <cstddef>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "node/config/node_config.h"

namespace sipedge {

class AclMatcher;
class CommandRegistry;
class EventBus;
struct EslServerShared;

class EslServer {
 public:
  struct Limits {
    std::size_t max_input_bytes = 1024 * 1024;  // pending command bytes; more closes the session
    std::size_t max_queued_events = 10000;      // unsent events; more drops the session (slow consumer)
  };

  // acl may be null when event_socket.apply_inbound_acl is empty. The
  // registry and the bus must outlive every session (i.e. the io_context run).
  EslServer(boost::asio::io_context& io, const EventSocketConfig& config, const AclMatcher* acl,
            CommandRegistry& registry, EventBus& bus);
  EslServer(boost::asio::io_context& io, const EventSocketConfig& config, const AclMatcher* acl,
            CommandRegistry& registry, EventBus& bus, Limits limits);
  ~EslServer();

  EslServer(const EslServer&) = delete;
  EslServer& operator=(const EslServer&) = delete;

  // Binds listen-ip:listen-port (0 = ephemeral) and starts accepting.
  // Returns the bound port. Throws std::runtime_error naming the address.
  unsigned short start();
  // Stops accepting, says goodbye to every session and closes it. Idempotent.
  void stop();

  // Sessions currently open (for tests and `status`-like commands).
  std::size_t session_count() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;  // shared with pending accept handlers
};

}  // namespace sipedge
