#pragma once
// The lease store's prepared statements. Each is one call of a function of
// migrations/0006_cluster_leases.sql (where the locking argument is), so
// each lease operation is one statement, one implicit transaction, one round
// trip.
namespace sipedge::lease_sql {

inline constexpr const char* kAcquire = "lease_acquire";
inline constexpr const char* kRenew = "lease_renew";
inline constexpr const char* kRelease = "lease_release";
inline constexpr const char* kRead = "lease_read";

// $1 cluster, $2 node, $3 runtime id, $4 TTL ms.
inline constexpr const char* kAcquireSql = R"sql(
select acquired, epoch, coalesce(holder_node, ''), coalesce(holder_runtime_id::text, ''), expires_in_ms,
       coalesce(previous_node, ''), previous_released
  from sipedge_lease_acquire($1, $2, $3::uuid, $4::integer)
)sql";

// $1 cluster, $2 node, $3 runtime id, $4 epoch, $5 TTL ms.
inline constexpr const char* kRenewSql = R"sql(
select renewed, epoch, coalesce(holder_node, ''), expires_in_ms
  from sipedge_lease_renew($1, $2, $3::uuid, $4::bigint, $5::integer)
)sql";

// $1 cluster, $2 epoch, $3 runtime id.
inline constexpr const char* kReleaseSql = R"sql(
select sipedge_lease_release($1, $2::bigint, $3::uuid)
)sql";

// $1 cluster. No lock: a plain read of the view.
inline constexpr const char* kReadSql = R"sql(
select state, coalesce(active_node, ''), epoch, coalesce(holder_node, ''), coalesce(holder_runtime_id::text, ''),
       expires_in_ms, coalesce(previous_node, ''), previous_released
  from cluster_lease_status
 where cluster_name = $1
)sql";

}  // namespace sipedge::lease_sql
