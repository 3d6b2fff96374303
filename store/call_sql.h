#pragma once
// The call store's prepared statements (migrations/0004_calls.sql). Each
// write is one statement, so it is one implicit transaction and one round
// trip: the call and its legs are inserted together (a data-modifying CTE),
// and finish() deletes and archives in one go.
//
// Times travel as epoch microseconds (bigint): exact both ways; 0 written
// means now() on the database clock.
#include <string>

#include "store/pg_array.h"

namespace sipedge::call_sql {

inline constexpr const char* kSave = "calls_save_confirmed";
inline constexpr const char* kUpdateLeg = "calls_update_leg";
inline constexpr const char* kSetState = "calls_set_state";
inline constexpr const char* kFinish = "calls_finish";
inline constexpr const char* kList = "calls_list";
inline constexpr const char* kFind = "calls_find";
inline constexpr const char* kCount = "calls_count";
inline constexpr const char* kTakeOver = "calls_take_over";

// Parameters of each leg in kSave, in this order (call_store.cc leg_params()).
inline constexpr int kLegParams = 23;
inline constexpr int kCallParams = 10;

inline std::string param(int n) { return "$" + std::to_string(n); }

// Fencing and the cluster announcement inside each write statement (one
// round trip, one implicit transaction, as before fencing). Parameters
// (cluster, epoch, payload) are NULL without a fence. sipedge_fence() raises
// SQLSTATE SEF01 when the epoch does not hold the lease (migration 0006);
// the statement then writes nothing. It returns the epoch, which saved rows
// carry as owner_epoch. pg_notify() is transactional: the standby hears
// only committed changes.
inline std::string fence_ok(int cluster, int epoch) {
  return "(" + param(cluster) + "::text is null or sipedge_fence(" + param(cluster) + ", " + param(epoch) +
         "::bigint) > 0)";
}
inline std::string announce(int payload) {
  return "(case when " + param(payload) + "::text is not null then pg_notify('sipedge_recovery', " + param(payload) +
         ") end)";
}

inline std::string micros_to_time(int n) {
  const std::string p = param(n) + "::bigint";
  return "(case when " + p + " = 0 then now() else timestamptz 'epoch' + " + p + " * interval '1 microsecond' end)";
}

inline std::string time_to_micros(const std::string& column) {
  return "coalesce((extract(epoch from " + column + ") * 1000000)::bigint, 0)";
}

// Ordered [[name, value], ...] from two parallel text[] parameters.
inline std::string variables_json(int names, int values) {
  return "(select coalesce(jsonb_agg(jsonb_build_array(n, v) order by i), '[]'::jsonb) from unnest(" +
         param(names) + "::text[], " + param(values) + "::text[]) with ordinality as t(n, v, i))";
}

// One VALUES row of kSave for a leg whose parameters start at `first`, in
// the order of call_store.cc add_leg(). (Built one parameter per statement:
// the operands of a chain of + are evaluated in no fixed order.)
inline std::string leg_values_row(const char* leg, int first) {
  static constexpr const char* kCasts[kLegParams] = {
      "::uuid",    // uuid
      "", "", "",  // direction, profile_name, state
      "", "", "",  // call_id, local_uri, local_tag
      "", "",      // remote_uri, remote_tag
      "::bigint", "::bigint",        // local_cseq, remote_cseq
      "", "::text[]", "",            // remote_target, route_set, contact
      "", "", "::integer",           // transport, network_ip, network_port
      "", "",                        // local_sdp, remote_sdp
      nullptr, nullptr,              // variable names, values: one jsonb value
      nullptr, nullptr,              // created_at, answered_at
  };
  std::string row = "(";
  for (int i = 0; i < kLegParams; ++i) {
    const int n = first + i;
    if (i == 1) row += std::string("'") + leg + "', ";
    if (i == 19) {
      row += variables_json(n, n + 1) + ", ";
      ++i;
    } else if (i >= 21) {
      row += micros_to_time(n) + (i + 1 < kLegParams ? ", " : "");
    } else {
      row += param(n) + kCasts[i] + ", ";
    }
  }
  return row + ")";
}

// $1 uuid, $2 node_name, $3 owner_epoch, $4 profile_name, $5 caller_id_name,
// $6 caller_id_number, $7 destination_number, $8 created_at, $9 answered_at,
// $10 cluster_name; then kLegParams for the A leg and kLegParams for the B
// leg; then the fence: cluster, epoch, announcement payload (kSaveFenceParam).
inline constexpr int kSaveFenceParam = kCallParams + 2 * kLegParams + 1;

inline std::string save_sql() {
  const int f = kSaveFenceParam;
  return R"sql(
with c as (
  insert into active_calls (uuid, node_name, owner_epoch, profile_name, state, caller_id_name, caller_id_number,
                            destination_number, created_at, answered_at, updated_at, cluster_name)
  values ($1::uuid, $2, case when )sql" + param(f) + "::text is null then $3::bigint else sipedge_fence(" + param(f) +
         ", " + param(f + 1) + R"sql(::bigint) end, $4, 'confirmed', $5, $6, $7, )sql" +
         micros_to_time(8) + ", " + micros_to_time(9) + R"sql(, now(), $10)
  returning uuid)
insert into call_legs (uuid, call_uuid, leg, direction, profile_name, state, call_id, local_uri, local_tag,
                       remote_uri, remote_tag, local_cseq, remote_cseq, remote_target, route_set, contact,
                       transport, network_ip, network_port, local_sdp, remote_sdp, variables, created_at,
                       answered_at, updated_at)
select l.uuid, c.uuid, l.leg, l.direction, l.profile_name, l.state, l.call_id, l.local_uri, l.local_tag,
       l.remote_uri, l.remote_tag, l.local_cseq, l.remote_cseq, l.remote_target, l.route_set, l.contact,
       l.transport, l.network_ip, l.network_port, l.local_sdp, l.remote_sdp, l.variables, l.created_at,
       l.answered_at, now()
  from c, (values )sql" +
         leg_values_row("a", kCallParams + 1) + ",\n                 " +
         leg_values_row("b", kCallParams + kLegParams + 1) + R"sql()
       as l(uuid, leg, direction, profile_name, state, call_id, local_uri, local_tag, remote_uri, remote_tag,
            local_cseq, remote_cseq, remote_target, route_set, contact, transport, network_ip, network_port,
            local_sdp, remote_sdp, variables, created_at, answered_at)
returning )sql" + announce(f + 2) + R"sql(
)sql";
}

// The hot path: before every in-dialog request with a new CSeq. One row, no
// indexed column changes (HOT). NULL parameters keep the stored value; the
// CSeqs only go up. $8/$9 are the variables' names/values, NULL to keep them.
// Future fencing adds "and <lease check>" here without a schema change.
inline std::string update_leg_sql() {
  return R"sql(
update call_legs
   set local_cseq    = greatest(local_cseq, coalesce($2::bigint, local_cseq)),
       remote_cseq   = greatest(remote_cseq, coalesce($3::bigint, remote_cseq)),
       local_sdp     = coalesce($4, local_sdp),
       remote_sdp    = coalesce($5, remote_sdp),
       remote_target = coalesce($6, remote_target),
       route_set     = coalesce($7::text[], route_set),
       variables     = case when $8::text[] is null then variables else )sql" +
         variables_json(8, 9) + R"sql( end,
       state         = coalesce($10, state),
       updated_at    = now()
 where uuid = $1::uuid and )sql" + fence_ok(11, 12) + R"sql(
returning )sql" + announce(13) + R"sql(
)sql";
}

// The call and both legs; returns how many calls changed (0 or 1).
// $3, $4 fence, $5 announcement payload.
inline std::string set_state_sql() {
  return R"sql(
with c as (update active_calls set state = $2, updated_at = now()
            where uuid = $1::uuid and )sql" + fence_ok(3, 4) + R"sql( returning uuid, )sql" + announce(5) + R"sql(),
     l as (update call_legs set state = $2, updated_at = now() where call_uuid in (select uuid from c) returning 1)
select (select count(*) from c), (select count(*) from l)
)sql";
}

// Deletes the legs and the call and archives the summary, in one statement.
// Durations are whole seconds on the database clock for ended_at.
// $3, $4 fence, $5 announcement payload.
inline std::string finish_sql() {
  return R"sql(
with c as (delete from active_calls where uuid = $1::uuid and )sql" + fence_ok(3, 4) + R"sql( returning *),
     legs as (delete from call_legs where call_uuid in (select uuid from c) returning *)
insert into call_history (uuid, node_name, profile_name, a_leg_uuid, b_leg_uuid, a_call_id, b_call_id,
                          caller_id_name, caller_id_number, destination_number, caller_uri, callee_uri,
                          created_at, answered_at, ended_at, hangup_cause, duration, billsec)
select c.uuid, c.node_name, c.profile_name, a.uuid, b.uuid, a.call_id, b.call_id,
       c.caller_id_name, c.caller_id_number, c.destination_number, a.remote_uri, b.remote_uri,
       c.created_at, c.answered_at, now(), $2,
       greatest(0, floor(extract(epoch from now() - c.created_at)))::integer,
       case when c.answered_at is null then 0
            else greatest(0, floor(extract(epoch from now() - c.answered_at)))::integer end
  from c
  left join legs a on a.leg = 'a'
  left join legs b on b.leg = 'b'
returning uuid::text, node_name, profile_name, coalesce(a_leg_uuid::text, ''), coalesce(b_leg_uuid::text, ''),
          coalesce(a_call_id, ''), coalesce(b_call_id, ''), caller_id_name, caller_id_number, destination_number,
          coalesce(caller_uri, ''), coalesce(callee_uri, ''),
          coalesce((extract(epoch from created_at) * 1000000)::bigint, 0),
          coalesce((extract(epoch from answered_at) * 1000000)::bigint, 0),
          coalesce((extract(epoch from ended_at) * 1000000)::bigint, 0),
          hangup_cause, duration, billsec, )sql" + announce(5) + R"sql(
)sql";
}

// Text arrays and the variables come back as netstrings (pg_array.h):
// libpqxx 6.4's array_parser splits unquoted elements at ';' (and PostgreSQL
// does not quote ';'), which would cut "<sip:p;lr>" in two.

// Every read returns these columns (call_store.cc parse_call()): the call's
// 11, then kLegColumns for the A leg and for the B leg.
inline constexpr int kCallColumns = 11;
inline constexpr int kLegColumns = 24;

inline std::string leg_columns(const std::string& l) {
  return l + ".uuid::text, " + l + ".direction, " + l + ".profile_name, " + l + ".state, " + l + ".call_id, " + l +
         ".local_uri, " + l + ".local_tag, " + l + ".remote_uri, " + l + ".remote_tag, " + l + ".local_cseq, " + l +
         ".remote_cseq, " + l + ".remote_target, " + netstrings_of_text_array(l + ".route_set") + ", " + l +
         ".contact, " + l + ".transport, " + l + ".network_ip, " + l + ".network_port, " + l + ".local_sdp, " + l +
         ".remote_sdp, " + netstrings_of_pairs(l + ".variables") + ", " + time_to_micros(l + ".created_at") +
         ", " + time_to_micros(l + ".answered_at") + ", " + time_to_micros(l + ".updated_at") + ", " + l +
         ".call_uuid::text";
}

inline std::string select_calls() {
  return "select c.uuid::text, c.node_name, c.owner_epoch, c.profile_name, c.state, c.caller_id_name, "
         "c.caller_id_number, c.destination_number, " +
         time_to_micros("c.created_at") + ", " + time_to_micros("c.answered_at") + ", " +
         time_to_micros("c.updated_at") + ", " + leg_columns("a") + ", " + leg_columns("b") +
         " from active_calls c"
         " join call_legs a on a.call_uuid = c.uuid and a.leg = 'a'"
         " join call_legs b on b.call_uuid = c.uuid and b.leg = 'b'";
}

// $1 profile_name, $2 node_name, $3 state, $4 cluster_name; '' matches anything.
inline std::string list_sql() {
  return select_calls() +
         " where ($1 = '' or c.profile_name = $1) and ($2 = '' or c.node_name = $2) and ($3 = '' or c.state = $3)"
         " and ($4 = '' or c.cluster_name = $4)"
         " order by c.created_at, c.uuid";
}

inline std::string find_sql() { return select_calls() + " where c.uuid = $1::uuid"; }

inline constexpr const char* kCountSql = "select count(*) from active_calls where ($1 = '' or node_name = $1)";

// Recovery takes the calls over: owner node and epoch of the given calls, and
// the CSeq safety margin the rebuilt legs use, stored for all of them at once.
// $1 node_name, $2 owner_epoch, $3 uuids (text[]), $4, $5 fence, $6 margin.
inline std::string take_over_sql() {
  return "with c as (update active_calls set node_name = $1, owner_epoch = $2::bigint, updated_at = now()"
         " where uuid = any($3::uuid[]) and " + fence_ok(4, 5) + " returning uuid)"
         " update call_legs set local_cseq = least(local_cseq + $6::bigint, 4294967295), updated_at = now()"
         " where call_uuid in (select uuid from c)";
}

}  // namespace sipedge::call_sql
