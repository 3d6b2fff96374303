#include "store/directory_store.h"

#include <algorithm>
#include <cctype>
#include <pqxx/pqxx>
#include <spdlog/spdlog.h>
#include <stdexcept>

#include "store/pg_array.h"
#include "store/callback_guard.h"

// The directory_users table (migrations/0002_directory.sql). Variables are a
// jsonb array of [name, value] pairs; they travel to PostgreSQL as two
// parallel text[] (names, values) and come back as netstrings (pg_array.h),
// so no JSON is built or parsed here.
//
// DirectoryStore jobs run on the Database worker; DirectoryAdmin runs on the
// caller's thread with the caller's connection.

namespace sipedge {

namespace {

constexpr const char* kFind = "directory_store_find";
constexpr const char* kFindMany = "directory_store_find_many";
constexpr const char* kUpsert = "directory_store_upsert";
constexpr const char* kDelete = "directory_store_delete";
constexpr const char* kListAll = "directory_store_list_all";
constexpr const char* kListDomain = "directory_store_list_domain";

// Every read returns the same columns; variables come back as netstrings
// name, value, ... in their stored order (not as text[]: libpqxx 6.4's
// array_parser would split a value such as "a;b" in two).
const std::string kSelectUsers =
    "select domain, user_id, coalesce(password, ''), coalesce(a1_hash, ''), enabled, " +
    netstrings_of_pairs("variables") + " from directory_users";

const std::string kFindSql = kSelectUsers + " where domain = $1 and user_id = $2";
// $1 domains (lower-cased), $2 user ids, pairwise; the primary key serves it.
const std::string kFindManySql =
    kSelectUsers + " where (domain, user_id) in (select d, u from unnest($1::text[], $2::text[]) as k(d, u))";
// Bytewise order ("C"), so listings do not depend on the database's locale.
const std::string kListAllSql = kSelectUsers + " order by domain collate \"C\", user_id collate \"C\"";
const std::string kListDomainSql = kSelectUsers + " where domain = $1 order by user_id collate \"C\"";

constexpr const char* kUpsertSql = R"sql(
insert into directory_users (domain, user_id, password, a1_hash, enabled, variables)
values ($1, $2, nullif($3, ''), nullif($4, ''), $5,
        (select coalesce(jsonb_agg(jsonb_build_array(name, value) order by i), '[]'::jsonb)
           from unnest($6::text[], $7::text[]) with ordinality as v(name, value, i)))
on conflict (domain, user_id) do update
    set password   = excluded.password,
        a1_hash    = excluded.a1_hash,
        enabled    = excluded.enabled,
        variables  = excluded.variables,
        updated_at = now()
)sql";

constexpr const char* kDeleteSql = R"sql(
delete from directory_users where domain = $1 and user_id = $2
)sql";

std::string ascii_lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

DirectoryUser user_from_row(const pqxx::row& row) {
  DirectoryUser user;
  user.domain = row[0].as<std::string>();
  user.user_id = row[1].as<std::string>();
  user.password = row[2].as<std::string>();
  user.a1_hash = row[3].as<std::string>();
  user.enabled = row[4].as<bool>();
  const std::string who = "directory user " + user.user_id + "@" + user.domain + " variables";
  user.variables = parse_netstring_pairs(row[5].as<std::string>(), who);
  return user;
}

bool is_hex_md5(const std::string& text) {
  return text.size() == 32 &&
         std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isxdigit(c) != 0; });
}

// Checked here too (the table's constraints would refuse the row anyway) so
// that the message names the user instead of a constraint.
void check_user(const DirectoryUser& user) {
  const std::string who = user.user_id + "@" + user.domain;
  if (user.domain.empty()) throw std::runtime_error("directory user " + who + ": empty domain");
  if (user.user_id.empty()) throw std::runtime_error("directory user " + who + ": empty user id");
  if (user.password.empty() && user.a1_hash.empty()) {
    throw std::runtime_error("directory user " + who + ": needs a password or an a1-hash");
  }
  if (!user.a1_hash.empty() && !is_hex_md5(user.a1_hash)) {
    throw std::runtime_error("directory user " + who + ": a1-hash must be 32 hexadecimal digits");
  }
  for (const auto& [name, value] : user.variables) {
    if (name.empty()) throw std::runtime_error("directory user " + who + ": variable with an empty name");
  }
}

void prepare_admin_statements(pqxx::connection& conn) {
  // pqxx declares lazily and accepts an identical re-declaration.
  conn.prepare(kFind, kFindSql);
  conn.prepare(kFindMany, kFindManySql);
  conn.prepare(kUpsert, kUpsertSql);
  conn.prepare(kDelete, kDeleteSql);
  conn.prepare(kListAll, kListAllSql);
  conn.prepare(kListDomain, kListDomainSql);
}

void upsert_in(pqxx::work& txn, const DirectoryUser& user) {
  check_user(user);
  std::vector<std::string> names;
  std::vector<std::string> values;
  for (const auto& [name, value] : user.variables) {
    names.push_back(name);
    values.push_back(value);
  }
  txn.exec_prepared0(kUpsert, ascii_lower(user.domain), user.user_id, user.password, ascii_lower(user.a1_hash),
                     user.enabled, pg_text_array(names), pg_text_array(values));
}

template <typename Callback, typename... Args>
void invoke(const Callback& callback, const char* what, Args&&... args) {
  invoke_callback("directory store", what, callback, std::forward<Args>(args)...);
}

}  // namespace

void DirectoryAdmin::upsert(const DirectoryUser& user) { upsert_all({user}); }

void DirectoryAdmin::upsert_all(const std::vector<DirectoryUser>& users) {
  prepare_admin_statements(conn_);
  pqxx::work txn(conn_, "directory upsert");
  for (const DirectoryUser& user : users) upsert_in(txn, user);
  txn.commit();
}

bool DirectoryAdmin::remove(const std::string& domain, const std::string& user_id) {
  prepare_admin_statements(conn_);
  pqxx::work txn(conn_, "directory remove");
  const bool removed = txn.exec_prepared0(kDelete, ascii_lower(domain), user_id).affected_rows() > 0;
  txn.commit();
  return removed;
}

std::vector<DirectoryUser> DirectoryAdmin::list(const std::string& domain) {
  prepare_admin_statements(conn_);
  std::vector<DirectoryUser> users;
  pqxx::read_transaction txn(conn_, "directory list");
  const pqxx::result rows =
      domain.empty() ? txn.exec_prepared(kListAll) : txn.exec_prepared(kListDomain, ascii_lower(domain));
  for (const auto& row : rows) users.push_back(user_from_row(row));
  return users;
}

DirectoryStore::DirectoryStore(Database& db) : db_(db) { prepare_statements(db_); }

void DirectoryStore::prepare_statements(Database& db) {
  db.prepare(kFind, kFindSql);
  db.prepare(kFindMany, kFindManySql);
}

std::optional<DirectoryUser> DirectoryStore::find_in(pqxx::work& txn, const std::string& domain,
                                                     const std::string& user_id) {
  const pqxx::result rows = txn.exec_prepared(kFind, ascii_lower(domain), user_id);
  if (rows.empty()) return std::nullopt;
  return user_from_row(rows[0]);
}

std::map<std::pair<std::string, std::string>, DirectoryUser> DirectoryStore::find_many_in(
    pqxx::work& txn, const std::vector<std::pair<std::string, std::string>>& keys) {
  std::map<std::pair<std::string, std::string>, DirectoryUser> found;
  if (keys.empty()) return found;
  std::vector<std::string> domains, user_ids;
  domains.reserve(keys.size());
  user_ids.reserve(keys.size());
  for (const auto& [domain, user_id] : keys) {
    domains.push_back(ascii_lower(domain));
    user_ids.push_back(user_id);
  }
  // Rows come back under the stored (lower-cased) domain; answer under the
  // keys as given, as find_in would for each.
  std::map<std::pair<std::string, std::string>, DirectoryUser> rows;
  for (const auto& row : txn.exec_prepared(kFindMany, pg_text_array(domains), pg_text_array(user_ids))) {
    DirectoryUser user = user_from_row(row);
    auto key = std::make_pair(user.domain, user.user_id);
    rows.emplace(std::move(key), std::move(user));
  }
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const auto it = rows.find({domains[i], user_ids[i]});
    if (it != rows.end()) found.emplace(keys[i], it->second);
  }
  return found;
}

void DirectoryStore::find(std::string domain, std::string user_id,
                          std::function<void(std::optional<DirectoryUser>)> on_done,
                          Database::ErrorHandler on_error) {
  db_.submit(
      [domain = std::move(domain), user_id = std::move(user_id), on_done = std::move(on_done)](pqxx::connection& conn) {
        std::optional<DirectoryUser> user;
        {
          pqxx::work txn(conn, "directory find");
          user = find_in(txn, domain, user_id);
          txn.commit();
        }
        invoke(on_done, "find", std::move(user));
      },
      std::move(on_error));
}

}  // namespace sipedge
