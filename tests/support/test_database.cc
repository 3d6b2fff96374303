#include "tests/support/test_database.h"

#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <iostream>
#include <pqxx/pqxx>
#include <stdexcept>

#include "tests/support/test_env.h"

namespace sipedge::test {
namespace {

std::string quote_value(const std::string& v) {
  std::string out = "'";
  for (char c : v) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

std::string database_name(const std::string& name) {
  static std::atomic<int> counter{0};
  std::string clean;
  for (char c : name) {
    unsigned char u = static_cast<unsigned char>(c);
    clean += std::isalnum(u) ? static_cast<char>(std::tolower(u)) : '_';
  }
  std::string suffix = "_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
  // NAMEDATALEN-1 = 63 bytes; longer names would be silently truncated and collide.
  std::size_t room = 63 - 2 - suffix.size();
  if (clean.size() > room) clean.resize(room);
  return "t_" + clean + suffix;
}

}  // namespace

std::string dsn_with(const std::string& dsn, const std::string& dbname, const std::string& user) {
  char* err = nullptr;
  PQconninfoOption* options = PQconninfoParse(dsn.c_str(), &err);
  if (!options) {
    std::string message = err ? err : "out of memory";
    if (err) PQfreemem(err);
    throw std::invalid_argument("bad DSN '" + dsn + "': " + message);
  }
  std::string out;
  for (PQconninfoOption* o = options; o->keyword; ++o) {
    std::string key = o->keyword;
    if (!o->val || key == "dbname" || (key == "user" && !user.empty())) continue;
    out += key + "=" + quote_value(o->val) + " ";
  }
  PQconninfoFree(options);
  if (!user.empty()) out += "user=" + quote_value(user) + " ";
  out += "dbname=" + quote_value(dbname);
  return out;
}

TestDatabase::TestDatabase(const std::string& name, const std::string& owner)
    : name_(database_name(name)), admin_dsn_(test_pg_admin_dsn()) {
  pqxx::connection conn(admin_dsn_);
  pqxx::nontransaction tx(conn);
  std::string sql = "CREATE DATABASE " + tx.quote_name(name_);
  if (!owner.empty()) {
    pqxx::result r = tx.exec_params("SELECT 1 FROM pg_roles WHERE rolname = $1", owner);
    if (r.empty()) tx.exec0("CREATE ROLE " + tx.quote_name(owner) + " LOGIN");
    sql += " OWNER " + tx.quote_name(owner);
  }
  tx.exec0(sql);
  dsn_ = dsn_with(admin_dsn_, name_, owner);
}

TestDatabase::~TestDatabase() {
  try {
    pqxx::connection conn(admin_dsn_);
    pqxx::nontransaction tx(conn);
    tx.exec0("DROP DATABASE IF EXISTS " + tx.quote_name(name_) + " WITH (FORCE)");
  } catch (const std::exception& e) {
    std::cerr << "TestDatabase: could not drop " << name_ << ": " << e.what() << "\n";
  }
}

}  // namespace sipedge::test
