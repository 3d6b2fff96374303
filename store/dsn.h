#pragma once
// libpq connection strings. libpq waits forever for a TCP connect by default;
// the database worker must not hang on a black-holed host, so a connect
// timeout is added unless the operator set one.
#include <string>

namespace sipedge {

// Adds connect_timeout=<seconds> to a key/value ("host=... dbname=...") or URI
// ("postgresql://...") connection string that does not already set it.
std::string dsn_with_connect_timeout(const std::string& dsn, int seconds);

}  // namespace sipedge
