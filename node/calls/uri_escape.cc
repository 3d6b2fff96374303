#include "node/calls/uri_escape.h"

namespace sipedge {
namespace {

// FreeSWITCH's SWITCH_URL_UNSAFE (switch_utils.h).
constexpr std::string_view kUnsafe = "\r\n #%&+:;<=>?@[\\]^`{|}\"";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool starts_escape(std::string_view text, size_t i) {
  return text[i] == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 && hex_value(text[i + 2]) >= 0;
}

bool unsafe(char c) {
  auto byte = static_cast<unsigned char>(c);
  return byte < ' ' || byte > '~' || kUnsafe.find(c) != std::string_view::npos;
}

}  // namespace

bool uri_user_needs_escape(std::string_view user) {
  for (size_t i = 0; i < user.size(); ++i) {
    if (starts_escape(user, i)) {
      i += 2;
      continue;
    }
    if (unsafe(user[i])) return true;
  }
  return false;
}

std::string escape_uri_user(std::string_view user) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(user.size());
  for (size_t i = 0; i < user.size(); ++i) {
    if (starts_escape(user, i)) {
      out.append(user.substr(i, 3));
      i += 2;
      continue;
    }
    auto byte = static_cast<unsigned char>(user[i]);
    if (unsafe(user[i])) {
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0x0f]);
    } else {
      out.push_back(user[i]);
    }
  }
  return out;
}

std::string unescape_uri_user(std::string_view user) {
  std::string out;
  out.reserve(user.size());
  for (size_t i = 0; i < user.size(); ++i) {
    if (starts_escape(user, i)) {
      int value = hex_value(user[i + 1]) * 16 + hex_value(user[i + 2]);
      if (value != 0) {
        out.push_back(static_cast<char>(value));
        i += 2;
        continue;
      }
    }
    out.push_back(user[i]);
  }
  return out;
}

}  // namespace sipedge
