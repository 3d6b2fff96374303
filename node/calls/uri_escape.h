#pragma once
// Safe user parts in SIP URIs, as mod_sofia does when it dials
// (protect_dest_uri / switch_url_encode) and when it reads inbound user parts.
#include <string>
#include <string_view>

namespace sipedge {

// True when `user` holds a byte that FreeSWITCH escapes: one of its
// SWITCH_URL_UNSAFE set (CR, LF, space and "#%&+:;<=>?@[\]^`{|}), a control
// byte or a byte above '~'. A '%' that starts a %XX escape does not count.
bool uri_user_needs_escape(std::string_view user);

// %-encodes (upper-case hex) every byte uri_user_needs_escape objects to and
// leaves existing %XX escapes alone, so escaping twice changes nothing.
// Unlike switch_url_encode, a lower-case escape (%3a) is also recognised as
// one (RFC 3986 2.1: both cases are equivalent).
std::string escape_uri_user(std::string_view user);

// Decodes %XX escapes (either case). A '%' not followed by two hex digits is
// kept as written, and so is %00: a NUL never enters a user name.
std::string unescape_uri_user(std::string_view user);

}  // namespace sipedge
