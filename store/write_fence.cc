#include "store/write_fence.h"

#include <pqxx/pqxx>

#include "store/lease_store.h"

namespace sipedge {

std::int64_t WriteFence::check(pqxx::transaction_base& txn) const {
  const std::int64_t epoch = epoch_.load();
  if (epoch <= 0) throw FencedWrite("fenced: this node holds no lease of cluster " + cluster_);
  try {
    txn.exec_params("select sipedge_fence($1, $2)", cluster_, static_cast<long long>(epoch));
  } catch (const pqxx::sql_error& e) {
    if (e.sqlstate() == kFenceSqlState)
      throw FencedWrite("fenced: epoch " + std::to_string(epoch) + " no longer holds the lease of cluster " + cluster_);
    throw;
  }
  return epoch;
}

}  // namespace sipedge
