#pragma once
// The leadership lease of a cluster (migrations/0006_cluster_leases.sql,
// docs/cluster.md): who is active, with which fencing epoch, until when by
// the DATABASE clock. Each operation is one SQL statement (one function
// call), so one round trip on the Database worker.
//
// LeaseOperations is what recovery/lease_keeper needs; LeaseStore implements
// it on PostgreSQL (unit tests give the keeper a fake). Give the store a
// Database of its own (a connection used for nothing else), so a renewal
// never queues behind other work.
//
// Threads: every call only queues a job on the Database worker and returns.
// on_done / on_error run later ON THE DATABASE WORKER THREAD (or, after
// Database::stop(), on_error on the caller's thread); exactly one of them per
// call. Keep them short and post to your own thread.
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <optional>
#include <string>

#include "store/database.h"

namespace sipedge {

// SQLSTATE raised by sipedge_fence() when the writer's epoch does not hold
// the unexpired lease: the transaction is aborted and this node must stop
// acting as active.
inline constexpr const char* kFenceSqlState = "SEF01";

// True when e is a pqxx::sql_error with SQLSTATE kFenceSqlState.
bool is_fence_violation(const std::exception& e);

struct LeaseAcquireOutcome {
  bool acquired = false;
  std::int64_t epoch = 0;          // acquired: our new epoch; else the lease's current epoch (0: never granted)
  std::string holder_node;         // acquired: us; else the current holder ("" none)
  std::string holder_runtime_id;
  std::int64_t expires_in_ms = 0;  // database clock; acquired: the TTL; else until the holder's expiry
  std::string previous_node;       // acquired: the holder of epoch - 1 ("" none); else of the current epoch - 1
  bool previous_released = false;  // that holder released the lease (vs. let it expire)
};

struct LeaseRenewOutcome {
  bool renewed = false;            // false: we no longer hold it (expired, released or taken over)
  std::int64_t epoch = 0;          // the lease's epoch now
  std::string holder_node;         // the lease's holder now
  std::int64_t expires_in_ms = 0;  // the lease's remaining time now (0: expired or released)
};

struct LeaseInfo {
  std::string state;               // "held" | "expired" | "released" | "vacant" (never granted)
  std::string active_node;         // holder while held, else ""
  std::int64_t epoch = 0;
  std::string holder_node;         // holder of `epoch`, held or not ("" when vacant)
  std::string holder_runtime_id;
  std::int64_t expires_in_ms = 0;  // 0 unless held
  std::string previous_node;       // holder of epoch - 1
  bool previous_released = false;
};

class LeaseOperations {
 public:
  using AcquireCallback = std::function<void(LeaseAcquireOutcome)>;
  using RenewCallback = std::function<void(LeaseRenewOutcome)>;
  using ReleaseCallback = std::function<void(bool released)>;
  using ErrorCallback = Database::ErrorHandler;

  virtual ~LeaseOperations() = default;

  // Grants epoch + 1 to (node, runtime_id) for ttl if the lease is vacant,
  // expired or released (database clock); else reports the holder.
  virtual void try_acquire(std::string cluster, std::string node, std::string runtime_id,
                           std::chrono::milliseconds ttl, AcquireCallback on_done, ErrorCallback on_error) = 0;
  // Extends the lease by ttl from now (database clock), only while
  // (node, runtime_id, epoch) holds it unexpired.
  virtual void renew(std::string cluster, std::string node, std::string runtime_id, std::int64_t epoch,
                     std::chrono::milliseconds ttl, RenewCallback on_done, ErrorCallback on_error) = 0;
  // Ends our lease now (only our epoch and runtime): the standby may take it
  // at once. released is false when there was nothing of ours to release.
  virtual void release(std::string cluster, std::int64_t epoch, std::string runtime_id, ReleaseCallback on_done,
                       ErrorCallback on_error) = 0;
};

class LeaseStore : public LeaseOperations {
 public:
  // Declares the prepared statements on db (which must outlive the store).
  // statement_timeout > 0 is set on every connection of db (the lease
  // operations should never wait longer than the TTL; a renewal stuck behind
  // a lock then fails instead of hanging).
  explicit LeaseStore(Database& db, std::chrono::milliseconds statement_timeout = std::chrono::milliseconds(0));
  ~LeaseStore() override;
  LeaseStore(const LeaseStore&) = delete;
  LeaseStore& operator=(const LeaseStore&) = delete;

  void try_acquire(std::string cluster, std::string node, std::string runtime_id, std::chrono::milliseconds ttl,
                   AcquireCallback on_done, ErrorCallback on_error) override;
  void renew(std::string cluster, std::string node, std::string runtime_id, std::int64_t epoch,
             std::chrono::milliseconds ttl, RenewCallback on_done, ErrorCallback on_error) override;
  void release(std::string cluster, std::int64_t epoch, std::string runtime_id, ReleaseCallback on_done,
               ErrorCallback on_error) override;

  // The lease as an operator sees it (cluster_lease_status); nullopt when the
  // cluster has no row yet (no node ever tried to acquire).
  void read(std::string cluster, std::function<void(std::optional<LeaseInfo>)> on_done, ErrorCallback on_error);

 private:
  Database& db_;
  Database::HookId timeout_hook_ = 0;
};

}  // namespace sipedge
