#include "node/commands/recover_command.h"

#include <chrono>

#include <spdlog/spdlog.h>

#include "node/calls/call_manager.h"
#include "store/call_store.h"

namespace sipedge {

void recover_calls(NodeServices& node, const std::string& profile, Reply reply) {
  CallStore* store = node.call_store();
  if (!store || !node.calls()) {
    reply("-ERR calls are not served by this node\n");
    return;
  }
  auto started = std::chrono::steady_clock::now();
  SipLoop* loop = &node.sip_loop();
  auto shared_reply = std::make_shared<Reply>(std::move(reply));
  store->load_confirmed(
      profile,
      [&node, loop, shared_reply, started](std::vector<CallRecord> records) {
        loop->post([&node, shared_reply, started, records = std::move(records)] {
          CallManager* calls = node.calls();
          if (!calls) return (*shared_reply)("-ERR calls are not served by this node\n");
          CallManager::RecoverResult result = calls->recover(records);
          auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
          Event e = Event::custom("sofia::recovery_recovered");
          e.add_header("recovered_calls", std::to_string(result.recovered))
              .add_header("failed_calls", std::to_string(result.failures.size()))
              .add_header("recovery_duration_ms", std::to_string(ms));
          for (const auto& [name, count] : result.per_profile)
            e.add_header("profile_" + name + "_recovered_calls", std::to_string(count));
          node.event_bus().publish(std::move(e));
          for (const std::string& failure : result.failures) {
            Event err = Event::custom("sofia::error");
            err.add_header("error-message", "recovery failed: " + failure);
            node.event_bus().publish(std::move(err));
          }
          (*shared_reply)(result.recovered ? "Recovered " + std::to_string(result.recovered) + " call(s)\n"
                                          : "No calls to recover.\n");
        });
      },
      [shared_reply](const std::string& error) { (*shared_reply)("-ERR database unavailable: " + error + "\n"); });
}

}  // namespace sipedge
