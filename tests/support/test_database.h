#pragma once
// A private PostgreSQL database per test, on the server test_pg_admin_dsn()
// names: created empty (migrations are the node's job), dropped with
// WITH (FORCE) on destruction so connections a crashed node left behind do
// not keep it alive.
#include <string>

namespace sipedge::test {

class TestDatabase {
 public:
  // Database "t_<name>_<pid>_<n>" (name lower-cased, non [a-z0-9_] -> '_',
  // cut to PostgreSQL's 63 bytes). owner "" = the admin DSN's role; else
  // that role (created LOGIN if missing) owns it and dsn() connects as it.
  explicit TestDatabase(const std::string& name, const std::string& owner = "");
  ~TestDatabase();
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  const std::string& name() const { return name_; }
  // libpq key=value DSN of the new database (the admin DSN's host/port).
  const std::string& dsn() const { return dsn_; }
  const std::string& admin_dsn() const { return admin_dsn_; }

 private:
  std::string name_;
  std::string admin_dsn_;
  std::string dsn_;
};

// `dsn` (key=value or URI form) with dbname (and user, when not "") replaced,
// as a key=value string. Throws std::invalid_argument on an unparsable DSN.
std::string dsn_with(const std::string& dsn, const std::string& dbname, const std::string& user = "");

}  // namespace sipedge::test
