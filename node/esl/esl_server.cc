#include "node/esl/esl_server.h"

#include <chrono>
#include <stdexcept>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <spdlog/spdlog.h>

#include "node/esl/esl_session.h"
#include "node/events/event_bus.h"

namespace sipedge {

namespace asio = boost::asio;
using boost::system::error_code;

struct EslServer::Impl : std::enable_shared_from_this<EslServer::Impl> {
  Impl(asio::io_context& io_context, const EventSocketConfig& cfg, std::shared_ptr<EslServerShared> sh)
      : io(io_context), config(cfg), shared(std::move(sh)), acceptor(io_context), retry_timer(io_context) {}

  void accept() {
    acceptor.async_accept([self = shared_from_this()](const error_code& ec, asio::ip::tcp::socket socket) {
      if (self->stopped || ec == asio::error::operation_aborted) return;
      if (ec) {
        // E.g. out of descriptors: back off briefly instead of spinning.
        spdlog::error("esl: accept failed: {}", ec.message());
        self->retry_timer.expires_after(std::chrono::milliseconds(100));
        self->retry_timer.async_wait([self](const error_code& wait_ec) {
          if (!wait_ec && !self->stopped) self->accept();
        });
        return;
      }
      // Each session runs on its own strand; its handlers are bound to it.
      auto strand = asio::make_strand(self->io);
      auto session = std::make_shared<EslSession>(strand, std::move(socket), self->shared);
      self->shared->add(session);
      session->start();
      self->accept();
    });
  }

  asio::io_context& io;
  EventSocketConfig config;
  std::shared_ptr<EslServerShared> shared;
  asio::ip::tcp::acceptor acceptor;
  asio::steady_timer retry_timer;
  EventBus::SubscriptionId subscription = 0;
  bool started = false;
  bool stopped = false;
};

EslServer::EslServer(asio::io_context& io, const EventSocketConfig& config, const AclMatcher* acl,
                     CommandRegistry& registry, EventBus& bus)
    : EslServer(io, config, acl, registry, bus, Limits{}) {}

EslServer::EslServer(asio::io_context& io, const EventSocketConfig& config, const AclMatcher* acl,
                     CommandRegistry& registry, EventBus& bus, Limits limits) {
  auto shared = std::make_shared<EslServerShared>();
  shared->password = config.password;
  shared->acl_name = config.apply_inbound_acl;
  shared->acl = acl;
  shared->registry = &registry;
  shared->bus = &bus;
  shared->limits = limits;
  impl_ = std::make_shared<Impl>(io, config, std::move(shared));
}

EslServer::~EslServer() { stop(); }

unsigned short EslServer::start() {
  Impl& impl = *impl_;
  if (impl.started) throw std::logic_error("EslServer::start called twice");
  const std::string where = impl.config.listen_ip + ":" + std::to_string(impl.config.listen_port) +
                            (impl.config.where.file.empty() ? "" : " (" + impl.config.where.str() + ")");
  if (impl.config.listen_port < 0 || impl.config.listen_port > 65535) {
    throw std::runtime_error("event socket: invalid listen-port in " + where);
  }
  error_code ec;
  const auto address = asio::ip::make_address(impl.config.listen_ip, ec);
  if (ec) throw std::runtime_error("event socket: invalid listen-ip '" + impl.config.listen_ip + "'");
  const asio::ip::tcp::endpoint endpoint(address, static_cast<unsigned short>(impl.config.listen_port));

  auto fail = [&](const char* step) {
    const std::string message = "event socket: cannot " + std::string(step) + " " + where + ": " + ec.message();
    impl.acceptor.close(ec);
    throw std::runtime_error(message);
  };
  impl.acceptor.open(endpoint.protocol(), ec);
  if (ec) fail("open a socket for");
  impl.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (ec) fail("set SO_REUSEADDR on");
  impl.acceptor.bind(endpoint, ec);
  if (ec) fail("bind");
  impl.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) fail("listen on");
  const unsigned short port = impl.acceptor.local_endpoint(ec).port();
  if (ec) fail("read the bound port of");

  impl.started = true;
  std::weak_ptr<EslServerShared> weak = impl.shared;
  impl.subscription = impl.shared->bus->subscribe([weak](const EventPtr& event) {
    if (auto shared = weak.lock()) {
      for (const auto& session : shared->snapshot()) session->offer(event);
    }
  });
  impl.accept();
  spdlog::info("esl: event socket listening on {}:{}", impl.config.listen_ip, port);
  return port;
}

void EslServer::stop() {
  Impl& impl = *impl_;
  if (!impl.started || impl.stopped) return;
  impl.stopped = true;
  impl.shared->bus->unsubscribe(impl.subscription);
  error_code ec;
  impl.acceptor.close(ec);
  impl.retry_timer.cancel();
  // kill_all_listeners' message.
  for (const auto& session : impl.shared->snapshot()) session->shutdown("The system is being shut down.\n");
}

std::size_t EslServer::session_count() const { return impl_->shared->count(); }

}  // namespace sipedge
