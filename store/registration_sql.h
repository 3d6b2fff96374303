#pragma once
// The registration store's prepared statements (migrations/0003_registrations.sql).
// Batched statements take one array per column and unnest them, so a whole
// group-commit batch is one round trip per statement.

namespace sipedge::registration_sql {

// Every read returns these columns in this order (parse_binding() in
// registration_store.cc): times as epoch microseconds, expires_in on the
// database clock.
#define SIPEDGE_BINDING_COLUMNS                                                                     \
  "profile_name, sip_user, sip_host, contact, contact_uri, call_id, cseq, "                        \
  "(extract(epoch from expires_at) * 1000000)::bigint, "                                            \
  "greatest(0, ceil(extract(epoch from expires_at - now())))::bigint, "                             \
  "network_ip, network_port, network_transport, nat_detected, user_agent, auth_username, "          \
  "auth_realm, status, node_name, (extract(epoch from registered_at) * 1000000)::bigint"

inline constexpr const char* kLockAors = "registrations_lock_aors";
inline constexpr const char* kLoad = "registrations_load";
inline constexpr const char* kUpsert = "registrations_upsert";
inline constexpr const char* kDelete = "registrations_delete";
inline constexpr const char* kList = "registrations_list";
inline constexpr const char* kCount = "registrations_count";
inline constexpr const char* kRemove = "registrations_remove";
inline constexpr const char* kExpireDue = "registrations_expire_due";

// Serialises writers of the same AOR across nodes for the rest of the
// transaction (the CSeq rules compare against what is stored, so two nodes
// must not both decide on the same snapshot). Keys are locked in sorted order
// so two batches cannot deadlock; a hash collision only serialises two AORs.
// Also returns the transaction's now(): expiries are on the database clock.
inline constexpr const char* kLockAorsSql = R"sql(
select (extract(epoch from now()) * 1000000)::bigint, count(pg_advisory_xact_lock(k))
  from (select distinct hashtextextended(a.u || '@' || a.h, 0) as k
          from unnest($1::text[], $2::text[]) as a(u, h)
         order by 1) as keys
)sql";

// A separate statement after the locks, so its snapshot sees every commit
// made before we held them. FOR UPDATE keeps the expiry sweep (SKIP LOCKED)
// and flushes off these rows until commit.
inline constexpr const char* kLoadSql = "select " SIPEDGE_BINDING_COLUMNS R"sql(
  from registrations r
 where (r.sip_user, r.sip_host) in (select a.u, a.h from unnest($1::text[], $2::text[]) as a(u, h))
 order by r.sip_user, r.sip_host, r.contact_uri
   for update of r
)sql";

// One row per binding key (the batch plan merges repeated keys first:
// ON CONFLICT cannot touch a row twice). A refresh keeps registered_at.
inline constexpr const char* kUpsertSql = R"sql(
insert into registrations as r
       (profile_name, sip_user, sip_host, contact, contact_uri, call_id, cseq, expires_at,
        network_ip, network_port, network_transport, nat_detected, user_agent, auth_username,
        auth_realm, status, node_name, registered_at, updated_at)
select a.profile_name, a.sip_user, a.sip_host, a.contact, a.contact_uri, a.call_id, a.cseq,
       now() + a.expires * interval '1 second',
       a.network_ip, a.network_port, a.network_transport, a.nat_detected, a.user_agent, a.auth_username,
       a.auth_realm, a.status, a.node_name, now(), now()
  from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[],
              $8::integer[], $9::text[], $10::integer[], $11::text[], $12::boolean[], $13::text[],
              $14::text[], $15::text[], $16::text[], $17::text[])
       as a(profile_name, sip_user, sip_host, contact, contact_uri, call_id, cseq, expires,
            network_ip, network_port, network_transport, nat_detected, user_agent, auth_username,
            auth_realm, status, node_name)
on conflict (sip_user, sip_host, contact_uri) do update
   set profile_name      = excluded.profile_name,
       contact           = excluded.contact,
       call_id           = excluded.call_id,
       cseq              = excluded.cseq,
       expires_at        = excluded.expires_at,
       network_ip        = excluded.network_ip,
       network_port      = excluded.network_port,
       network_transport = excluded.network_transport,
       nat_detected      = excluded.nat_detected,
       user_agent        = excluded.user_agent,
       auth_username     = excluded.auth_username,
       auth_realm        = excluded.auth_realm,
       status            = excluded.status,
       node_name         = excluded.node_name,
       updated_at        = excluded.updated_at
)sql";

inline constexpr const char* kDeleteSql = R"sql(
delete from registrations r
 using unnest($1::text[], $2::text[], $3::text[]) as a(u, h, c)
 where r.sip_user = a.u and r.sip_host = a.h and r.contact_uri = a.c
)sql";

// BindingFilter: $1 profile, $2 call_id, $3 sip_user, $4 sip_host, $5 text;
// '' matches anything. text is a case-insensitive substring (no LIKE
// wildcards, so '%' and '_' in it mean themselves).
#define SIPEDGE_BINDING_FILTER                                                                     \
  " where ($1 = '' or profile_name = $1)"                                                          \
  "   and ($2 = '' or call_id = $2)"                                                               \
  "   and ($3 = '' or sip_user = $3)"                                                              \
  "   and ($4 = '' or sip_host = $4)"                                                              \
  "   and ($5 = '' or strpos(lower(call_id), lower($5)) > 0 or strpos(lower(sip_user), lower($5)) > 0" \
  "        or strpos(lower(sip_host), lower($5)) > 0 or strpos(lower(contact), lower($5)) > 0"    \
  "        or strpos(lower(user_agent), lower($5)) > 0 or strpos(lower(status), lower($5)) > 0)"

inline constexpr const char* kListSql =
    "select " SIPEDGE_BINDING_COLUMNS " from registrations" SIPEDGE_BINDING_FILTER
    " order by profile_name, sip_user, sip_host, contact_uri";

inline constexpr const char* kCountSql = "select count(*) from registrations where ($1 = '' or profile_name = $1)";

inline constexpr const char* kRemoveSql =
    "delete from registrations" SIPEDGE_BINDING_FILTER " returning " SIPEDGE_BINDING_COLUMNS;

// Exactly once across sweeping nodes: each sweeper locks the due rows no one
// else holds (SKIP LOCKED) and deletes only those; a row a registrar is
// refreshing is locked by it and skipped (and is no longer due after).
inline constexpr const char* kExpireDueSql =
    "delete from registrations"
    " where ctid = any(array(select ctid from registrations where expires_at <= now()"
    "                         order by expires_at limit $1 for update skip locked))"
    "   and expires_at <= now()"
    " returning " SIPEDGE_BINDING_COLUMNS;

#undef SIPEDGE_BINDING_FILTER
#undef SIPEDGE_BINDING_COLUMNS

}  // namespace sipedge::registration_sql
