#include "recovery/recovery_listener.h"

#include <chrono>

#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include "store/dsn.h"

namespace sipedge {

namespace {

// The value of "key": "..." or "key": 123 in a flat JSON object we wrote ourselves.
std::string json_field(const std::string& json, const std::string& key) {
  const std::string needle = "\"" + key + "\":";
  auto pos = json.find(needle);
  if (pos == std::string::npos) return "";
  pos += needle.size();
  if (pos < json.size() && json[pos] == '"') {
    std::string out;
    for (++pos; pos < json.size() && json[pos] != '"'; ++pos) {
      if (json[pos] == '\\' && pos + 1 < json.size()) ++pos;
      out += json[pos];
    }
    return out;
  }
  auto end = json.find_first_of(",}", pos);
  return json.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
}

class Receiver : public pqxx::notification_receiver {
 public:
  Receiver(pqxx::connection_base& conn, RecoveryListener* listener, void (*deliver)(RecoveryListener*, const std::string&))
      : pqxx::notification_receiver(conn, "sipedge_recovery"), listener_(listener), deliver_(deliver) {}
  void operator()(const std::string& payload, int) override { deliver_(listener_, payload); }

 private:
  RecoveryListener* listener_;
  void (*deliver_)(RecoveryListener*, const std::string&);
};

}  // namespace

RecoveryAnnouncement parse_recovery_payload(const std::string& payload) {
  RecoveryAnnouncement a;
  a.cluster = json_field(payload, "cluster");
  a.node = json_field(payload, "node");
  a.uuid = json_field(payload, "uuid");
  a.operation = json_field(payload, "operation");
  std::string epoch = json_field(payload, "epoch");
  a.epoch = epoch.empty() ? 0 : std::atoll(epoch.c_str());
  return a;
}

RecoveryListener::RecoveryListener(std::string dsn, std::string cluster, std::string node_name, EventBus& bus,
                                   std::shared_ptr<const std::atomic<bool>> active)
    : dsn_(std::move(dsn)), cluster_(std::move(cluster)), node_(std::move(node_name)), bus_(bus),
      active_(std::move(active)) {}

RecoveryListener::~RecoveryListener() { stop(); }

void RecoveryListener::start() { thread_ = std::thread([this] { run(); }); }

void RecoveryListener::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

std::size_t RecoveryListener::warm_calls() const {
  std::lock_guard lock(mutex_);
  return warm_.size();
}

void RecoveryListener::on_payload(const std::string& payload) {
  RecoveryAnnouncement a = parse_recovery_payload(payload);
  if (a.uuid.empty() || a.cluster != cluster_ || a.node == node_) return;
  ++received_;
  {
    std::lock_guard lock(mutex_);
    if (a.operation == "confirmed") warm_.insert(a.uuid);
    if (a.operation == "finished") warm_.erase(a.uuid);
  }
  Event e = Event::custom("sofia::recovery_recv");
  e.add_header("call-uuid", a.uuid)
      .add_header("operation", a.operation)
      .add_header("epoch", std::to_string(a.epoch))
      .add_header("node", a.node)
      .add_header("cluster", a.cluster);
  bus_.publish(std::move(e));
}

void RecoveryListener::run() {
  auto backoff = std::chrono::milliseconds(100);
  while (!stopping_) {
    try {
      // Bounded connect: stop() joins this thread, and a cut-off database must not hold it.
      pqxx::connection conn(dsn_with_connect_timeout(dsn_, 2));
      Receiver receiver(conn, this, [](RecoveryListener* self, const std::string& p) { self->on_payload(p); });
      backoff = std::chrono::milliseconds(100);
      while (!stopping_) conn.await_notification(0, 200000);
    } catch (const std::exception& e) {
      if (stopping_) break;
      spdlog::debug("recovery listener: {}; reconnecting", e.what());
      for (auto slept = std::chrono::milliseconds(0); slept < backoff && !stopping_; slept += std::chrono::milliseconds(50))
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
    }
  }
}

}  // namespace sipedge
