#pragma once
// The registrar's rules for one group-commit batch, without SQL: given the
// bindings stored for the batch's AORs (locked) and the database clock, decide
// each change's outcome in queue order and the net rows to write. The store
// then writes the net result with two multi-row statements, so N REGISTERs
// cost a handful of round trips instead of N times several.
#include <compare>
#include <string>
#include <vector>

#include "store/registration_store.h"

namespace sipedge {

struct BindingKey {
  std::string sip_user, sip_host, contact_uri;
  auto operator<=>(const BindingKey&) const = default;
};

struct BatchChange {
  const RegisterChange* change = nullptr;
  bool authorized = false;  // directory look-up and verify() passed (or no auth asked)
};

struct BatchPlan {
  // One per BatchChange, same order: result, bindings (current, unexpired,
  // ordered by contact_uri, expires_in from db_now) and removed. user unset.
  std::vector<RegisterOutcome> outcomes;
  // Final value of every binding written by the batch, one per key;
  // expires_in = seconds granted (expires_at = db_now + expires_in).
  std::vector<Binding> upserts;
  // Stored bindings that no longer exist once the batch is applied.
  std::vector<BindingKey> deletes;
};

// stored: every row of the batch's AORs as locked in the transaction
// (expired ones included: they are still rows until swept).
BatchPlan plan_registration_batch(const std::vector<BatchChange>& changes, const std::vector<Binding>& stored,
                                  SystemTime db_now);

// Whole seconds until expires_at, rounded up, 0 once due.
std::int64_t seconds_left(SystemTime expires_at, SystemTime now);

}  // namespace sipedge
