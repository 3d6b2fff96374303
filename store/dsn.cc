#include "store/dsn.h"

namespace sipedge {

namespace {

bool is_uri(const std::string& dsn) {
  return dsn.rfind("postgresql://", 0) == 0 || dsn.rfind("postgres://", 0) == 0;
}

}  // namespace

std::string dsn_with_option(const std::string& dsn, const std::string& key, const std::string& value) {
  if (dsn.find(key) != std::string::npos) {
    return dsn;  // the operator's choice wins
  }
  const std::string option = key + "=" + value;
  if (is_uri(dsn)) {
    return dsn + (dsn.find('?') == std::string::npos ? "?" : "&") + option;
  }
  if (dsn.find_first_not_of(" \t\n") == std::string::npos) {
    return option;  // empty: libpq takes everything else from PG* env vars
  }
  return dsn + " " + option;
}

std::string dsn_with_connect_timeout(const std::string& dsn, int seconds) {
  return dsn_with_option(dsn, "connect_timeout", std::to_string(seconds));
}

}  // namespace sipedge
