#pragma once
// PostgreSQL arrays in both directions, without libpqxx 6.4's array support.
//
// To the database: array literals ('{"a","b"}') for passing a whole batch as
// ONE parameter of a prepared statement (unnest($1::text[], ...)): the values
// stay parameters, never SQL text. libpqxx 6.4 has no array parameters.
//
// From the database: netstrings. A query wraps the array (or jsonb pair list)
// in the SQL fragment of netstrings_of_text_array() / netstrings_of_pairs(),
// which yields one text value "<octets>:<text>" per element, concatenated,
// and parse_netstrings() splits it back. libpqxx 6.4's array_parser is not
// usable: it splits unquoted elements at ';' as well as ',' (and PostgreSQL
// does not quote ';'), which cuts "<sip:p;lr>" or "a;b" in two.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sipedge {

// Every element double-quoted, '"' and '\' backslash-escaped; no NULLs.
std::string pg_text_array(const std::vector<std::string>& values);
std::string pg_int_array(const std::vector<std::int64_t>& values);
std::string pg_bool_array(const std::vector<bool>& values);

// SQL expression (type text, never NULL) of the text[] `expression` as
// netstrings, in array order; a NULL element or array reads back as "" / no
// elements. `expression` is SQL text: a column or a cast parameter, never data.
std::string netstrings_of_text_array(const std::string& expression);

// SQL expression (type text, never NULL) of the jsonb `expression`, an array
// of [name, value] pairs, as netstrings name, value, name, value, ... in
// their stored order. A JSON null or missing name/value reads back as "";
// a SQL NULL column as no pairs.
std::string netstrings_of_pairs(const std::string& expression);

// Splits netstrings made by the fragments above. Throws std::runtime_error
// "<what>: malformed list from the database" when `text` is not a sequence
// of "<decimal octets>:<that many octets>".
std::vector<std::string> parse_netstrings(std::string_view text, const std::string& what);

// parse_netstrings() of netstrings_of_pairs(): also throws when the count of
// netstrings is odd.
std::vector<std::pair<std::string, std::string>> parse_netstring_pairs(std::string_view text,
                                                                       const std::string& what);

}  // namespace sipedge
