#include "node/app/directory_command.h"

#include <algorithm>
#include <cctype>
#include <iostream>
#include <memory>
#include <pqxx/pqxx>
#include <set>
#include <stdexcept>

#include "node/common/ascii_case.h"
#include "node/config/directory_xml.h"
#include "node/config/node_config.h"
#include "store/directory_store.h"
#include "store/dsn.h"
#include "store/error_text.h"
#include "store/migrator.h"

namespace sipedge {

namespace {

constexpr int kExitOk = 0;
constexpr int kExitDatabase = 1;
constexpr int kExitUsage = 2;
constexpr int kExitMigration = 3;  // as `sipedge migrate` (DEVELOPERS-BRIEF.md)
constexpr int kConnectTimeoutSeconds = 10;

constexpr const char* kUsage =
    "usage: sipedge directory add USER@DOMAIN --password P [--a1-hash HEX] [--var NAME=VALUE ...] [--disabled] "
    "--conf DIR\n"
    "       sipedge directory add USER@DOMAIN --a1-hash HEX [--var NAME=VALUE ...] [--disabled] --conf DIR\n"
    "       sipedge directory del USER@DOMAIN --conf DIR\n"
    "       sipedge directory list [DOMAIN] --conf DIR\n"
    "       sipedge directory import PATH --conf DIR   (FreeSWITCH directory XML file or folder)\n";

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Request {
  std::string command;  // add | del | list | import | help
  DirectoryUser user;   // add; domain/user_id also for del
  std::string domain;   // list ("" = every domain)
  std::string path;     // import
};

bool bad_char(unsigned char c) { return c == '@' || std::isspace(c) || std::iscntrl(c); }

// USER@DOMAIN: both parts non-empty, one '@'. The domain is lower-cased
// (domains match without case); the user id is kept as typed.
void parse_address(const std::string& text, DirectoryUser& user) {
  const auto at = text.find('@');
  if (at == std::string::npos || at == 0 || at + 1 == text.size()) {
    throw UsageError("expected USER@DOMAIN, got \"" + text + "\"");
  }
  user.user_id = text.substr(0, at);
  user.domain = to_lower(text.substr(at + 1));
  if (std::any_of(user.user_id.begin(), user.user_id.end(), bad_char) ||
      std::any_of(user.domain.begin(), user.domain.end(), bad_char)) {
    throw UsageError("bad USER@DOMAIN \"" + text + "\" (no spaces, one '@')");
  }
}

bool is_hex_md5(const std::string& text) {
  return text.size() == 32 &&
         std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isxdigit(c) != 0; });
}

// Later definitions replace earlier ones in place; names compare without
// case, as channel variables do.
void set_variable(std::vector<std::pair<std::string, std::string>>& variables, std::string name, std::string value) {
  auto existing = std::find_if(variables.begin(), variables.end(),
                               [&](const auto& entry) { return iequals(entry.first, name); });
  if (existing != variables.end()) {
    existing->second = std::move(value);
  } else {
    variables.emplace_back(std::move(name), std::move(value));
  }
}

Request parse_add(const std::vector<std::string>& args) {
  Request request;
  request.command = "add";
  bool have_address = false;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& word = args[i];
    auto value = [&]() -> const std::string& {
      if (i + 1 >= args.size()) throw UsageError(word + " needs a value");
      return args[++i];
    };
    if (word == "--password") {
      request.user.password = value();
      if (request.user.password.empty()) throw UsageError("--password must not be empty");
    } else if (word == "--a1-hash") {
      request.user.a1_hash = to_lower(value());
      if (!is_hex_md5(request.user.a1_hash)) {
        throw UsageError("--a1-hash must be 32 hexadecimal digits (md5 of user:domain:password)");
      }
    } else if (word == "--var") {
      const std::string& assignment = value();
      const auto equals = assignment.find('=');
      if (equals == std::string::npos || equals == 0) throw UsageError("--var needs NAME=VALUE, got \"" + assignment + "\"");
      set_variable(request.user.variables, assignment.substr(0, equals), assignment.substr(equals + 1));
    } else if (word == "--disabled") {
      request.user.enabled = false;
    } else if (!word.empty() && word[0] == '-') {
      throw UsageError("unknown option " + word);
    } else if (have_address) {
      throw UsageError("unexpected argument \"" + word + "\"");
    } else {
      parse_address(word, request.user);
      have_address = true;
    }
  }
  if (!have_address) throw UsageError("add needs USER@DOMAIN");
  if (request.user.password.empty() && request.user.a1_hash.empty()) {
    throw UsageError("add needs --password or --a1-hash");
  }
  return request;
}

Request parse_args(const std::vector<std::string>& args) {
  if (args.empty()) throw UsageError("missing subcommand");
  Request request;
  request.command = args[0];
  if (request.command == "help" || request.command == "--help" || request.command == "-h") {
    request.command = "help";
    return request;
  }
  if (request.command == "add") return parse_add(args);
  std::vector<std::string> positional;
  for (std::size_t i = 1; i < args.size(); ++i) {
    if (!args[i].empty() && args[i][0] == '-') throw UsageError("unknown option " + args[i]);
    positional.push_back(args[i]);
  }
  if (request.command == "del") {
    if (positional.size() != 1) throw UsageError("del needs exactly one USER@DOMAIN");
    parse_address(positional[0], request.user);
  } else if (request.command == "list") {
    if (positional.size() > 1) throw UsageError("list takes at most one DOMAIN");
    if (!positional.empty()) request.domain = to_lower(positional[0]);
  } else if (request.command == "import") {
    if (positional.size() != 1) throw UsageError("import needs exactly one PATH");
    request.path = positional[0];
  } else {
    throw UsageError("unknown subcommand \"" + request.command + "\"");
  }
  return request;
}

// The conf dir's global variables, exactly as the node computes them
// (builtins such as local_ip_v4, then vars.xml).
std::map<std::string, std::string> conf_vars(const std::string& conf_dir) {
  if (conf_dir.empty()) return {};
  return load_node_config(conf_dir).vars;
}

std::vector<DirectoryUser> read_import(const std::string& path, const std::string& conf_dir, std::ostream& err) {
  std::vector<std::string> warnings;
  std::vector<DirectoryXmlUser> parsed = load_directory_users(path, conf_vars(conf_dir), warnings);
  for (const std::string& warning : warnings) err << "sipedge directory import: warning: " << warning << "\n";
  std::vector<DirectoryUser> users;
  for (DirectoryXmlUser& parsed_user : parsed) {
    DirectoryUser user;
    user.domain = std::move(parsed_user.domain);
    user.user_id = std::move(parsed_user.user_id);
    user.password = std::move(parsed_user.password);
    user.a1_hash = std::move(parsed_user.a1_hash);
    user.variables = std::move(parsed_user.variables);
    users.push_back(std::move(user));
  }
  return users;
}

std::string credentials_text(const DirectoryUser& user) {
  if (!user.password.empty() && !user.a1_hash.empty()) return "password+a1-hash";
  return user.a1_hash.empty() ? "password" : "a1-hash";
}

void print_user(const DirectoryUser& user, std::ostream& out) {
  out << user.user_id << "@" << user.domain << " " << (user.enabled ? "enabled" : "disabled") << " "
      << credentials_text(user) << " vars:";
  if (user.variables.empty()) {
    out << " -";
  } else {
    const char* separator = " ";
    for (const auto& [name, value] : user.variables) {
      out << separator << name << "=" << value;
      separator = ",";
    }
  }
  out << "\n";
}

int run_request(const Request& request, std::vector<DirectoryUser>& imported, pqxx::connection& conn,
                std::ostream& out, std::ostream& err) {
  DirectoryAdmin admin(conn);
  const std::string address = request.user.user_id + "@" + request.user.domain;
  if (request.command == "add") {
    admin.upsert(request.user);
    out << "saved " << address << "\n";
  } else if (request.command == "del") {
    if (!admin.remove(request.user.domain, request.user.user_id)) {
      err << "sipedge directory: no such user " << address << "\n";
      return kExitDatabase;
    }
    out << "deleted " << address << "\n";
  } else if (request.command == "list") {
    for (const DirectoryUser& user : admin.list(request.domain)) print_user(user, out);
  } else if (request.command == "import") {
    admin.upsert_all(imported);  // one transaction: all or nothing
    std::set<std::string> domains;
    for (const DirectoryUser& user : imported) domains.insert(user.domain);
    std::string domain_list;
    for (const std::string& domain : domains) domain_list += (domain_list.empty() ? "" : ", ") + domain;
    out << "imported " << imported.size() << " users (domains: " << (domain_list.empty() ? "none" : domain_list)
        << ")\n";
  }
  return kExitOk;
}

}  // namespace

int run_directory_command(const std::vector<std::string>& args, const std::string& dsn,
                          const std::string& migrations_dir, const std::string& conf_dir) {
  return run_directory_command(args, dsn, migrations_dir, conf_dir, std::cout, std::cerr);
}

int run_directory_command(const std::vector<std::string>& args, const std::string& dsn,
                          const std::string& migrations_dir, const std::string& conf_dir, std::ostream& out,
                          std::ostream& err) {
  Request request;
  try {
    request = parse_args(args);
  } catch (const UsageError& e) {
    err << "sipedge directory: " << e.what() << "\n" << kUsage;
    return kExitUsage;
  }
  if (request.command == "help") {
    out << kUsage;
    return kExitOk;
  }

  // The XML is read before touching the database: a bad file changes nothing.
  std::vector<DirectoryUser> imported;
  if (request.command == "import") {
    try {
      imported = read_import(request.path, conf_dir, err);
    } catch (const ConfigError& e) {
      err << "sipedge directory import: " << e.what() << "\n";
      return kExitUsage;
    }
  }

  std::unique_ptr<pqxx::connection> conn;
  try {
    conn = std::make_unique<pqxx::connection>(dsn_with_connect_timeout(dsn, kConnectTimeoutSeconds));
  } catch (const std::exception& e) {
    err << "sipedge directory: cannot connect to the database: " << one_line(e.what()) << "\n";
    return kExitDatabase;
  }

  try {
    MigrationOptions options;
    options.on_applied = [&err](const Migration& migration) {
      err << "sipedge directory: applied migration " << migration.file << "\n";
    };
    apply_migrations(*conn, load_migrations(migrations_dir), options);
  } catch (const pqxx::broken_connection& e) {
    err << "sipedge directory: database connection lost: " << one_line(e.what()) << "\n";
    return kExitDatabase;
  } catch (const std::exception& e) {
    // MigrationError, or unreadable/misnamed migration files.
    err << "sipedge directory: " << one_line(e.what()) << "\n";
    return kExitMigration;
  }

  try {
    return run_request(request, imported, *conn, out, err);
  } catch (const std::exception& e) {
    err << "sipedge directory: " << one_line(e.what()) << "\n";
    return kExitDatabase;
  }
}

}  // namespace sipedge
