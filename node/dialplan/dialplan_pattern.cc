#include "node/dialplan/dialplan_pattern.h"

#include <stdexcept>

#include "node/dialplan/variable_expansion.h"

namespace sipedge {

namespace {

// switch_ast2regex: Asterisk extension patterns.
std::string asterisk_to_regex(std::string_view pattern) {
  std::string out = "^";
  for (char c : pattern) {
    switch (c) {
      case 'N': out += "[2-9]"; break;
      case 'X': out += "[0-9]"; break;
      case 'Z': out += "[1-9]"; break;
      case '.': out += ".*"; break;
      default: out += c; break;
    }
  }
  out += '$';
  return out;
}

// PCRE constructs std::regex would misread or reject with an obscure message.
void refuse_pcre_only(const std::string& pattern) {
  static const std::pair<std::string_view, std::string_view> kUnsupported[] = {
      {"(?<=", "lookbehind"},  {"(?<!", "lookbehind"}, {"(?P<", "named groups"},
      {"(?<", "named groups"}, {"(?'", "named groups"}, {"(?>", "atomic groups"},
      {"(?#", "comments"},     {"(?|", "branch reset"}, {"\\A", "\\A"},
      {"\\Z", "\\Z"},          {"\\z", "\\z"},          {"\\G", "\\G"},
      {"*+", "possessive quantifiers"}, {"++", "possessive quantifiers"},
      {"?+", "possessive quantifiers"}, {"}+", "possessive quantifiers"},
  };
  bool in_class = false;  // inside [...], where these characters are literals
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '\\' && i + 1 < pattern.size()) {
      const std::string_view here = std::string_view(pattern).substr(i, 2);
      for (const auto& [token, what] : kUnsupported) {
        if (!in_class && here == token) throw std::invalid_argument(std::string(what) + " is not supported");
      }
      ++i;  // an escaped character is never the start of a construct
      continue;
    }
    if (in_class) {
      if (pattern[i] == ']') in_class = false;
      continue;
    }
    if (pattern[i] == '[') {
      in_class = true;
      // PCRE reads a ']' right after '[' or '[^' as a member; ECMAScript reads
      // "[]" as an empty class. Refuse rather than match differently.
      if (i + 1 < pattern.size() && pattern[i + 1] == '^') ++i;
      if (i + 1 < pattern.size() && pattern[i + 1] == ']') {
        throw std::invalid_argument("a ']' first in a character class is read differently here: write \\]");
      }
      continue;
    }
    for (const auto& [token, what] : kUnsupported) {
      if (token[0] != '\\' && std::string_view(pattern).substr(i, token.size()) == token) {
        throw std::invalid_argument(std::string(what) + " (" + std::string(token) +
                                    ") is not supported by sipedge's regex engine");
      }
    }
    if (pattern.compare(i, 2, "(?") == 0 && i + 2 < pattern.size() && pattern[i + 2] != ':' &&
        pattern[i + 2] != '=' && pattern[i + 2] != '!') {
      throw std::invalid_argument("inline flags \"" + pattern.substr(i, 5) +
                                  "...\" are not supported (only a leading (?i))");
    }
  }
}

}  // namespace

DialplanPattern DialplanPattern::compile(std::string_view expression) {
  DialplanPattern pattern;
  pattern.expression_ = std::string(expression);
  std::string source(expression);
  auto flags = std::regex::ECMAScript;

  if (!source.empty() && source[0] == '_') {
    // switch_regex_perform converts only when the result differs from the input.
    std::string converted = asterisk_to_regex(std::string_view(source).substr(1));
    if (converted != source) source = converted;
  } else if (!source.empty() && source[0] == '/') {
    const std::size_t end = source.rfind('/');
    if (end == 0) throw std::invalid_argument("missing ending '/' delimiter");
    for (char option : source.substr(end + 1)) {
      if (option == 'i') {
        flags |= std::regex::icase;
      } else {
        throw std::invalid_argument(std::string("regex flag '") + option + "' is not supported (only i)");
      }
    }
    source = source.substr(1, end - 1);
  }
  if (source.rfind("(?i)", 0) == 0) {
    flags |= std::regex::icase;
    source.erase(0, 4);
  }
  refuse_pcre_only(source);
  try {
    pattern.regex_ = std::make_shared<const std::regex>(source, flags);
  } catch (const std::regex_error& error) {
    throw std::invalid_argument(error.what());
  }
  // switch_perform_substitution runs when strchr(expression, '(').
  pattern.has_parenthesis_ = pattern.expression_.find('(') != std::string::npos;
  return pattern;
}

bool DialplanPattern::search(std::string_view subject, RegexCaptures& captures) const {
  if (!regex_ || subject.size() > kMaxSubject) return false;
  std::match_results<std::string_view::const_iterator> match;
  if (!std::regex_search(subject.begin(), subject.end(), match, *regex_)) return false;
  captures.groups.clear();
  captures.groups.reserve(match.size());
  for (const auto& group : match) captures.groups.push_back(group.matched ? group.str() : std::string());
  return true;
}

std::string substitute_captures(std::string_view data, const RegexCaptures& captures) {
  std::string out;
  out.reserve(data.size());
  std::size_t i = 0;
  while (i < data.size()) {
    if (data[i] != '$') {
      out += data[i++];
      continue;
    }
    std::size_t j = i + 1;
    const bool brace = j < data.size() && data[j] == '{';
    if (brace) ++j;
    const std::size_t digits_start = j;
    // switch_perform_substitution reads at most 9 digits.
    while (j < data.size() && j - digits_start < 9 && data[j] >= '0' && data[j] <= '9') ++j;
    if (j == digits_start || (brace && (j >= data.size() || data[j] != '}'))) {
      out += data[i++];  // not a capture reference: copy the '$', go on after it
      continue;
    }
    const unsigned long index = std::stoul(std::string(data.substr(digits_start, j - digits_start)));
    if (brace) ++j;
    if (index < captures.groups.size()) out += escape_for_expansion(captures.groups[index]);
    i = j;
  }
  return out;
}

}  // namespace sipedge
