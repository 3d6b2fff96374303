#pragma once
// Registrations (migrations/0003_registrations.sql): one row per binding
// (AOR + contact URI), durable before the 200 OK leaves. Plain structs:
// the registrar (node/sip/registrar.cc) turns SIP messages into these.
//
// Write path: apply() queues a RegisterChange; a batcher on the Database
// worker takes every queued change and commits them in ONE transaction
// (group commit), then calls each change's callback. The queue is bounded:
// past max_queue, apply() answers `overloaded` at once. While the database is
// unavailable every change fails with `unavailable`, nothing half-written.
// Callbacks run on the database worker thread; post to your own thread.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "store/database.h"
#include "store/write_fence.h"
#include "store/directory_store.h"

namespace sipedge {

using SystemTime = std::chrono::system_clock::time_point;

struct Binding {
  std::string profile_name;
  std::string sip_user;     // AOR user
  std::string sip_host;     // AOR host (after force-register-db-domain)
  std::string contact;      // the Contact value as stored: <uri>;params (may carry fs_nat/fs_path)
  std::string contact_uri;  // the binding key: the URI alone
  std::string call_id;
  std::uint32_t cseq = 0;
  SystemTime expires_at{};       // absolute, database clock
  std::int64_t expires_in = 0;   // seconds left when read (0 when already due)
  std::string network_ip;        // where the REGISTER came from
  int network_port = 0;
  std::string network_transport; // "udp" | "tcp"
  bool nat_detected = false;
  std::string user_agent;
  std::string auth_username;     // "" when registered without auth (ACL, blind)
  std::string auth_realm;
  std::string status;            // "Registered(UDP)", "Registered(TCP-NAT)", ...
  std::string node_name;         // node that accepted it
  SystemTime registered_at{};
};

struct ContactUpdate {
  std::string contact_uri;  // key
  std::string contact;      // value to store
  int expires = 0;          // seconds granted; 0 removes the binding
};

struct RegisterChange {
  // AOR and request identity
  std::string profile_name, sip_user, sip_host, call_id;
  std::uint32_t cseq = 0;
  bool remove_all = false;              // Contact: * (RFC 3261 10.3 step 6)
  std::vector<ContactUpdate> contacts;  // empty and !remove_all: a query (list only)
  // Common values stored with every binding written
  std::string network_ip, network_transport, user_agent, auth_username, auth_realm, status, node_name;
  int network_port = 0;
  bool nat_detected = false;
  // Digest check done in the same transaction: the user is looked up in the
  // directory and verify(user) must return true, else nothing is written and
  // the result is auth_failed. No lookup when auth_domain is empty (ACL or
  // blind registration).
  std::string auth_domain, auth_user_id;
  std::function<bool(const DirectoryUser&)> verify;  // runs on the database worker
};

enum class RegisterResult {
  ok,            // committed; bindings = the AOR's bindings now
  auth_failed,   // unknown user, disabled user or wrong credentials (never says which)
  out_of_order,  // same Call-ID with a CSeq not higher than stored (RFC 3261 10.3 step 7)
  unavailable,   // database down or the transaction failed: nothing written
  overloaded,    // the queue was full: nothing queued
};

struct RegisterOutcome {
  RegisterResult result = RegisterResult::unavailable;
  // ok: the AOR's bindings after this change (expires_in from the database
  // clock), ordered by contact_uri; bindings already due but not yet swept
  // are not current and are left out (they stay rows until expire_due).
  std::vector<Binding> bindings;
  // ok: bindings this change deleted, as they were stored (for sofia::unregister).
  std::vector<Binding> removed;
  std::optional<DirectoryUser> user;  // the directory entry, when looked up and verified
  std::string error;              // for unavailable
};

// Filters for listing and flushing.
struct BindingFilter {
  std::string profile_name;  // "" = all profiles
  std::string call_id;       // exact
  std::string sip_user;      // exact (with sip_host)
  std::string sip_host;
  std::string text;          // substring of call_id/user/host/contact/user_agent/status ("" = any)
};

class RegistrationStore {
 public:
  struct Options {
    std::size_t max_queue = 20000;  // queued changes beyond this are refused (overloaded)
    std::size_t max_batch = 1000;   // changes per transaction
    // Every batch (and remove/expire) first passes sipedge_fence() in its
    // transaction (store/write_fence.h); null = unfenced (tools, benches).
    const WriteFence* fence = nullptr;
  };
  RegistrationStore(Database& db, Options options);
  explicit RegistrationStore(Database& db) : RegistrationStore(db, Options{}) {}
  ~RegistrationStore();

  // Thread-safe. done runs exactly once, on the database worker (or on the
  // caller's thread for an immediate overloaded/unavailable answer).
  void apply(RegisterChange change, std::function<void(RegisterOutcome)> done);

  // Reads and bulk operations; callbacks on the worker, exactly one of the two.
  void list(BindingFilter filter, std::function<void(std::vector<Binding>)> on_done, Database::ErrorHandler on_error);
  void count(std::string profile_name, std::function<void(std::int64_t)> on_done, Database::ErrorHandler on_error);
  // Deletes the matching bindings and returns them (flush_inbound_reg).
  void remove(BindingFilter filter, std::function<void(std::vector<Binding>)> on_done, Database::ErrorHandler on_error);
  // Deletes up to `limit` bindings whose expiry has passed, cluster-wide, and
  // returns them: DELETE ... RETURNING, so each is removed exactly once
  // whichever node sweeps (sofia::expire fires on that node).
  void expire_due(std::size_t limit, std::function<void(std::vector<Binding>)> on_done, Database::ErrorHandler on_error);

  std::size_t queued() const;

  // Counters since construction (for status output and benchmarks).
  struct Stats {
    std::uint64_t batches = 0;         // committed batch transactions
    std::uint64_t changes = 0;         // changes answered from committed batches
    std::uint64_t failed_batches = 0;  // batches rolled back or never run (their changes got unavailable)
    std::uint64_t overloaded = 0;      // changes refused because the queue was full
    std::size_t largest_batch = 0;
  };
  Stats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sipedge
