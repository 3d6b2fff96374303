// Threads: entry points run on the SIP thread (called by `sofia`); the store
// answers on its database worker, where the text is formatted and the Reply
// called; NOTIFYs are sent from the SIP thread again (node/sip/reboot_notify.h).
#include "node/commands/registration_commands.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <set>
#include <string_view>

#include <spdlog/spdlog.h>

#include "node/commands/registration_format.h"
#include "node/commands/sofia_status_format.h"
#include "node/sip/reboot_notify.h"
#include "node/sip/register_events.h"

namespace sipedge {

namespace {

using BindingsDone = std::function<void(std::vector<Binding>)>;
using StoreOp = void (RegistrationStore::*)(BindingFilter, BindingsDone, Database::ErrorHandler);

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// SQL `like '%needle%'` as FreeSWITCH's default SQLite evaluates it: ASCII case-insensitive.
bool icontains(std::string_view haystack, std::string_view needle) {
  if (needle.empty()) return true;
  auto it = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  });
  return it != haystack.end();
}

std::string no_store_reply() { return "-ERR database unavailable: the registration store is not running\n"; }

// Runs `op` for each filter in turn and hands over the union of the rows
// (each binding once). Exactly one of done/on_error is called.
void run_filters(RegistrationStore& store, StoreOp op, std::vector<BindingFilter> filters, std::vector<Binding> acc,
                 BindingsDone done, Database::ErrorHandler on_error) {
  if (filters.empty()) {
    done(std::move(acc));
    return;
  }
  BindingFilter next = std::move(filters.front());
  filters.erase(filters.begin());
  (store.*op)(
      std::move(next),
      [&store, op, filters = std::move(filters), acc = std::move(acc), done = std::move(done),
       on_error](std::vector<Binding> rows) mutable {
        std::set<std::tuple<std::string, std::string, std::string>> seen;
        for (const Binding& b : acc) seen.emplace(b.sip_user, b.sip_host, b.contact_uri);
        for (Binding& b : rows)
          if (seen.emplace(b.sip_user, b.sip_host, b.contact_uri).second) acc.push_back(std::move(b));
        run_filters(store, op, std::move(filters), std::move(acc), std::move(done), std::move(on_error));
      },
      on_error);
}

Database::ErrorHandler error_reply(Reply reply) {
  return [reply = std::move(reply)](const std::string& error) { reply(database_error_reply(error)); };
}

// What `sofia status profile P ...` shows, from the words after P.
struct StatusRequest {
  bool info = true;           // the profile's rows (with the REGISTRATIONS count)
  bool listing = false;       // the registrations
  BindingFilter filter;       // pre-filter in the database
  std::string contact_like;   // reg <filter>: contact like '%filter%'
  std::string host_like;      // pres <filter>: presence_hosts like '%filter%'
  std::string error;          // bad arguments
};

StatusRequest parse_status_request(const std::string& profile, const std::vector<std::string>& words) {
  StatusRequest r;
  r.filter.profile_name = profile;
  const std::string what = words.empty() ? "" : words[0];
  const std::string arg = words.size() > 1 ? words[1] : "";
  if (iequals(what, "reg")) {
    r.info = false;
    r.listing = true;
    r.contact_like = arg;
    r.filter.text = arg;  // a superset: text matches contact among other columns
  } else if (iequals(what, "user")) {
    r.info = false;
    if (arg.empty()) {
      r.error = "-ERR Usage: sofia status profile " + profile + " user <[user]@domain>\n";
      return r;
    }
    r.listing = true;
    // FreeSWITCH: user@host, @host or a bare host -> that host; user@ -> that user.
    std::size_t at = arg.find('@');
    if (at == std::string::npos) {
      r.filter.sip_host = arg;
    } else {
      r.filter.sip_user = arg.substr(0, at);
      r.filter.sip_host = arg.substr(at + 1);
    }
  } else if (iequals(what, "pres") && !arg.empty()) {
    // sip_registrations.presence_hosts is the AOR host in sipedge.
    r.listing = true;
    r.host_like = arg;
    r.filter.text = arg;
  }
  return r;
}

std::string render_status(const StatusRequest& r, const ProfileStatus& status, const std::string& db_name,
                          const std::vector<Binding>& rows, bool xml) {
  if (xml) {
    std::string out = std::string(kXmlHeader) + "\n<profile>\n";
    if (r.info) out += format_profile_info_xml(status, db_name);
    if (r.listing) out += format_registrations_xml(rows);
    return out + "</profile>\n";
  }
  std::string out;
  if (r.info) out += format_profile_status(status, db_name);
  if (r.listing) out += format_registrations(rows);
  return out;
}

// Lists (after the count, when the profile rows are shown) and replies.
void list_and_reply(RegistrationStore& store, StatusRequest r, ProfileStatus status, std::string db_name, bool xml,
                    Reply reply) {
  if (!r.listing) {
    reply(render_status(r, status, db_name, {}, xml));
    return;
  }
  BindingFilter filter = r.filter;
  store.list(
      std::move(filter),
      [r, status = std::move(status), db_name = std::move(db_name), xml, reply](std::vector<Binding> rows) {
        rows.erase(std::remove_if(rows.begin(), rows.end(),
                                  [&](const Binding& b) {
                                    return !icontains(b.contact, r.contact_like) || !icontains(b.sip_host, r.host_like);
                                  }),
                   rows.end());
        reply(render_status(r, status, db_name, rows, xml));
      },
      error_reply(reply));
}

// Sends the reboot NOTIFYs on the SIP thread, then replies ok_text.
void notify_and_reply(NodeServices& node, const std::string& profile, std::vector<Binding> rows, std::string ok_text,
                      std::string not_running_text, Reply reply) {
  node.sip_loop().post([&node, profile, rows = std::move(rows), ok_text = std::move(ok_text),
                        not_running_text = std::move(not_running_text), reply = std::move(reply)] {
    Profile* p = node.profiles().find(profile);
    if (!p || !p->running()) {
      reply(not_running_text);
      return;
    }
    const std::string local_contact = p->status().url;
    std::size_t sent = 0;
    for (const Binding& b : rows)
      if (send_reboot_notify(p->agent(), local_contact, b)) ++sent;
    spdlog::info("profile {}: sent {} of {} reboot NOTIFY(s)", profile, sent, rows.size());
    reply(ok_text);
  });
}

}  // namespace

std::string database_error_reply(const std::string& error) {
  if (error.rfind("database unavailable", 0) == 0) return "-ERR " + error + "\n";
  return "-ERR database unavailable: " + error + "\n";
}

std::vector<BindingFilter> registration_match_filters(const std::string& profile, const std::string& arg) {
  BindingFilter by_call_id;
  by_call_id.profile_name = profile;
  by_call_id.call_id = arg;
  BindingFilter by_aor;
  by_aor.profile_name = profile;
  std::size_t at = arg.find('@');
  if (at == std::string::npos) {
    by_aor.sip_host = arg;
  } else {
    by_aor.sip_user = arg.substr(0, at);
    by_aor.sip_host = arg.substr(at + 1);
    // FreeSWITCH: `user@` looks for host "none" (it never matches everything).
    if (by_aor.sip_host.empty()) by_aor.sip_host = "none";
  }
  return {by_call_id, by_aor};
}

void reply_profile_status(NodeServices& node, ProfileStatus status, std::vector<std::string> words, bool xml,
                          Reply reply) {
  StatusRequest r = parse_status_request(status.name, words);
  if (!r.error.empty()) {
    reply(r.error);
    return;
  }
  RegistrationStore* store = node.registrations();
  if (!store) {
    reply(no_store_reply());
    return;
  }
  std::string db_name = node.database_name();
  if (!r.info) {
    list_and_reply(*store, std::move(r), std::move(status), std::move(db_name), xml, std::move(reply));
    return;
  }
  // REGISTRATIONS is the real count of the profile's rows in the database.
  std::string profile = status.name;
  store->count(
      std::move(profile),
      [store, r, status, db_name, xml, reply](std::int64_t n) mutable {
        status.registrations = static_cast<unsigned long>(n);
        list_and_reply(*store, std::move(r), std::move(status), std::move(db_name), xml, std::move(reply));
      },
      error_reply(reply));
}

void flush_inbound_reg(NodeServices& node, const std::string& profile, std::vector<std::string> words, Reply reply) {
  RegistrationStore* store = node.registrations();
  if (!store) {
    reply(no_store_reply());
    return;
  }
  // FreeSWITCH: `reboot` may stand alone or follow the argument.
  bool reboot = false;
  std::string arg;
  if (!words.empty() && iequals(words[0], "reboot")) {
    reboot = true;
  } else if (!words.empty()) {
    arg = words[0];
    reboot = words.size() > 1 && iequals(words[1], "reboot");
  }
  std::vector<BindingFilter> filters;
  if (arg.empty()) {
    BindingFilter all;
    all.profile_name = profile;
    filters.push_back(all);
  } else {
    filters = registration_match_filters(profile, arg);
  }
  std::string ok_text = std::string("+OK ") + (reboot ? "rebooting" : "flushing") + " all registrations" +
                        (arg.empty() ? "" : " matching specified call_id") + "\n";
  run_filters(
      *store, &RegistrationStore::remove, std::move(filters), {},
      [&node, profile, reboot, ok_text, reply](std::vector<Binding> removed) {
        // FreeSWITCH's sofia_reg_del_callback: one sofia::expire per flushed binding.
        for (const Binding& b : removed) node.event_bus().publish(expire_event(b));
        spdlog::info("profile {}: flushed {} registration(s)", profile, removed.size());
        if (!reboot || removed.empty()) {
          reply(ok_text);
          return;
        }
        std::string not_running = "-ERR profile " + profile + " is not running: " + std::to_string(removed.size()) +
                                  " registration(s) flushed, no reboot NOTIFY sent\n";
        notify_and_reply(node, profile, std::move(removed), ok_text, std::move(not_running), reply);
      },
      error_reply(reply));
}

void check_sync(NodeServices& node, const std::string& profile, std::vector<std::string> words, Reply reply) {
  RegistrationStore* store = node.registrations();
  if (!store) {
    reply(no_store_reply());
    return;
  }
  const std::string arg = words.empty() ? "" : words[0];
  std::vector<BindingFilter> filters;
  if (arg.empty()) {
    BindingFilter all;
    all.profile_name = profile;
    filters.push_back(all);
  } else {
    filters = registration_match_filters(profile, arg);
  }
  std::string ok_text =
      std::string("+OK syncing all registrations") + (arg.empty() ? "" : " matching specified call_id") + "\n";
  run_filters(
      *store, &RegistrationStore::list, std::move(filters), {},
      [&node, profile, ok_text, reply](std::vector<Binding> rows) {
        if (rows.empty()) {
          reply(ok_text);
          return;
        }
        notify_and_reply(node, profile, std::move(rows), ok_text,
                         "-ERR profile " + profile + " is not running: no NOTIFY sent\n", reply);
      },
      error_reply(reply));
}

}  // namespace sipedge
