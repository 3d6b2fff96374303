#pragma once
// The gateway store's prepared statements (migrations/0005_gateways.sql).
// save() is one INSERT ... ON CONFLICT DO UPDATE: one statement, one implicit
// transaction, one round trip.
//
// Times travel as epoch microseconds (bigint), exact both ways; NULL is "no
// time" (expires_at / last_ping_at null).

namespace sipedge::gateway_sql {

inline constexpr const char* kSave = "gateways_save";
inline constexpr const char* kRemove = "gateways_remove";
inline constexpr const char* kFind = "gateways_find";
inline constexpr const char* kList = "gateways_list";

#define SIPEDGE_MICROS_TO_TIME(p) "(timestamptz 'epoch' + " p "::bigint * interval '1 microsecond')"
#define SIPEDGE_TIME_TO_MICROS(c) "(extract(epoch from " c ") * 1000000)::bigint"

// $1 cluster_name, $2 profile_name, $3 gateway_name, $4 node_name,
// $5 owner_epoch, $6 state, $7 status, $8 register_call_id, $9 register_cseq,
// $10 register_contact, $11 expires_at (micros or NULL), $12 failures,
// $13 ping_count, $14 last_ping_at (micros or NULL), $15 last_ping_status,
// $16 last_response_code, $17 last_response_phrase, $18 register_network_ip,
// $19 register_network_port (gateway_store.cc save_params()).
//
// register_cseq only goes up while the Call-ID stays (a REGISTER must never
// reuse a CSeq of its registration, even if a late write carries an older
// one); a new Call-ID is a new registration and starts its own CSeq space.
// In SET, g.* are the row's values before this update, whatever the order.
// Fencing (HA issue) will add "where g.owner_epoch <= excluded.owner_epoch"
// to the DO UPDATE: a fenced save then touches no row.
inline constexpr const char* kSaveSql = R"sql(
insert into gateways as g
       (cluster_name, profile_name, gateway_name, node_name, owner_epoch, state, status, register_call_id,
        register_cseq, register_contact, expires_at, failures, ping_count, last_ping_at, last_ping_status,
        last_response_code, last_response_phrase, register_network_ip, register_network_port, updated_at)
values ($1, $2, $3, $4, $5::bigint, $6, $7, $8, $9::bigint, $10, )sql" SIPEDGE_MICROS_TO_TIME("$11") R"sql(,
        $12::integer, $13::integer, )sql" SIPEDGE_MICROS_TO_TIME("$14") R"sql(, $15::integer, $16::integer, $17, $18,
        $19::integer, now())
on conflict (cluster_name, profile_name, gateway_name) do update
   set node_name             = excluded.node_name,
       owner_epoch           = excluded.owner_epoch,
       state                 = excluded.state,
       status                = excluded.status,
       register_cseq         = case when g.register_call_id = excluded.register_call_id
                                    then greatest(g.register_cseq, excluded.register_cseq)
                                    else excluded.register_cseq end,
       register_call_id      = excluded.register_call_id,
       register_contact      = excluded.register_contact,
       expires_at            = excluded.expires_at,
       failures              = excluded.failures,
       ping_count            = excluded.ping_count,
       last_ping_at          = excluded.last_ping_at,
       last_ping_status      = excluded.last_ping_status,
       last_response_code    = excluded.last_response_code,
       last_response_phrase  = excluded.last_response_phrase,
       register_network_ip   = excluded.register_network_ip,
       register_network_port = excluded.register_network_port,
       updated_at            = now()
)sql";

inline constexpr const char* kRemoveSql =
    "delete from gateways where cluster_name = $1 and profile_name = $2 and gateway_name = $3";

// Every read returns these columns in this order (gateway_store.cc
// parse_gateway()); the three times are NULL when unset.
#define SIPEDGE_GATEWAY_COLUMNS                                                                              \
  "select cluster_name, profile_name, gateway_name, node_name, owner_epoch, state, status, register_call_id, " \
  "register_cseq, register_contact, " SIPEDGE_TIME_TO_MICROS("expires_at") ", failures, ping_count, "           \
  SIPEDGE_TIME_TO_MICROS("last_ping_at") ", last_ping_status, last_response_code, last_response_phrase, "      \
  "register_network_ip, register_network_port, " SIPEDGE_TIME_TO_MICROS("updated_at") " from gateways"

inline constexpr const char* kFindSql =
    SIPEDGE_GATEWAY_COLUMNS " where cluster_name = $1 and profile_name = $2 and gateway_name = $3";

// $2 = '' lists every profile of the cluster.
inline constexpr const char* kListSql =
    SIPEDGE_GATEWAY_COLUMNS " where cluster_name = $1 and ($2 = '' or profile_name = $2)"
                            " order by profile_name, gateway_name";

#undef SIPEDGE_GATEWAY_COLUMNS
#undef SIPEDGE_TIME_TO_MICROS
#undef SIPEDGE_MICROS_TO_TIME

}  // namespace sipedge::gateway_sql
