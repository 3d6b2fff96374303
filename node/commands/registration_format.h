#pragma once
// The registration listings of `sofia status profile P reg|user|pres` and
// `sofia xmlstatus profile P reg|user|pres`, byte for byte as mod_sofia's
// show_reg_callback / show_reg_callback_xml print them (reference §3).
// Pure functions; any thread.
#include <string>
#include <vector>

#include "store/registration_store.h"

namespace sipedge {

// "\nRegistrations:\n" + separator, one block per binding, then
// "Total items returned: N\n" + separator.
std::string format_registrations(const std::vector<Binding>& bindings);

// "  <registrations>\n" ... "  </registrations>\n" (inside <profile>).
std::string format_registrations_xml(const std::vector<Binding>& bindings);

// The expiry as FreeSWITCH prints it in EXP(...): local time, %Y-%m-%d %H:%M:%S.
std::string format_local_time(SystemTime when);

// switch_url_encode (no double encoding of %XX): used for <sip-auth-user>.
std::string url_encode(const std::string& text);

}  // namespace sipedge
