#include "store/pg_array.h"

#include <stdexcept>

// Array input syntax: https://www.postgresql.org/docs/15/arrays.html#ARRAYS-IO
// (quoted elements may hold any character; only '"' and '\' need escaping).
//
// Netstring lengths are counted in the CLIENT encoding (convert_to(...,
// pg_client_encoding())): PostgreSQL converts every text value it sends from
// the server encoding, so a server-side octet_length() would not match the
// bytes received when the two differ (PGCLIENTENCODING, a LATIN1 database).

namespace sipedge {

std::string pg_text_array(const std::vector<std::string>& values) {
  std::size_t size = 2;
  for (const auto& v : values) size += v.size() + 3;
  std::string out;
  out.reserve(size);
  out += '{';
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out += ',';
    out += '"';
    for (char c : values[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

std::string pg_int_array(const std::vector<std::int64_t>& values) {
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out += ',';
    out += std::to_string(values[i]);
  }
  out += '}';
  return out;
}

std::string pg_bool_array(const std::vector<bool>& values) {
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out += ',';
    out += values[i] ? 't' : 'f';
  }
  out += '}';
  return out;
}

namespace {

// "<octets>:<text>" of the text expression `e` (never NULL).
std::string netstring_of(const std::string& e) {
  const std::string value = "coalesce(" + e + ", '')";
  return "octet_length(convert_to(" + value + ", pg_client_encoding()))::text || ':' || " + value;
}

// An element's length prefix: at most 10 digits (a text value is < 1 GB).
constexpr std::size_t kMaxLengthDigits = 10;

}  // namespace

std::string netstrings_of_text_array(const std::string& expression) {
  return "coalesce((select string_agg(" + netstring_of("e") + ", '' order by i) from unnest(" + expression +
         ") with ordinality as u(e, i)), '')";
}

std::string netstrings_of_pairs(const std::string& expression) {
  return "coalesce((select string_agg(" + netstring_of("p->>0") + " || " + netstring_of("p->>1") +
         ", '' order by i) from jsonb_array_elements(" + expression + ") with ordinality as v(p, i)), '')";
}

std::vector<std::string> parse_netstrings(std::string_view text, const std::string& what) {
  std::vector<std::string> items;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t colon = text.find(':', pos);
    bool ok = colon != std::string_view::npos && colon > pos && colon - pos <= kMaxLengthDigits;
    std::size_t length = 0;
    for (std::size_t i = pos; ok && i < colon; ++i) {
      ok = text[i] >= '0' && text[i] <= '9';
      length = length * 10 + static_cast<std::size_t>(text[i] - '0');
    }
    if (!ok || length > text.size() - colon - 1) {
      throw std::runtime_error(what + ": malformed list from the database");
    }
    items.emplace_back(text.substr(colon + 1, length));
    pos = colon + 1 + length;
  }
  return items;
}

std::vector<std::pair<std::string, std::string>> parse_netstring_pairs(std::string_view text,
                                                                       const std::string& what) {
  std::vector<std::string> items = parse_netstrings(text, what);
  if (items.size() % 2 != 0) throw std::runtime_error(what + ": malformed list from the database (odd count)");
  std::vector<std::pair<std::string, std::string>> pairs;
  pairs.reserve(items.size() / 2);
  for (std::size_t i = 0; i < items.size(); i += 2) pairs.emplace_back(std::move(items[i]), std::move(items[i + 1]));
  return pairs;
}

}  // namespace sipedge
