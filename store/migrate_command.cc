#include "store/migrate_command.h"

#include <iostream>
#include <pqxx/pqxx>

#include "store/dsn.h"
#include "store/error_text.h"
#include "store/migrator.h"

namespace sipedge {

namespace {

constexpr int kExitMigrationFailed = 3;  // DEVELOPERS-BRIEF.md process interface
constexpr int kConnectTimeoutSeconds = 10;

}  // namespace

int run_migrate_command(const std::string& dsn, const std::string& migrations_dir) {
  try {
    const std::vector<Migration> migrations = load_migrations(migrations_dir);
    pqxx::connection conn(dsn_with_connect_timeout(dsn, kConnectTimeoutSeconds));
    MigrationOptions options;
    // Printed as each one commits, so a later failure still shows what landed.
    options.on_applied = [](const Migration& migration) {
      std::cout << "applied " << migration.file << std::endl;
    };
    if (apply_migrations(conn, migrations, options).empty()) {
      std::cout << "schema is up to date (version " << schema_version(conn) << ")" << std::endl;
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "sipedge migrate: " << one_line(e.what()) << std::endl;
    return kExitMigrationFailed;
  }
}

}  // namespace sipedge
