#include "node/dialplan/variable_expansion.h"

#include <cstdlib>

namespace sipedge {

namespace {

// switch_channel_expand_variables stops recursing at 100 levels.
constexpr int kMaxDepth = 100;

// Position of the '}' closing the `${` whose '{' is at `open`, counting nested
// braces; npos when unterminated.
std::size_t closing_brace(std::string_view text, std::size_t open) {
  int depth = 0;
  for (std::size_t i = open; i < text.size(); ++i) {
    if (text[i] == '{') {
      ++depth;
    } else if (text[i] == '}') {
      if (--depth == 0) return i;
    }
  }
  return std::string_view::npos;
}

bool is_api_call(std::string_view inner) {
  return inner.find_first_of(" (") != std::string_view::npos;
}

// atoi semantics (FreeSWITCH parses the offsets with atoi).
int leading_int(std::string_view text) {
  std::string copy(text);
  return std::atoi(copy.c_str());
}

std::string substring(const std::string& value, int offset, int length) {
  std::string_view out(value);
  if (offset >= 0) {
    out = static_cast<std::size_t>(offset) < out.size() ? out.substr(offset) : std::string_view();
  } else if (static_cast<std::size_t>(-static_cast<long>(offset)) <= out.size()) {
    out = out.substr(out.size() + offset);
  }
  if (length > 0 && static_cast<std::size_t>(length) < out.size()) out = out.substr(0, length);
  return std::string(out);
}

std::string expand(std::string_view text, const VariableLookup& vars, int depth) {
  if (depth > kMaxDepth || !has_expansion(text)) return std::string(text);
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\\' && i + 1 < text.size() && (text[i + 1] == '$' || text[i + 1] == '\\')) {
      out += text[++i];
      continue;
    }
    if (c != '$' || i + 1 >= text.size() || text[i + 1] != '{') {
      out += c;
      continue;
    }
    const std::size_t close = closing_brace(text, i + 1);
    if (close == std::string_view::npos) {  // unterminated: left as written
      out.append(text.substr(i));
      break;
    }
    std::string_view inner = text.substr(i + 2, close - i - 2);
    i = close;
    if (is_api_call(inner)) continue;  // API expansion: not supported, expands to ""
    std::string name = expand(inner, vars, depth + 1);
    int offset = 0;
    int length = 0;
    if (auto colon = name.find(':'); colon != std::string::npos) {
      std::string_view spec = std::string_view(name).substr(colon + 1);
      offset = leading_int(spec);
      if (auto second = spec.find(':'); second != std::string_view::npos) {
        length = leading_int(spec.substr(second + 1));
      }
      name.resize(colon);
    }
    std::optional<std::string> value = vars ? vars(name) : std::nullopt;
    if (!value) continue;
    out += (offset != 0 || length != 0) ? substring(*value, offset, length) : *value;
  }
  return out;
}

}  // namespace

bool has_expansion(std::string_view text) {
  return text.find("${") != std::string_view::npos || text.find("\\$") != std::string_view::npos;
}

std::string expand_variables(std::string_view text, const VariableLookup& vars) {
  return expand(text, vars, 0);
}

std::string check_expansions(std::string_view text) {
  for (std::size_t i = 0; i + 1 < text.size(); ++i) {
    if (text[i] == '\\' && (text[i + 1] == '$' || text[i + 1] == '\\')) {
      ++i;
      continue;
    }
    if (text[i] != '$' || text[i + 1] != '{') continue;
    const std::size_t close = closing_brace(text, i + 1);
    if (close == std::string_view::npos) {
      return "unterminated \"${\" in \"" + std::string(text) + "\"";
    }
    std::string_view inner = text.substr(i + 2, close - i - 2);
    if (inner.empty()) return "empty \"${}\" in \"" + std::string(text) + "\"";
    if (is_api_call(inner)) {
      return "API expansion \"${" + std::string(inner) + "}\" is not supported (only ${variable})";
    }
    if (std::string nested = check_expansions(inner); !nested.empty()) return nested;
    i = close;
  }
  return {};
}

std::string escape_for_expansion(std::string_view text) {
  if (text.find('$') == std::string_view::npos) return std::string(text);
  std::string out;
  out.reserve(text.size() + 4);
  for (char c : text) {
    if (c == '$' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace sipedge
