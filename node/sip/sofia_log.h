#pragma once
// sofia-sip's own logging (su_log) redirected into spdlog, and the
// per-component levels behind `sofia loglevel`. The SOFIA_DEBUG, NTA_DEBUG,
// TPORT_LOG, ... environment variables keep working: sofia-sip reads them
// itself when its modules initialise.
#include <optional>
#include <string>
#include <vector>

namespace sipedge {

// Once, before the first nta agent is created.
void redirect_sofia_log_to_spdlog();

// Components named as in `sofia loglevel`: all, default, tport, iptsec, nea,
// nta, nth_client, nth_server, nua, soa, sresolv, stun.
const std::vector<std::string>& sofia_log_components();
// false for an unknown component or a level outside 0..9.
bool set_sofia_log_level(const std::string& component, int level);
// nullopt for an unknown component ("all" reports the default log's level).
std::optional<int> sofia_log_level(const std::string& component);

// `sofia tracelevel`: the log level sofia-sip's own output (and so siptrace)
// is written at. Names as FreeSWITCH: console, alert, crit, err, warning,
// notice, info, debug. false for an unknown name.
bool set_sofia_trace_level(const std::string& name);
std::string sofia_trace_level();

}  // namespace sipedge
