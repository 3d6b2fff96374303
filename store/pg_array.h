#pragma once
// PostgreSQL array literals ('{"a","b"}') for passing a whole batch as ONE
// parameter of a prepared statement (unnest($1::text[], ...)): the values
// stay parameters, never SQL text. libpqxx 6.4 has no array parameters.
#include <cstdint>
#include <string>
#include <vector>

namespace sipedge {

// Every element double-quoted, '"' and '\' backslash-escaped; no NULLs.
std::string pg_text_array(const std::vector<std::string>& values);
std::string pg_int_array(const std::vector<std::int64_t>& values);
std::string pg_bool_array(const std::vector<bool>& values);

}  // namespace sipedge
