#pragma once
// The user directory (migrations/0002_directory.sql): SIP users per domain,
// with a password or a precomputed HA1 (FreeSWITCH's a1-hash) and the
// variables calls will carry. Plain structs; nothing about SIP messages.
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

// find_in takes a pqxx::work (libpqxx 6.4: a class template alias, not
// forward-declarable).
#include <pqxx/transaction>

#include "store/database.h"

namespace sipedge {

struct DirectoryUser {
  std::string domain;   // the store lower-cases it (ASCII): domains match without case, as in FreeSWITCH
  std::string user_id;  // exact, case-sensitive
  std::string password;  // "" when only a1_hash is known
  std::string a1_hash;   // md5("user:domain:password") in hex, as FreeSWITCH's a1-hash; "" if none
  bool enabled = true;
  std::vector<std::pair<std::string, std::string>> variables;  // in order
};

// Synchronous administration (`sipedge directory ...`): runs on the caller's
// thread with its own connection. Never used by a running node's SIP thread.
class DirectoryAdmin {
 public:
  explicit DirectoryAdmin(pqxx::connection& conn) : conn_(conn) {}
  // Insert or replace (variables replaced as a whole). Throws std::runtime_error.
  void upsert(const DirectoryUser& user);
  // Every user inserted or replaced in ONE transaction: all or nothing
  // (`sipedge directory import`). Throws std::runtime_error.
  void upsert_all(const std::vector<DirectoryUser>& users);
  bool remove(const std::string& domain, const std::string& user_id);  // false if absent
  std::vector<DirectoryUser> list(const std::string& domain = "");     // all domains when ""

 private:
  pqxx::connection& conn_;
};

// Look-ups by a running node, on a Database worker. Callbacks run on the worker.
class DirectoryStore {
 public:
  explicit DirectoryStore(Database& db);
  // nullopt when there is no such user (disabled users are returned with enabled=false).
  void find(std::string domain, std::string user_id,
            std::function<void(std::optional<DirectoryUser>)> on_done, Database::ErrorHandler on_error);
  // The same inside a job that is already running on the worker (used by the
  // registration batcher to look users up in its own transaction).
  static std::optional<DirectoryUser> find_in(pqxx::work& txn, const std::string& domain,
                                              const std::string& user_id);
  // Many users in ONE statement (the registration batch: one round trip
  // instead of one per REGISTER). keys are (domain, user_id) as find_in takes
  // them; the result is keyed by the same pairs as given, and holds only the
  // keys that name a user (disabled users included, enabled=false).
  static std::map<std::pair<std::string, std::string>, DirectoryUser> find_many_in(
      pqxx::work& txn, const std::vector<std::pair<std::string, std::string>>& keys);
  static void prepare_statements(Database& db);

 private:
  Database& db_;
};

}  // namespace sipedge
