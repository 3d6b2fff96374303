#pragma once
// libpq connection strings. libpq waits forever for a TCP connect by default,
// and for the peer to acknowledge what it sent; the database workers must not
// hang on a black-holed host, so a connect timeout (and, for the node, a TCP
// user timeout) is added unless the operator set one.
#include <string>

namespace sipedge {

// Adds connect_timeout=<seconds> to a key/value ("host=... dbname=...") or URI
// ("postgresql://...") connection string that does not already set it.
std::string dsn_with_connect_timeout(const std::string& dsn, int seconds);

// Adds key=value (a libpq connection parameter) to a key/value or URI
// connection string that does not already name `key`.
std::string dsn_with_option(const std::string& dsn, const std::string& key, const std::string& value);

}  // namespace sipedge
