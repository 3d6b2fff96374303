#pragma once
// Schema migrations: numbered SQL files (migrations/NNNN_description.sql)
// applied in order, each exactly once per database, recorded in
// schema_migrations. Nodes starting together serialise on a PostgreSQL
// advisory lock, so the second one finds everything applied.
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

// libpqxx 6.4: pqxx::connection is an alias of a class template, so it cannot
// be forward-declared.
#include <pqxx/connection>

namespace sipedge {

struct Migration {
  int version = 0;    // NNNN
  std::string name;   // "cluster_nodes" (the description part)
  std::string file;   // "0001_cluster_nodes.sql"
  std::string sql;    // file contents
};

// A migration could not be applied (it was rolled back whole), or the
// database's recorded history disagrees with the files.
class MigrationError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Parses "0001_cluster_nodes.sql" into version and name (file set, sql empty).
// Throws std::runtime_error naming the file when the name is not
// four-or-more digits, '_', a description of [a-z0-9_], ".sql".
Migration parse_migration_file_name(const std::string& file);

// All *.sql files of dir, sorted by version. Throws std::runtime_error naming
// the file for a bad name, a duplicate version, or an unreadable file; and
// when dir does not exist. Other files (README, editor backups) are ignored.
std::vector<Migration> load_migrations(const std::string& dir);

struct MigrationOptions {
  // Recorded in schema_migrations.applied_by; empty means "<hostname> pid <pid>".
  std::string applied_by;
  // Called right after each migration commits (before the next one starts).
  std::function<void(const Migration&)> on_applied;
};

// Applies, in order, every migration whose version is not yet recorded, each
// in its own transaction together with its schema_migrations row (so a file
// must not contain BEGIN/COMMIT, nor statements that cannot run in a
// transaction block). Holds pg_advisory_lock(kMigrationLockKey) on conn's
// session for the whole run and always releases it. Returns the versions
// applied now (empty: up to date). Throws MigrationError ("migration
// 0002_x.sql failed: <pg error>") when one fails (earlier ones stay applied),
// or when a recorded version's name differs from its file's (a renamed or
// renumbered migration). Other errors (connection lost) propagate as thrown.
std::vector<int> apply_migrations(pqxx::connection& conn, const std::vector<Migration>& migrations,
                                  const MigrationOptions& options = {});

// Highest recorded version; 0 when schema_migrations is missing or empty.
int schema_version(pqxx::connection& conn);

// Session-level advisory lock key shared by every node: "sipedge" in ASCII.
inline constexpr long long kMigrationLockKey = 0x73697065646765LL;

}  // namespace sipedge
