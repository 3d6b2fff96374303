// Console commands over the calls of this node (FreeSWITCH's `show calls`,
// `show channels`, `uuid_kill`, `hupall`). They run on the SIP thread, where
// the calls live, and reply from there.
#include "node/commands/call_commands.h"

#include <ctime>

#include <fmt/format.h>

#include "node/calls/call_manager.h"

namespace sipedge {

namespace {

std::string csv(std::string s) {
  for (char& c : s)
    if (c == ',' || c == '\n' || c == '\r') c = ' ';
  return s;
}

std::string local_time(std::chrono::system_clock::time_point t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  localtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

std::string show(const std::vector<CallSnapshot>& calls, bool channels, bool count_only) {
  std::size_t rows = 0;
  std::string out;
  if (!count_only)
    out = channels ? "uuid,direction,created,created_epoch,name,state,cid_name,cid_num,ip_addr,dest,callstate,call_uuid,sip_call_id\n"
                   : "uuid,direction,created,created_epoch,name,state,cid_name,cid_num,dest,callstate,b_uuid,b_dest,b_sip_call_id\n";
  for (const CallSnapshot& c : calls) {
    auto epoch = std::chrono::duration_cast<std::chrono::seconds>(c.created_at.time_since_epoch()).count();
    if (channels) {
      ++rows;
      if (!count_only)
        out += fmt::format("{},inbound,{},{},sofia/{}/{},CS_EXCHANGE_MEDIA,{},{},,{},{},{},{}\n", c.uuid,
                           local_time(c.created_at), epoch, csv(c.profile), csv(c.caller_id_number),
                           csv(c.caller_id_name), csv(c.caller_id_number), csv(c.destination_number), c.state, c.uuid,
                           csv(c.a_call_id));
      if (!c.b_uuid.empty()) {
        ++rows;
        if (!count_only)
          out += fmt::format("{},outbound,{},{},sofia/{}/{},CS_EXCHANGE_MEDIA,{},{},,{},{},{},{}\n", c.b_uuid,
                             local_time(c.created_at), epoch, csv(c.profile), csv(c.callee), csv(c.caller_id_name),
                             csv(c.caller_id_number), csv(c.callee), c.state, c.uuid, csv(c.b_call_id));
      }
    } else {
      ++rows;
      if (!count_only)
        out += fmt::format("{},inbound,{},{},sofia/{}/{},CS_EXCHANGE_MEDIA,{},{},{},{},{},{},{}\n", c.uuid,
                           local_time(c.created_at), epoch, csv(c.profile), csv(c.caller_id_number),
                           csv(c.caller_id_name), csv(c.caller_id_number), csv(c.destination_number), c.state, c.b_uuid,
                           csv(c.callee), csv(c.b_call_id));
    }
  }
  out += fmt::format("\n{} total.\n", rows);
  return out;
}

HangupCause cause_or(const std::vector<std::string>& words, std::size_t index, HangupCause fallback) {
  if (words.size() > index)
    if (auto c = cause_from_name(words[index])) return *c;
  return fallback;
}

}  // namespace

void register_call_commands(CommandRegistry& registry, NodeServices& node) {
  registry.add("show", "calls|channels [count]", "Show calls or channels", [&node](const CommandArgs& args, Reply reply) {
    if (args.words.empty() || (args.words[0] != "calls" && args.words[0] != "channels")) {
      reply("-USAGE: show calls|channels [count]\n");
      return;
    }
    bool channels = args.words[0] == "channels";
    bool count_only = args.words.size() > 1 && args.words[1] == "count";
    node.sip_loop().post([&node, channels, count_only, reply = std::move(reply)] {
      CallManager* calls = node.calls();
      reply(show(calls ? calls->snapshot() : std::vector<CallSnapshot>{}, channels, count_only));
    });
  });
  registry.add("uuid_kill", "<uuid> [cause]", "Kill channel", [&node](const CommandArgs& args, Reply reply) {
    if (args.words.empty()) {
      reply("-USAGE: uuid_kill <uuid> [cause]\n");
      return;
    }
    node.sip_loop().post([&node, words = args.words, reply = std::move(reply)] {
      CallManager* calls = node.calls();
      bool killed = calls && calls->kill(words[0], cause_or(words, 1, HangupCause::normal_clearing));
      reply(killed ? "+OK\n" : "-ERR No such channel!\n");
    });
  });
  registry.add("hupall", "[cause]", "Kill all channels", [&node](const CommandArgs& args, Reply reply) {
    HangupCause cause = cause_or(args.words, 0, HangupCause::manager_request);
    node.sip_loop().post([&node, cause, reply = std::move(reply)] {
      CallManager* calls = node.calls();
      std::size_t n = calls ? calls->hangup_all(cause) : 0;
      reply(fmt::format("+OK hangup all channels with cause {} ({} call{})\n", cause_name(cause), n, n == 1 ? "" : "s"));
    });
  });
}

}  // namespace sipedge
