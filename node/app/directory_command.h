#pragma once
// `sipedge directory ...`: the operator's side of the user directory
// (directory_users, migrations/0002_directory.sql). main.cc parses --conf and
// --migrations, loads the config for the DSN, and passes the remaining words:
//
//   add USER@DOMAIN (--password P | --a1-hash HEX)... [--var NAME=VALUE ...] [--disabled]
//   del USER@DOMAIN
//   list [DOMAIN]
//   import PATH        (FreeSWITCH directory XML: a file or a directory of *.xml)
//
// It applies pending migrations first (so it works on a fresh database), then
// runs the subcommand on its own connection (no Database worker: nothing else
// runs in the process). Exit codes: 0 success; 1 database error (unreachable,
// SQL failure) or `del` of an unknown user; 2 usage error or bad import XML
// (file:line); 3 migrations failed (as `sipedge migrate`).
#include <ostream>
#include <string>
#include <vector>

namespace sipedge {

// args: the words after "directory" (without --conf/--migrations).
// conf_dir: the --conf directory; `import` pre-processes the XML with its
// variables (builtins + vars.xml, as the node does) so $${domain} and
// $${default_password} resolve as in FreeSWITCH.
int run_directory_command(const std::vector<std::string>& args, const std::string& dsn,
                          const std::string& migrations_dir, const std::string& conf_dir);

// The same, writing to the given streams (tests).
int run_directory_command(const std::vector<std::string>& args, const std::string& dsn,
                          const std::string& migrations_dir, const std::string& conf_dir, std::ostream& out,
                          std::ostream& err);

}  // namespace sipedge
