#pragma once
// The fencing token of a node's writes (migrations/0006_cluster_leases.sql,
// docs/cluster.md): the cluster and the epoch this node holds the lease
// with. Every state-changing write of the stores runs sipedge_fence(cluster,
// epoch) in its own transaction, so a write of a node that lost the lease
// (paused, partitioned, demoted) fails instead of landing after a takeover.
// Epoch 0 = no lease held: every fenced write fails.
//
// Threads: set_epoch() from any thread (the lease keeper); check() on a
// Database worker inside its transaction.
#include <atomic>
#include <cstdint>
#include <stdexcept>
#include <string>

#include <pqxx/transaction_base>

namespace sipedge {

// A write refused by the fence (SQLSTATE SEF01, or no epoch held at all).
class FencedWrite : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class WriteFence {
 public:
  explicit WriteFence(std::string cluster) : cluster_(std::move(cluster)) {}

  const std::string& cluster() const { return cluster_; }
  std::int64_t epoch() const { return epoch_.load(); }
  void set_epoch(std::int64_t epoch) { epoch_.store(epoch); }

  // Inside the write's transaction: returns the epoch the write carries, or
  // throws FencedWrite when this node does not hold the lease with it.
  std::int64_t check(pqxx::transaction_base& txn) const;

 private:
  std::string cluster_;
  std::atomic<std::int64_t> epoch_{0};
};

}  // namespace sipedge
