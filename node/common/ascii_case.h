#pragma once
// ASCII case-insensitive text helpers shared by the config readers, the event
// socket and the commands (SIP, ESL and FreeSWITCH names compare without case).
#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>

namespace sipedge {

inline bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
           return std::tolower(x) == std::tolower(y);
         });
}

// Case-insensitive prefix test (FreeSWITCH matches commands with strncasecmp).
inline bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

inline std::string to_lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace sipedge
