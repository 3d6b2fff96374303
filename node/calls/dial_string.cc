#include "node/calls/dial_string.h"

#include <array>
#include <charconv>
#include <optional>
#include <utility>

#include "node/calls/uri_escape.h"
#include "node/common/ascii_case.h"

namespace sipedge {
namespace {

[[noreturn]] void fail(const std::string& message, HangupCause cause = HangupCause::invalid_url) {
  throw DialStringError(cause, message);
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// FreeSWITCH's quote rule (switch_separate_string): a ' opens a quoted run
// only when another ' follows somewhere; a lone apostrophe is a character.
bool toggles_quote(std::string_view text, size_t i, bool in_quotes) {
  return text[i] == '\'' && (in_quotes || text.find('\'', i + 1) != std::string_view::npos);
}

// Walks `text` calling on_top(i) for every position outside quotes, outside
// \-escapes and (when track_square) outside [..] blocks; on_top returns false
// to stop. Returns the position it stopped at, or npos.
template <typename Fn>
size_t scan_top(std::string_view text, bool track_square, Fn on_top) {
  bool in_quotes = false;
  int depth = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\\' && i + 1 < text.size()) {
      ++i;
      continue;
    }
    if (toggles_quote(text, i, in_quotes)) {
      in_quotes = !in_quotes;
      continue;
    }
    if (in_quotes) continue;
    if (track_square && c == '[') {
      ++depth;
      continue;
    }
    if (track_square && c == ']' && depth > 0) {
      --depth;
      continue;
    }
    if (depth == 0 && !on_top(i)) return i;
  }
  return std::string_view::npos;
}

size_t find_top(std::string_view text, std::string_view needle, bool track_square) {
  return scan_top(text, track_square, [&](size_t i) { return text.compare(i, needle.size(), needle) != 0; });
}

std::vector<std::string_view> split_top(std::string_view text, char delim, bool track_square) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  scan_top(text, track_square, [&](size_t i) {
    if (text[i] == delim) {
      parts.push_back(text.substr(start, i - start));
      start = i + 1;
    }
    return true;
  });
  parts.push_back(text.substr(start));
  return parts;
}

// Index of the bracket closing the one at text[0] (nesting, quotes and
// escapes respected), or npos.
size_t find_block_end(std::string_view text, char open, char close) {
  bool in_quotes = false;
  int depth = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\\' && i + 1 < text.size()) {
      ++i;
      continue;
    }
    if (toggles_quote(text, i, in_quotes)) {
      in_quotes = !in_quotes;
      continue;
    }
    if (in_quotes) continue;
    if (c == open) {
      ++depth;
    } else if (c == close && --depth == 0) {
      return i;
    }
  }
  return std::string_view::npos;
}

// FreeSWITCH's cleanup of a separated item: quotes removed, \' \" \\ and
// \<separator> unescaped, \n \r \t \s turned into the control/space byte;
// any other backslash is kept.
std::string cleanup(std::string_view text, char delim) {
  std::string out;
  out.reserve(text.size());
  bool in_quotes = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\\' && i + 1 < text.size()) {
      char e = text[i + 1];
      std::optional<char> plain;
      if (e == '\'' || e == '"' || e == '\\' || e == delim) plain = e;
      else if (e == 'n') plain = '\n';
      else if (e == 'r') plain = '\r';
      else if (e == 't') plain = '\t';
      else if (e == 's') plain = ' ';
      if (plain) {
        out.push_back(*plain);
        ++i;
        continue;
      }
    }
    if (toggles_quote(text, i, in_quotes)) {
      in_quotes = !in_quotes;
      continue;
    }
    out.push_back(c);
  }
  return out;
}

void parse_vars(std::string_view content, DialVars& vars) {
  char delim = ',';
  // {^^:a=1:b=2}: a block may choose its own separator (switch_event_create_brackets).
  if (content.size() >= 3 && content.substr(0, 2) == "^^") {
    delim = content[2];
    content.remove_prefix(3);
  }
  for (std::string_view item : split_top(content, delim, false)) {
    item = trim(item);
    if (item.empty()) continue;
    size_t eq = find_top(item, "=", false);
    if (eq == std::string_view::npos) fail("variable '" + std::string(item) + "' has no '=value'");
    std::string name = cleanup(trim(item.substr(0, eq)), delim);
    if (name.empty()) fail("variable with an empty name in '" + std::string(item) + "'");
    vars[name] = cleanup(trim(item.substr(eq + 1)), delim);
  }
}

// Consumes the leading open..close blocks of `text` into `vars`.
void take_blocks(std::string_view& text, char open, char close, DialVars& vars) {
  text = trim(text);
  while (!text.empty() && text.front() == open) {
    size_t end = find_block_end(text, open, close);
    if (end == std::string_view::npos) fail(std::string("unterminated '") + open + "' in dial string");
    parse_vars(text.substr(1, end - 1), vars);
    text = trim(text.substr(end + 1));
  }
}

// FreeSWITCH's switch_true.
bool is_true(const DialVars& vars, const std::string& name) {
  auto it = vars.find(name);
  if (it == vars.end()) return false;
  const std::string& v = it->second;
  for (std::string_view yes : {"yes", "on", "true", "t", "enabled", "active", "allow"}) {
    if (iequals(v, yes)) return true;
  }
  int number = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), number);
  return ec == std::errc{} && number != 0;
}

// `dest^touser` / `dest^user@host`: mod_sofia splits at the first '^'.
std::string_view take_to(std::string_view text, DialLeg& leg) {
  size_t caret = text.find('^');
  if (caret == std::string_view::npos) return text;
  std::string_view to = text.substr(caret + 1);
  size_t at = to.find('@');
  leg.to_user = std::string(to.substr(0, at));
  if (at != std::string_view::npos) leg.to_host = std::string(to.substr(at + 1));
  if (leg.to_user.empty() || (at != std::string_view::npos && leg.to_host.empty())) {
    fail("'" + leg.raw + "': '^' must be followed by a To user (^user or ^user@host)");
  }
  return text.substr(0, caret);
}

// ;fs_path=<uri> (as sofia_contact writes it, usually %-encoded): the path to
// a registered contact, removed from the URI and kept decoded.
std::string take_fs_path(std::string& dest, const DialLeg& leg) {
  static constexpr std::string_view kKey = ";fs_path=";
  size_t pos = std::string::npos;
  for (size_t i = 0; i + kKey.size() <= dest.size(); ++i) {
    if (iequals(std::string_view(dest).substr(i, kKey.size()), kKey)) {
      pos = i;
      break;
    }
  }
  if (pos == std::string::npos) return {};
  size_t start = pos + kKey.size();
  size_t end = 0;
  std::string value;
  if (start < dest.size() && dest[start] == '<') {
    size_t close = dest.find('>', start);
    if (close == std::string::npos) fail("'" + leg.raw + "': unterminated '<' in fs_path");
    value = dest.substr(start + 1, close - start - 1);
    end = close + 1;
  } else {
    end = dest.find_first_of(";^", start);
    if (end == std::string::npos) end = dest.size();
    value = dest.substr(start, end - start);
  }
  dest.erase(pos, end - pos);
  value = unescape_uri_user(value);
  if (value.empty()) fail("'" + leg.raw + "': empty fs_path");
  return value;
}

void parse_hostport(std::string_view hostport, DialLeg& leg) {
  if (hostport.empty()) fail("'" + leg.raw + "': no host");
  std::string_view host;
  std::string_view rest;
  if (hostport.front() == '[') {
    size_t close = hostport.find(']');
    if (close == std::string_view::npos) fail("'" + leg.raw + "': unterminated IPv6 reference");
    host = hostport.substr(0, close + 1);
    rest = hostport.substr(close + 1);
  } else {
    size_t colon = hostport.find(':');
    host = hostport.substr(0, colon);
    rest = colon == std::string_view::npos ? std::string_view{} : hostport.substr(colon);
  }
  if (host.empty() || host == "[]" || host.find_first_of(" \t<>\"@/\\") != std::string_view::npos) {
    fail("'" + leg.raw + "': bad host '" + std::string(host) + "'");
  }
  leg.host = std::string(host);
  if (rest.empty()) return;
  int port = 0;
  std::string_view digits = rest.substr(1);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (rest.front() != ':' || digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() || port < 1 ||
      port > 65535) {
    fail("'" + leg.raw + "': bad port '" + std::string(rest) + "'");
  }
  leg.port = port;
}

void parse_params(std::string_view params, DialLeg& leg) {
  static constexpr std::array<std::string_view, 6> kTransports{"udp", "tcp", "tls", "sctp", "ws", "wss"};
  std::string kept;
  for (std::string_view param : split_top(params, ';', false)) {
    if (param.empty()) continue;
    size_t eq = param.find('=');
    if (iequals(param.substr(0, eq), "transport")) {
      std::string value = to_lower(eq == std::string_view::npos ? std::string_view{} : param.substr(eq + 1));
      bool known = false;
      for (auto t : kTransports) known = known || t == value;
      if (!known) fail("'" + leg.raw + "': unknown transport '" + value + "'");
      leg.transport = value;
    }
    if (!kept.empty()) kept += ';';
    kept += param;
  }
  leg.params = kept;
}

// host[:port][;params]
void parse_target(std::string_view text, DialLeg& leg) {
  size_t semi = text.find(';');
  parse_hostport(text.substr(0, semi), leg);
  if (semi != std::string_view::npos) parse_params(text.substr(semi + 1), leg);
}

std::string protect_user(std::string_view user, bool suppress) {
  return suppress ? std::string(user) : escape_uri_user(user);
}

// sofia/gateway/GW/number[@host][;params][^touser]
void parse_gateway(std::string_view dest, DialLeg& leg, bool suppress) {
  size_t slash = dest.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == dest.size()) {
    fail("'" + leg.raw + "': expected sofia/gateway/NAME/NUMBER");
  }
  leg.kind = EndpointKind::gateway;
  leg.gateway = std::string(dest.substr(0, slash));
  std::string rest(dest.substr(slash + 1));
  leg.fs_path = take_fs_path(rest, leg);
  std::string_view main = take_to(rest, leg);
  size_t semi = main.find(';');
  std::string_view number = main.substr(0, semi);
  size_t at = number.find('@');
  if (at != std::string_view::npos) {
    // With a host the number is a URI user part: mod_sofia protects it.
    leg.user = protect_user(number.substr(0, at), suppress);
    parse_hostport(number.substr(at + 1), leg);
  } else {
    leg.user = std::string(number);
  }
  if (leg.user.empty()) fail("'" + leg.raw + "': no number after the gateway name");
  if (semi != std::string_view::npos) parse_params(main.substr(semi + 1), leg);
}

// sofia/PROFILE/...: a URI (user@host or sip:/sips:) or a registered user.
void parse_sofia_dest(std::string_view dest_text, DialLeg& leg, bool suppress) {
  std::string dest(dest_text);
  leg.fs_path = take_fs_path(dest, leg);
  std::string_view d = dest;
  bool has_scheme = false;
  if (istarts_with(d, "sips:")) {
    leg.scheme = "sips";
    d.remove_prefix(5);
    has_scheme = true;
  } else if (istarts_with(d, "sip:")) {
    d.remove_prefix(4);
    has_scheme = true;
  }
  // mod_sofia takes the user part up to the first '@' (protect_dest_uri), so
  // a '^' inside it is a literal (escaped) character, not a To override.
  size_t at = d.find('@');
  if (at == std::string_view::npos && !has_scheme) {
    // sofia/PROFILE/user[%domain]: look the user up in the registrations.
    std::string_view user = take_to(d, leg);
    leg.kind = EndpointKind::registered;
    size_t percent = user.find('%');
    leg.user = std::string(user.substr(0, percent));
    if (percent != std::string_view::npos) {
      leg.host = std::string(user.substr(percent + 1));
      if (leg.host.empty()) fail("'" + leg.raw + "': empty domain after '%'");
    }
    if (leg.user.empty()) fail("'" + leg.raw + "': no user");
    return;
  }
  leg.kind = EndpointKind::sofia_uri;
  if (at != std::string_view::npos) {
    if (at == 0) fail("'" + leg.raw + "': empty user before '@'");
    leg.user = protect_user(d.substr(0, at), suppress);
    d.remove_prefix(at + 1);
  }
  parse_target(take_to(d, leg), leg);
}

void parse_endpoint(const std::string& endpoint, DialLeg& leg, const DialStringOptions& options) {
  size_t slash = endpoint.find('/');
  if (slash == std::string::npos) {
    fail("'" + endpoint + "' is not an endpoint: expected sofia/..., user/... or error/...");
  }
  std::string_view type = std::string_view(endpoint).substr(0, slash);
  std::string_view data = std::string_view(endpoint).substr(slash + 1);
  bool suppress = is_true(leg.vars, "sofia_suppress_url_encoding");

  if (iequals(type, "sofia")) {
    size_t pslash = data.find('/');
    if (pslash == std::string_view::npos || pslash == 0 || pslash + 1 == data.size()) {
      fail("'" + endpoint + "': expected sofia/PROFILE/DESTINATION or sofia/gateway/NAME/NUMBER");
    }
    std::string_view profile = data.substr(0, pslash);
    if (iequals(profile, "gateway")) {
      parse_gateway(data.substr(pslash + 1), leg, suppress);
    } else {
      leg.profile = std::string(profile);
      parse_sofia_dest(data.substr(pslash + 1), leg, suppress);
    }
  } else if (iequals(type, "user")) {
    // mod_dptools user/: user[@domain], the core's default domain otherwise.
    leg.kind = EndpointKind::user;
    size_t at = data.find('@');
    leg.user = std::string(data.substr(0, at));
    leg.host = at == std::string_view::npos ? options.default_domain : std::string(data.substr(at + 1));
    if (leg.user.empty()) fail("'" + endpoint + "': no user");
    if (leg.host.empty()) fail("'" + endpoint + "': no domain and no default domain");
  } else if (iequals(type, "error")) {
    leg.kind = EndpointKind::error;
    auto cause = cause_from_name(data);
    if (!cause) fail("'" + endpoint + "': unknown hangup cause '" + std::string(data) + "'");
    // mod_dptools error_outgoing_channel: NONE means DESTINATION_OUT_OF_ORDER.
    leg.error_cause = *cause == HangupCause::none ? HangupCause::destination_out_of_order : *cause;
  } else {
    fail("endpoint type '" + std::string(type) + "' is not supported (sofia/, user/ and error/ are)",
         HangupCause::chan_not_implemented);
  }
}

DialLeg parse_leg(std::string_view text, const DialVars& globals, const DialStringOptions& options) {
  DialVars leg_vars;
  take_blocks(text, '[', ']', leg_vars);
  if (!text.empty() && (text.front() == '{' || text.front() == '<')) {
    fail("'" + std::string(text) + "': {..} variables must open the dial string; use [..] for one leg");
  }
  DialLeg leg;
  leg.raw = cleanup(text, ',');
  if (leg.raw.empty()) fail("a leg has no endpoint");
  leg.vars = globals;
  for (auto& [name, value] : leg_vars) leg.vars[name] = value;
  parse_endpoint(leg.raw, leg, options);
  return leg;
}

}  // namespace

std::string DialLeg::uri() const {
  if (kind != EndpointKind::sofia_uri) return {};
  std::string out = scheme + ":";
  if (!user.empty()) out += user + "@";
  out += host;
  if (port != 0) out += ":" + std::to_string(port);
  if (!params.empty()) out += ";" + params;
  return out;
}

DialString parse_dial_string(std::string_view text, const DialStringOptions& options) {
  DialString result;
  std::string_view rest = trim(text);
  if (rest.empty()) fail("empty dial string");
  // <..> (FreeSWITCH's "ultra-global" block) then {..}: both apply to every leg.
  take_blocks(rest, '<', '>', result.vars);
  take_blocks(rest, '{', '}', result.vars);
  if (find_top(rest, ":_:", true) != std::string_view::npos) {
    fail("enterprise originate (':_:') is not supported");
  }
  if (rest.empty()) fail("dial string has variables but no endpoint");
  for (std::string_view group_text : split_top(rest, '|', true)) {
    if (trim(group_text).empty()) fail("empty group in dial string (a stray '|')");
    DialGroup group;
    for (std::string_view leg_text : split_top(group_text, ',', true)) {
      if (trim(leg_text).empty()) fail("empty leg in dial string (a stray ',')");
      group.legs.push_back(parse_leg(leg_text, result.vars, options));
    }
    result.groups.push_back(std::move(group));
  }
  return result;
}

}  // namespace sipedge
