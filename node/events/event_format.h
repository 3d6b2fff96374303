#pragma once
// Event serialisation as mod_event_socket puts it on the wire
// (switch_event_serialize / switch_event_serialize_json / switch_event_xmlize).
#include <string>
#include <string_view>

#include "node/events/event.h"

namespace sipedge {

// FreeSWITCH's switch_url_encode: control and non-ASCII bytes and
// "\r\n \"#%&+:;<=>?@[\\]^`{|}" become %XX (upper-case hex).
std::string url_encode(std::string_view value);
// Inverse of url_encode; a '%' not followed by two hex digits is kept as is.
std::string url_decode(std::string_view value);

// `Name: urlencoded(value)\n` per header; then `Content-Length: N\n\n<body>`
// when there is a body, else a final `\n`.
std::string format_event_plain(const Event& event);
// One JSON object: header name -> value, plus "_body" when there is a body.
std::string format_event_json(const Event& event);
// <event><headers><Name>value</Name>...</headers><body>..</body></event>
std::string format_event_xml(const Event& event);

}  // namespace sipedge
