-- Calls of the signalling B2BUA, kept for recovery: one row per call in
-- active_calls and one per leg (dialog) in call_legs, holding every field
-- nta_leg_tcreate needs to rebuild the dialog on another node (Call-ID,
-- local/remote URI and tag, both CSeqs, remote target, route set) plus the
-- transport and the peer's address (a standby on the VIP cannot reuse the
-- dead node's TCP connection or NAT binding), our Contact, the current SDP
-- offer/answer and the channel variables. Written through
-- store/call_store.cc: when the call is confirmed (before the 200 OK is
-- relayed to the caller), on every SDP change, before every in-dialog request
-- with a new CSeq. When the call ends its rows are deleted and one summary
-- row goes to call_history, in the same statement.
--
-- FreeSWITCH's core-db names (channels, calls, detailed_calls) are views at
-- the end, so operators' existing queries keep working.

create table active_calls (
    uuid               uuid        primary key,
    node_name          text        not null,            -- switchname of the node that owns the call
    -- The owner's fencing epoch (HA issue): every state-changing write will
    -- carry the writer's epoch and add a lease check to its WHERE clause;
    -- a takeover sets node_name and owner_epoch in the same statement.
    owner_epoch        bigint      not null default 0,
    profile_name       text        not null,            -- profile of the inbound (A) leg
    state              text        not null check (state in ('early', 'confirmed', 'terminating')),
    caller_id_name     text        not null default '',
    caller_id_number   text        not null default '',
    destination_number text        not null default '',
    created_at         timestamptz not null,            -- the INVITE arrived (node clock)
    answered_at        timestamptz,                     -- confirmed (node clock); null while early
    updated_at         timestamptz not null default now()  -- last write (database clock)
);

create index active_calls_node_idx on active_calls (node_name);        -- count per node, takeover
create index active_calls_profile_idx on active_calls (profile_name);  -- recovery per profile

comment on table active_calls is
    'Calls up now, one row per call (B2BUA: an A and a B leg in call_legs). Owner: the node named in '
    'node_name writes, updates and deletes the row (store/call_store.cc); another node only reads it, '
    'and after the HA issue takes it over by setting node_name and owner_epoch. Rows leave when the call '
    'ends (a summary goes to call_history). sofia recover flush deletes them by hand.';
comment on column active_calls.owner_epoch is
    'Fencing epoch of the owner at its last write; 0 until leases exist. Writes will be fenced on it.';
comment on column active_calls.state is
    'early | confirmed | terminating. Only confirmed calls are recovered.';

-- fillfactor: leg rows are rewritten on every CSeq/SDP change; free space
-- on the page keeps those updates HOT (no index touched, no new index entry),
-- which holds as long as no index covers a column that changes.
create table call_legs (
    uuid          uuid        primary key,
    call_uuid     uuid        not null references active_calls (uuid) on delete cascade,
    leg           char(1)     not null check (leg in ('a', 'b')),  -- a = towards the caller
    direction     text        not null check (direction in ('inbound', 'outbound')),
    profile_name  text        not null,               -- profile (nta agent) the leg lives on
    state         text        not null check (state in ('early', 'confirmed', 'terminating')),
    -- The dialog, as nta_leg_tcreate takes it back (docs/sql.md "Calls").
    call_id       text        not null,
    local_uri     text        not null,               -- our side: From of our requests, without tag
    local_tag     text        not null,
    remote_uri    text        not null,               -- the peer: To of our requests, without tag
    remote_tag    text        not null,
    local_cseq    bigint      not null check (local_cseq between 0 and 4294967295),
    remote_cseq   bigint      not null check (remote_cseq between 0 and 4294967295),
    remote_target text        not null,               -- the peer's Contact URI (Request-URI of our requests)
    route_set     text[]      not null default '{}',  -- in the order nta sends Route headers
    contact       text        not null,               -- our Contact on this leg
    transport     text        not null,               -- udp | tcp | tls | ws | wss
    network_ip    text        not null,               -- the peer's address as seen (next hop after failover)
    network_port  integer     not null check (network_port between 0 and 65535),
    local_sdp     text        not null default '',    -- current offer/answer we sent
    remote_sdp    text        not null default '',    -- current offer/answer the peer sent
    -- [[name, value], ...] in order, as directory_users.variables: jsonb
    -- objects do not keep key order and channel variables are set in order.
    variables     jsonb       not null default '[]' check (jsonb_typeof(variables) = 'array'),
    created_at    timestamptz not null,               -- node clock
    answered_at   timestamptz,                        -- node clock
    updated_at    timestamptz not null default now(), -- database clock
    constraint call_legs_one_per_side unique (call_uuid, leg)
) with (fillfactor = 80);

create index call_legs_call_id_idx on call_legs (call_id);  -- find a call by a SIP trace's Call-ID

comment on table call_legs is
    'The two dialogs of each active call, with every field needed to rebuild them (nta_leg_tcreate). '
    'Owner: the node that owns the call (active_calls.node_name); rows go with their call (on delete cascade).';
comment on column call_legs.local_cseq is
    'Highest CSeq we used or are about to use on this dialog: written before the request leaves, never lowered.';
comment on column call_legs.remote_cseq is
    'Highest CSeq the peer used; a rebuilt leg rejects lower ones (500), so it is never lowered.';
comment on column call_legs.route_set is
    'Route set as nta has it once the dialog is confirmed (nta_leg_get_route order); give it back to '
    'nta_leg_server_route with remote_target, never as SIPTAG_ROUTE.';

create table call_history (
    uuid               uuid        primary key,
    node_name          text        not null,   -- owner when the call ended
    profile_name       text        not null,
    a_leg_uuid         uuid,
    b_leg_uuid         uuid,
    a_call_id          text,
    b_call_id          text,
    caller_id_name     text        not null,
    caller_id_number   text        not null,
    destination_number text        not null,
    caller_uri         text,                    -- the caller as the A leg's remote URI
    callee_uri         text,                    -- the callee as the B leg's remote URI
    created_at         timestamptz not null,
    answered_at        timestamptz,
    ended_at           timestamptz not null default now(),
    hangup_cause       text        not null,    -- FreeSWITCH cause name (NORMAL_CLEARING, ...)
    duration           integer     not null,    -- whole seconds, created_at .. ended_at (FreeSWITCH duration)
    billsec            integer     not null     -- whole seconds, answered_at .. ended_at (0 if never answered)
);

create index call_history_ended_at_idx on call_history (ended_at);  -- recent calls, pruning

comment on table call_history is
    'One summary row per ended call, inserted in the statement that deletes the call. Owner: operators '
    'prune it (nodes only insert); it is not a CDR replacement: no variables, no SDP.';

-- ---------------------------------------------------------------------------
-- FreeSWITCH core-db tables as read-only views (switch_core_sqldb.c column
-- names and order). channels: one row per leg; calls: one row per bridged
-- call; detailed_calls: channels of A and B side by side. Values sipedge does
-- not track (codecs, application, ...) are '' as in a fresh FreeSWITCH row.

create view channels as
select l.uuid::varchar(256)                                                      as uuid,
       l.direction::varchar(32)                                                  as direction,
       to_char(l.created_at, 'YYYY-MM-DD HH24:MI:SS')::varchar(128)             as created,
       floor(extract(epoch from l.created_at))::integer                          as created_epoch,
       ('sofia/' || l.profile_name || '/'
         || regexp_replace(regexp_replace(l.remote_uri, '^[^<]*<|>.*$', '', 'g'), '^sips?:|;.*$', '', 'g')
       )::varchar(1024)                                                          as name,
       (case c.state when 'early' then 'CS_CONSUME_MEDIA'
                     when 'confirmed' then 'CS_EXCHANGE_MEDIA'
                     else 'CS_HANGUP' end)::varchar(64)                          as state,
       c.caller_id_name::varchar(1024)                                           as cid_name,
       c.caller_id_number::varchar(256)                                          as cid_num,
       l.network_ip::varchar(256)                                                as ip_addr,
       c.destination_number::varchar(1024)                                       as dest,
       ''::varchar(128)                                                          as application,
       ''::varchar(4096)                                                         as application_data,
       ''::varchar(128)                                                          as dialplan,
       ''::varchar(128)                                                          as context,
       ''::varchar(128)                                                          as read_codec,
       ''::varchar(32)                                                           as read_rate,
       ''::varchar(32)                                                           as read_bit_rate,
       ''::varchar(128)                                                          as write_codec,
       ''::varchar(32)                                                           as write_rate,
       ''::varchar(32)                                                           as write_bit_rate,
       (case when l.transport in ('tls', 'wss') then 'tls' else '' end)::varchar(64) as secure,
       c.node_name::varchar(256)                                                 as hostname,
       ''::varchar(4096)                                                         as presence_id,
       ''::varchar(4096)                                                         as presence_data,
       ''::varchar(256)                                                          as accountcode,
       (case l.state when 'early' then 'EARLY'
                     when 'confirmed' then 'ACTIVE'
                     else 'HANGUP' end)::varchar(64)                             as callstate,
       c.destination_number::varchar(1024)                                       as callee_name,
       c.destination_number::varchar(256)                                        as callee_num,
       (case l.direction when 'inbound' then 'SEND' else 'RECV' end)::varchar(5) as callee_direction,
       c.uuid::varchar(256)                                                      as call_uuid,
       ''::varchar(1024)                                                         as sent_callee_name,
       ''::varchar(256)                                                          as sent_callee_num,
       c.caller_id_name::varchar(1024)                                           as initial_cid_name,
       c.caller_id_number::varchar(256)                                          as initial_cid_num,
       l.network_ip::varchar(256)                                                as initial_ip_addr,
       c.destination_number::varchar(1024)                                       as initial_dest,
       ''::varchar(128)                                                          as initial_dialplan,
       ''::varchar(128)                                                          as initial_context
  from call_legs l
  join active_calls c on c.uuid = l.call_uuid;

comment on view channels is
    'FreeSWITCH-compatible, read-only: one row per leg of an active call (core db channels columns). '
    'hostname = node_name, call_uuid = active_calls.uuid, callstate EARLY/ACTIVE/HANGUP from the leg state.';

create view calls as
select c.uuid::varchar(255)                                          as call_uuid,
       to_char(c.created_at, 'YYYY-MM-DD HH24:MI:SS')::varchar(128) as call_created,
       floor(extract(epoch from c.created_at))::integer              as call_created_epoch,
       a.uuid::varchar(255)                                          as caller_uuid,
       b.uuid::varchar(255)                                          as callee_uuid,
       c.node_name::varchar(255)                                     as hostname
  from active_calls c
  left join call_legs a on a.call_uuid = c.uuid and a.leg = 'a'
  left join call_legs b on b.call_uuid = c.uuid and b.leg = 'b';

comment on view calls is
    'FreeSWITCH-compatible, read-only: one row per active call (core db calls columns); hostname = node_name.';

-- Both legs of each call side by side: A's channel columns, then B's with a
-- b_ prefix (FreeSWITCH's detailed_calls). A leg without a bridged partner
-- still shows, with nulls for b_*.
create view detailed_calls as
select a.uuid,
       a.direction,
       a.created,
       a.created_epoch,
       a.name,
       a.state,
       a.cid_name,
       a.cid_num,
       a.ip_addr,
       a.dest,
       a.application,
       a.application_data,
       a.dialplan,
       a.context,
       a.read_codec,
       a.read_rate,
       a.read_bit_rate,
       a.write_codec,
       a.write_rate,
       a.write_bit_rate,
       a.secure,
       a.hostname,
       a.presence_id,
       a.presence_data,
       a.accountcode,
       a.callstate,
       a.callee_name,
       a.callee_num,
       a.callee_direction,
       a.call_uuid,
       a.sent_callee_name,
       a.sent_callee_num,
       a.initial_cid_name,
       a.initial_cid_num,
       a.initial_ip_addr,
       a.initial_dest,
       a.initial_dialplan,
       a.initial_context,
       b.uuid as b_uuid,
       b.direction as b_direction,
       b.created as b_created,
       b.created_epoch as b_created_epoch,
       b.name as b_name,
       b.state as b_state,
       b.cid_name as b_cid_name,
       b.cid_num as b_cid_num,
       b.ip_addr as b_ip_addr,
       b.dest as b_dest,
       b.application as b_application,
       b.application_data as b_application_data,
       b.dialplan as b_dialplan,
       b.context as b_context,
       b.read_codec as b_read_codec,
       b.read_rate as b_read_rate,
       b.read_bit_rate as b_read_bit_rate,
       b.write_codec as b_write_codec,
       b.write_rate as b_write_rate,
       b.write_bit_rate as b_write_bit_rate,
       b.secure as b_secure,
       b.hostname as b_hostname,
       b.presence_id as b_presence_id,
       b.presence_data as b_presence_data,
       b.accountcode as b_accountcode,
       b.callstate as b_callstate,
       b.callee_name as b_callee_name,
       b.callee_num as b_callee_num,
       b.callee_direction as b_callee_direction,
       b.call_uuid as b_call_uuid,
       b.sent_callee_name as b_sent_callee_name,
       b.sent_callee_num as b_sent_callee_num,
       b.initial_cid_name as b_initial_cid_name,
       b.initial_cid_num as b_initial_cid_num,
       b.initial_ip_addr as b_initial_ip_addr,
       b.initial_dest as b_initial_dest,
       b.initial_dialplan as b_initial_dialplan,
       b.initial_context as b_initial_context
  from channels a
  left join calls c on c.caller_uuid = a.uuid
  left join channels b on b.uuid = c.callee_uuid
 where c.caller_uuid is not null or a.uuid not in (select callee_uuid from calls where callee_uuid is not null);

comment on view detailed_calls is
    'FreeSWITCH-compatible, read-only: one row per call, the A channel''s columns then the B channel''s as b_*.';
