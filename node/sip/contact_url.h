#pragma once
// The URI inside a stored Contact value, as mod_sofia extracts it
// (sofia_glue_get_url_from_contact). Pure functions, any thread.
#include <string>
#include <string_view>

namespace sipedge {

// `"1000" <sip:1000@192.0.2.7:5060;transport=tcp>;expires=60` -> `sip:1000@192.0.2.7:5060;transport=tcp`.
// A leading quoted display name is skipped; without <> the whole (trimmed) value.
std::string url_from_contact(std::string_view contact);

// The URI to dial: url_from_contact() plus the `fs_*` parameters (fs_nat,
// fs_path) sipedge stores after the `>`. FreeSWITCH keeps them inside the
// <...>, so its sofia_contact output carries them; this keeps that output.
std::string dial_url_from_contact(std::string_view contact);

// The URI a request to the contact goes to: url_from_contact() cut at the
// first `;fs_` (sofia_glue_send_notify does the same).
std::string request_url_from_contact(std::string_view contact);

// `sip:1000@host` -> `1000@host` (sofia_glue_strip_proto: everything after the first ':').
std::string_view strip_scheme(std::string_view uri);

}  // namespace sipedge
