#include "store/migrator.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <pqxx/pqxx>
#include <regex>
#include <sstream>
#include <spdlog/spdlog.h>

#include "store/error_text.h"

// Runs on whichever thread owns conn: the database worker (from a connect
// hook) or the main thread of `sipedge migrate`.

namespace sipedge {

namespace {

std::string default_applied_by() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return std::string(host[0] ? host : "unknown-host") + " pid " + std::to_string(getpid());
}

// Session-level lock: survives the per-migration transactions, and PostgreSQL
// drops it by itself if the connection dies mid-run.
class MigrationLock {
 public:
  explicit MigrationLock(pqxx::connection& conn) : conn_(conn) {
    {
      pqxx::nontransaction txn(conn_, "migration lock");
      if (txn.exec_params1("select pg_try_advisory_lock($1)", kMigrationLockKey)[0].as<bool>()) return;
    }
    spdlog::info("migrations: another node holds the migration lock; waiting for it");
    pqxx::nontransaction txn(conn_, "migration lock");
    txn.exec_params("select pg_advisory_lock($1)", kMigrationLockKey);
  }
  ~MigrationLock() {
    try {
      pqxx::nontransaction txn(conn_, "migration unlock");
      txn.exec_params("select pg_advisory_unlock($1)", kMigrationLockKey);
    } catch (const std::exception& e) {
      // The connection is gone, and the session's lock went with it.
      spdlog::debug("migrations: unlock failed ({}); the lock ended with the session", one_line(e.what()));
    }
  }
  MigrationLock(const MigrationLock&) = delete;
  MigrationLock& operator=(const MigrationLock&) = delete;

 private:
  pqxx::connection& conn_;
};

void ensure_schema_migrations_table(pqxx::connection& conn) {
  pqxx::work txn(conn, "schema_migrations");
  txn.exec0(
      "create table if not exists schema_migrations ("
      " version    integer primary key,"
      " name       text not null,"
      " applied_at timestamptz not null default now(),"
      " applied_by text)");
  txn.exec0(
      "comment on table schema_migrations is "
      "'One row per applied migrations/NNNN_name.sql file; written only by the migrator, "
      "in the same transaction as the migration itself.'");
  txn.commit();
}

std::map<int, std::string> recorded_migrations(pqxx::connection& conn) {
  pqxx::read_transaction txn(conn, "schema_migrations");
  std::map<int, std::string> recorded;
  for (const auto& row : txn.exec("select version, name from schema_migrations order by version")) {
    recorded.emplace(row[0].as<int>(), row[1].as<std::string>());
  }
  return recorded;
}

}  // namespace

Migration parse_migration_file_name(const std::string& file) {
  static const std::regex pattern(R"(^([0-9]{4})_([a-z0-9_]+)\.sql$)");
  std::smatch match;
  if (!std::regex_match(file, match, pattern)) {
    throw std::runtime_error("bad migration file name '" + file +
                             "': expected NNNN_description.sql (four digits, then [a-z0-9_])");
  }
  Migration migration;
  migration.version = std::stoi(match[1].str());
  if (migration.version == 0) {
    throw std::runtime_error("bad migration file name '" + file + "': versions start at 0001");
  }
  migration.name = match[2].str();
  migration.file = file;
  return migration;
}

std::vector<Migration> load_migrations(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw std::runtime_error("migrations directory '" + dir + "' does not exist");
  }
  std::vector<Migration> migrations;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string file = entry.path().filename().string();
    // Hidden files are editor locks/backups, not migrations.
    if (file.empty() || file[0] == '.' || entry.path().extension() != ".sql") continue;
    Migration migration = parse_migration_file_name(file);
    std::ifstream in(entry.path(), std::ios::binary);
    if (!in) {
      throw std::runtime_error("cannot read migration file " + entry.path().string());
    }
    std::ostringstream text;
    text << in.rdbuf();
    migration.sql = text.str();
    if (migration.sql.find_first_not_of(" \t\r\n") == std::string::npos) {
      throw std::runtime_error("migration file " + entry.path().string() + " is empty");
    }
    migrations.push_back(std::move(migration));
  }
  std::sort(migrations.begin(), migrations.end(),
            [](const Migration& a, const Migration& b) { return a.version < b.version; });
  for (std::size_t i = 1; i < migrations.size(); ++i) {
    if (migrations[i].version == migrations[i - 1].version) {
      throw std::runtime_error("duplicate migration version " + std::to_string(migrations[i].version) + ": " +
                               migrations[i - 1].file + " and " + migrations[i].file + " in " + dir);
    }
  }
  return migrations;
}

std::vector<int> apply_migrations(pqxx::connection& conn, const std::vector<Migration>& migrations,
                                  const MigrationOptions& options) {
  const std::string who = options.applied_by.empty() ? default_applied_by() : options.applied_by;
  std::vector<int> applied;

  MigrationLock lock(conn);
  ensure_schema_migrations_table(conn);
  const auto recorded = recorded_migrations(conn);

  std::map<int, const Migration*> known;
  for (const auto& migration : migrations) {
    known.emplace(migration.version, &migration);
    auto it = recorded.find(migration.version);
    if (it != recorded.end() && it->second != migration.name) {
      throw MigrationError("migration " + migration.file + " conflicts with the database: version " +
                           std::to_string(migration.version) + " was applied as '" + it->second + "'");
    }
  }
  for (const auto& [version, name] : recorded) {
    if (!known.count(version)) {
      // A rolling upgrade: a newer node already migrated further. Not an error
      // as long as migrations stay backward compatible (docs/sql.md).
      spdlog::warn("migrations: database has version {} ('{}') that this build does not know", version, name);
    }
  }

  for (const auto& migration : migrations) {
    if (recorded.count(migration.version)) continue;
    try {
      pqxx::work txn(conn, "migration");
      txn.exec(migration.sql, migration.file);
      txn.exec_params0("insert into schema_migrations (version, name, applied_by) values ($1, $2, $3)",
                       migration.version, migration.name, who);
      txn.commit();
    } catch (const std::exception& e) {
      throw MigrationError("migration " + migration.file + " failed: " + one_line(e.what()));
    }
    spdlog::info("migrations: applied {}", migration.file);
    applied.push_back(migration.version);
    if (options.on_applied) options.on_applied(migration);
  }
  return applied;
}

int schema_version(pqxx::connection& conn) {
  pqxx::read_transaction txn(conn, "schema version");
  if (txn.exec1("select to_regclass('schema_migrations') is null")[0].as<bool>()) return 0;
  return txn.exec1("select coalesce(max(version), 0) from schema_migrations")[0].as<int>();
}

}  // namespace sipedge
