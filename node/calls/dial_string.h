#pragma once
// FreeSWITCH dial strings (switch_ivr_originate.c, mod_sofia.c
// sofia_outgoing_channel, mod_dptools.c user/ and error/ endpoints), parsed
// into plain structs for the call code. Nothing here looks anything up: the
// call code resolves profiles, gateways, registrations and directory users.
//
//   {a=b,c='x,y'}[d=e]sofia/internal/1000@10.0.0.1:5080;transport=tcp,user/1001|sofia/gateway/gw1/5551234^5550000
//
// `{..}` (also `<..>`, several blocks allowed) sets variables on every leg;
// `[..]` before a leg sets variables on that leg only (they win); `,` legs of
// one group ring at once; `|` groups are tried in turn. Inside a variable
// block `,` separates variables unless quoted ('x,y') or escaped (\,);
// `^^X` at the start of a block makes X the separator ({^^:a=1:b=2}).
// The enterprise separator `:_:` is not supported (a clear error).
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "node/calls/hangup_cause.h"

namespace sipedge {

using DialVars = std::map<std::string, std::string>;

enum class EndpointKind {
  user,        // user/1000[@domain]: a directory user (dial-string or registrations)
  sofia_uri,   // sofia/PROFILE/[sip:|sips:]user@host[:port][;params]
  registered,  // sofia/PROFILE/user[%domain]: a user registered on that profile
  gateway,     // sofia/gateway/GW/number[@host][;params]
  error,       // error/CAUSE: fails at once with that cause
};

struct DialLeg {
  EndpointKind kind = EndpointKind::sofia_uri;
  std::string profile;   // sofia_uri, registered: the profile name as written
  std::string gateway;   // gateway: the gateway name
  std::string scheme = "sip";  // sofia_uri: "sip", or "sips" when a sips: URI was given
  // sofia_uri/gateway: the URI user part, %-encoded where unsafe (mod_sofia
  // protect_dest_uri; not when the leg sets sofia_suppress_url_encoding=true);
  // registered/user: the user name; gateway: the number.
  std::string user;
  // sofia_uri: the target host (IPv6 in brackets); user: the domain (the
  // default domain when none was written); registered: the domain after '%'
  // (empty = the profile's); gateway: the host after '@' (empty = the gateway's proxy).
  std::string host;
  int port = 0;          // 0 = not written
  std::string params;    // URI parameters after host[:port], without the leading ';' and without fs_path
  std::string transport; // lower-case transport= value (udp, tcp, tls, sctp, ws, wss); empty if none
  std::string fs_path;   // decoded fs_path URI without <> (the next hop to reach a registered contact)
  std::string to_user;   // from `^touser` (or `^user@host`): overrides the To user
  std::string to_host;   // host of `^user@host`; empty = the request's host
  HangupCause error_cause = HangupCause::none;  // error: the cause to fail with
  DialVars vars;         // global variables merged with this leg's [..] (the leg wins)
  // Set when a gateway leg is resolved (node/calls/gateway_target.h), "" otherwise:
  std::string from_user;  // From user instead of the caller's number
  std::string from_host;  // From host instead of the profile's address
  std::string contact;    // our Contact URI instead of sip:mod_sofia@profile
  std::string raw;       // the endpoint as written (quotes and \-escapes resolved), without its [..] blocks

  // sofia_uri: the Request-URI, scheme:[user@]host[:port][;params] (fs_path
  // and ^touser are not part of it). Empty for the other kinds.
  std::string uri() const;
};

struct DialGroup {
  std::vector<DialLeg> legs;  // rung at once
};

struct DialString {
  DialVars vars;                  // the {..} variables
  std::vector<DialGroup> groups;  // tried in turn
};

// A dial string that cannot be dialled. cause() is what the call fails with:
// INVALID_URL for syntax errors, CHAN_NOT_IMPLEMENTED for an endpoint type
// other than sofia/, user/ and error/ (FreeSWITCH's causes for both).
class DialStringError : public std::runtime_error {
 public:
  DialStringError(HangupCause cause, const std::string& message)
      : std::runtime_error(message), cause_(cause) {}
  HangupCause cause() const { return cause_; }

 private:
  HangupCause cause_;
};

struct DialStringOptions {
  std::string default_domain;  // domain of `user/1000` written without one
};

// Parses `text`; throws DialStringError naming what is wrong.
DialString parse_dial_string(std::string_view text, const DialStringOptions& options = {});

}  // namespace sipedge
