#include "node/events/event_format.h"

#include <cstring>

namespace sipedge {

namespace {

constexpr char kHex[] = "0123456789ABCDEF";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Length of the valid UTF-8 sequence starting at s[i], or 0 if invalid.
size_t utf8_sequence_length(std::string_view s, size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  size_t len;
  unsigned min_cp;
  unsigned cp;
  if (b0 < 0x80) return 1;
  if ((b0 & 0xE0) == 0xC0) { len = 2; min_cp = 0x80; cp = b0 & 0x1F; }
  else if ((b0 & 0xF0) == 0xE0) { len = 3; min_cp = 0x800; cp = b0 & 0x0F; }
  else if ((b0 & 0xF8) == 0xF0) { len = 4; min_cp = 0x10000; cp = b0 & 0x07; }
  else return 0;
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min_cp || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

// JSON string literal (RFC 8259 section 7). Invalid UTF-8 becomes U+FFFD so
// the output is always valid JSON, whatever a producer put in a header.
void append_json_string(std::string& out, std::string_view s) {
  out.push_back('"');
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"': out += "\\\""; ++i; continue;
      case '\\': out += "\\\\"; ++i; continue;
      case '\b': out += "\\b"; ++i; continue;
      case '\f': out += "\\f"; ++i; continue;
      case '\n': out += "\\n"; ++i; continue;
      case '\r': out += "\\r"; ++i; continue;
      case '\t': out += "\\t"; ++i; continue;
      default: break;
    }
    if (c < 0x20) {
      out += "\\u00";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0x0F]);
      ++i;
      continue;
    }
    const size_t len = utf8_sequence_length(s, i);
    if (len == 0) {
      out += "\\ufffd";
      ++i;
      continue;
    }
    out.append(s.substr(i, len));
    i += len;
  }
  out.push_back('"');
}

void append_xml_text(std::string& out, std::string_view s) {
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out.push_back(c);
    }
  }
}

}  // namespace

std::string url_encode(std::string_view value) {
  // The exact set switch_url_encode treats as unsafe.
  static constexpr char kUnsafe[] = "\r\n \"#%&+:;<=>?@[\\]^`{|}";
  std::string out;
  out.reserve(value.size());
  for (char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < ' ' || c > '~' || std::strchr(kUnsafe, ch) != nullptr) {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0x0F]);
    } else {
      out.push_back(ch);
    }
  }
  return out;
}

std::string url_decode(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '%' && i + 2 < value.size()) {
      const int hi = hex_value(value[i + 1]);
      const int lo = hex_value(value[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>((hi << 4) | lo));
        i += 2;
        continue;
      }
    }
    out.push_back(value[i]);
  }
  return out;
}

std::string format_event_plain(const Event& event) {
  std::string out;
  for (const auto& [name, value] : event.headers) {
    out += name;
    out += ": ";
    out += url_encode(value);
    out += '\n';
  }
  // switch_event_serialize: a non-empty body is announced by Content-Length
  // after the headers; without one the block just ends with a blank line.
  if (!event.body.empty()) {
    out += "Content-Length: ";
    out += std::to_string(event.body.size());
    out += "\n\n";
    out += event.body;
  } else {
    out += '\n';
  }
  return out;
}

std::string format_event_json(const Event& event) {
  std::string out = "{";
  bool first = true;
  auto add = [&](std::string_view name, std::string_view value) {
    if (!first) out += ',';
    first = false;
    append_json_string(out, name);
    out += ':';
    append_json_string(out, value);
  };
  for (const auto& [name, value] : event.headers) add(name, value);
  // switch_event_serialize_json adds Content-Length and _body when there is a body.
  if (!event.body.empty()) {
    add("Content-Length", std::to_string(event.body.size()));
    add("_body", event.body);
  }
  out += '}';
  return out;
}

std::string format_event_xml(const Event& event) {
  std::string out = "<event>\n  <headers>\n";
  auto add = [&](std::string_view name, std::string_view value) {
    out += "    <";
    out += name;
    out += '>';
    append_xml_text(out, value);
    out += "</";
    out += name;
    out += ">\n";
  };
  for (const auto& [name, value] : event.headers) add(name, value);
  if (!event.body.empty()) add("Content-Length", std::to_string(event.body.size()));
  out += "  </headers>\n";
  if (!event.body.empty()) {
    out += "  <body>";
    append_xml_text(out, event.body);
    out += "</body>\n";
  }
  out += "</event>";
  return out;
}

}  // namespace sipedge
