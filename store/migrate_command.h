#pragma once
// `sipedge migrate`: apply the migrations and exit (main.cc parses the
// arguments and resolves the DSN and directory).
#include <string>

namespace sipedge {

// Prints "applied 0001_cluster_nodes.sql" per migration applied now, or
// "schema is up to date (version N)", to stdout and returns 0. On any error
// (bad migration files, database unreachable, a migration failing) prints
// "sipedge migrate: <error>" to stderr and returns 3.
int run_migrate_command(const std::string& dsn, const std::string& migrations_dir);

}  // namespace sipedge
