#pragma once
// The registration parts of `sofia ...`: the listings and the REGISTRATIONS
// count of `sofia status|xmlstatus profile P`, `flush_inbound_reg` and
// `check_sync`. They read the database, so they reply later: the SIP thread
// calls them (profile snapshot taken), the RegistrationStore answers on its
// worker, and the Reply is called from there (or from the SIP thread after
// sending NOTIFYs). Never blocks the SIP thread.
#include <string>
#include <vector>

#include "node/commands/command_registry.h"
#include "node/commands/node_services.h"

namespace sipedge {

// `sofia status|xmlstatus profile P [reg [contact-filter] | user <[user]@host> | pres <host-filter>]`
// for a found profile. words: what follows P. status: the profile's snapshot.
void reply_profile_status(NodeServices& node, ProfileStatus status, std::vector<std::string> words, bool xml,
                          Reply reply);

// `sofia profile P flush_inbound_reg [<call_id> | <[user]@host>] [reboot]`; words: what follows flush_inbound_reg.
void flush_inbound_reg(NodeServices& node, const std::string& profile, std::vector<std::string> words, Reply reply);

// `sofia profile P check_sync [<call_id> | <[user]@host>]`; words: what follows check_sync.
void check_sync(NodeServices& node, const std::string& profile, std::vector<std::string> words, Reply reply);

// The bindings a flush_inbound_reg/check_sync argument names, as FreeSWITCH
// (sofia_reg_expire_call_id): Call-ID = arg, or else for `user@host` that
// AOR (`@host`: every user of host; `user@`: host "none"), for an argument
// without '@' every binding of that host. One filter per alternative, all
// within `profile`. Pure.
std::vector<BindingFilter> registration_match_filters(const std::string& profile, const std::string& arg);

// "-ERR database unavailable: ..." (or "-ERR <error>" when it already says so).
std::string database_error_reply(const std::string& error);

}  // namespace sipedge
