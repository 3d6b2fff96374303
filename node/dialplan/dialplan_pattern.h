#pragma once
// A condition's regular expression, as FreeSWITCH's switch_regex_perform reads
// it, and the `$N` substitution of switch_perform_substitution.
//
// FreeSWITCH uses PCRE; sipedge uses std::regex (ECMAScript grammar), which
// covers what dialplans use: anchors, classes, \d \w \s, groups, (?:...),
// lookahead, {m,n}. Accepted forms:
//   ^(\d+)$          searched anywhere in the field, like pcre_exec
//   /^abc$/i         slashes with flags: i (caseless)
//   (?i)^abc$        a leading (?i): caseless (the only inline flag accepted)
//   _NXXXXXX         Asterisk-style pattern: N=[2-9], X=[0-9], Z=[1-9], '.'=.*
//                    (switch_ast2regex), anchored at both ends
// Not accepted (a clear error instead of a different match): lookbehind,
// named groups, atomic/possessive groups, other inline flags, the /s flag.
#include <memory>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

namespace sipedge {

// One successful search: group 0 is the whole match; an unmatched group is "".
struct RegexCaptures {
  std::vector<std::string> groups;
};

class DialplanPattern {
 public:
  // Throws std::invalid_argument with a readable message for a bad pattern.
  static DialplanPattern compile(std::string_view expression);

  // Searches `subject` (unanchored, as pcre_exec). Fills `captures` on a match.
  // A subject longer than kMaxSubject never matches: libstdc++'s regex engine
  // recurses once per character and would overflow the stack on a huge field.
  bool search(std::string_view subject, RegexCaptures& captures) const;

  // FreeSWITCH substitutes $N in action data only when the expression holds a '('.
  bool has_parenthesis() const { return has_parenthesis_; }
  const std::string& expression() const { return expression_; }

  static constexpr std::size_t kMaxSubject = 1024;

 private:
  std::string expression_;  // as written
  std::shared_ptr<const std::regex> regex_;
  bool has_parenthesis_ = false;
};

// switch_perform_substitution: `$N` and `${N}` (N decimal) become capture N
// ("" when there is no such group); any other '$' is copied as is, so
// `${var}` survives for run-time expansion. Captures holding '$' are escaped
// (escape_for_expansion) so that expand_variables cannot be steered by them.
std::string substitute_captures(std::string_view data, const RegexCaptures& captures);

}  // namespace sipedge
