#include "node/commands/recover_command.h"

#include <chrono>

#include <spdlog/spdlog.h>

#include "node/calls/call_manager.h"
#include "recovery/cluster_role.h"
#include "store/call_store.h"

namespace sipedge {

namespace {

void publish_recovered(NodeServices& node, const CallManager::RecoverResult& result, const RecoverContext& context,
                       std::int64_t epoch, std::chrono::steady_clock::time_point started) {
  auto now = std::chrono::steady_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - started).count();
  Event e = Event::custom("sofia::recovery_recovered");
  e.add_header("recovered_calls", std::to_string(result.recovered))
      .add_header("failed_calls", std::to_string(result.failures.size()))
      .add_header("recovery_duration_ms", std::to_string(ms))
      .add_header("epoch", std::to_string(epoch))
      .add_header("previous_holder", context.previous_holder);
  if (context.promoted_at) {
    e.add_header("takeover_ms",
                 std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(now - *context.promoted_at).count()));
  }
  for (const auto& [name, count] : result.per_profile)
    e.add_header("profile_" + name + "_recovered_calls", std::to_string(count));
  node.event_bus().publish(std::move(e));
  for (const std::string& failure : result.failures) {
    Event err = Event::custom("sofia::error");
    err.add_header("error-message", "recovery failed: " + failure);
    node.event_bus().publish(std::move(err));
  }
}

}  // namespace

void recover_calls(NodeServices& node, const std::string& profile, Reply reply, RecoverContext context) {
  CallStore* store = node.call_store();
  if (!store || !node.calls()) {
    reply("-ERR calls are not served by this node\n");
    return;
  }
  if (ClusterRole* role = node.cluster(); role && !role->accepting()) {
    reply("-ERR this node is standby: the active node of the pair serves the calls\n");
    return;
  }
  auto started = std::chrono::steady_clock::now();
  SipLoop* loop = &node.sip_loop();
  auto shared_reply = std::make_shared<Reply>(std::move(reply));
  store->load_confirmed(
      profile,
      [&node, loop, shared_reply, started, context](std::vector<CallRecord> records) {
        loop->post([&node, shared_reply, started, context, records = std::move(records)] {
          CallManager* calls = node.calls();
          if (!calls) return (*shared_reply)("-ERR calls are not served by this node\n");
          CallManager::RecoverResult result = calls->recover(records);
          std::int64_t epoch = context.epoch;
          if (!epoch && node.cluster()) epoch = node.cluster()->status().lease.epoch;
          if (!result.recovered_uuids.empty()) {
            // The rows are ours now (node, epoch): fenced like every write.
            node.call_store()->take_over(result.recovered_uuids, node.config()->core.switchname, epoch,
                                         CallManager::cseq_safety_margin(), [](CallWriteOutcome o) {
                                           if (!o.ok()) spdlog::warn("recovery: calls not taken over: {}", o.error);
                                         });
          }
          publish_recovered(node, result, context, epoch, started);
          (*shared_reply)(result.recovered ? "Recovered " + std::to_string(result.recovered) + " call(s)\n"
                                          : "No calls to recover.\n");
        });
      },
      [shared_reply](const std::string& error) { (*shared_reply)("-ERR database unavailable: " + error + "\n"); });
}

void flush_recovery(NodeServices& node, const std::string& profile, Reply reply) {
  CallStore* store = node.call_store();
  if (!store || !node.calls()) return reply("-ERR calls are not served by this node\n");
  if (ClusterRole* role = node.cluster(); role && !role->accepting())
    return reply("-ERR this node is standby: flush on the active node of the pair\n");
  SipLoop* loop = &node.sip_loop();
  auto shared_reply = std::make_shared<Reply>(std::move(reply));
  store->load_confirmed(
      profile,
      [&node, loop, shared_reply](std::vector<CallRecord> records) {
        loop->post([&node, shared_reply, records = std::move(records)] {
          CallManager* calls = node.calls();
          if (!calls) return (*shared_reply)("-ERR calls are not served by this node\n");
          std::size_t flushed = 0;
          for (const CallRecord& r : records) {
            if (calls->holds(r.uuid)) continue;
            ++flushed;
            node.call_store()->finish(r.uuid, "MANAGER_REQUEST", [uuid = r.uuid](CallWriteOutcome o) {
              if (!o.ok()) spdlog::warn("recover flush: call {} not flushed: {}", uuid, o.error);
            });
          }
          spdlog::info("recover flush: {} call row(s) not held by this node ended", flushed);
          (*shared_reply)("Flushing recovery database.\n+OK " + std::to_string(flushed) + " call(s) flushed\n");
        });
      },
      [shared_reply](const std::string& error) { (*shared_reply)("-ERR database unavailable: " + error + "\n"); });
}

}  // namespace sipedge
