-- Upstream gateways (mod_sofia <gateway>s): the runtime state of each one,
-- one row per (cluster, profile, gateway), written through
-- store/gateway_store.cc on every state transition of its registration and
-- ping machine. A node that takes a gateway over reads the row and carries
-- on the same registration: same Call-ID, CSeq + 1, no un-REGISTER first.
-- The configuration (realm, username, proxy, ...) stays in the sofia profile
-- XML; only what changes at run time is here.
--
-- FreeSWITCH keeps gateways in memory only; the sip_gateways view at the end
-- shows them the way `sofia status gateway` does.

create table gateways (
    cluster_name          text        not null default 'default' check (cluster_name <> ''),
    profile_name          text        not null check (profile_name <> ''),  -- sofia profile it belongs to
    gateway_name          text        not null check (gateway_name <> ''),  -- <gateway name="...">
    node_name             text        not null,            -- switchname of the node that runs it now
    -- The owner's fencing epoch (HA issue), as active_calls.owner_epoch:
    -- writes will carry it and a takeover sets node_name and owner_epoch together.
    owner_epoch           bigint      not null default 0,
    -- mod_sofia's reg_state names (sofia_reg.c sofia_state_names).
    state                 text        not null
        constraint gateways_state_check
        check (state in ('UNREGED', 'TRYING', 'REGISTER', 'REGED', 'UNREGISTER', 'FAILED', 'FAIL_WAIT',
                         'EXPIRED', 'NOREG', 'DOWN', 'TIMEOUT')),
    -- Reachability from the OPTIONS pings (mod_sofia gateway status).
    status                text        not null
        constraint gateways_status_check check (status in ('UP', 'DOWN')),
    register_call_id      text        not null default '',  -- Call-ID of every REGISTER of this registration
    register_cseq         bigint      not null default 0
        constraint gateways_register_cseq_check check (register_cseq between 0 and 4294967295),
    register_contact      text        not null default '',  -- our Contact as registered
    expires_at            timestamptz,                      -- the registration runs out (granted expiry); null = none
    failures              integer     not null default 0 check (failures >= 0),  -- consecutive failed registrations
    ping_count            integer     not null default 0,   -- mod_sofia ping_count (between ping-min and ping-max)
    last_ping_at          timestamptz,                      -- last OPTIONS reply (or timeout); null = never pinged
    last_ping_status      integer     not null default 0 check (last_ping_status between 0 and 699),
    last_response_code    integer     not null default 0 check (last_response_code between 0 and 699),
    last_response_phrase  text        not null default '',
    register_network_ip   text        not null default '',  -- where the REGISTERs went (Register-Network-IP)
    register_network_port integer     not null default 0 check (register_network_port between 0 and 65535),
    updated_at            timestamptz not null default now(),  -- last write (database clock)
    primary key (cluster_name, profile_name, gateway_name)
);

-- The primary key serves every look-up (one gateway; a cluster's gateways,
-- of one profile or all). The table holds a few rows per configured gateway:
-- operators' queries on state, node or expiry scan it.

comment on table gateways is
    'Runtime state of upstream gateways, one row per (cluster_name, profile_name, gateway_name). Owner: the '
    'node named in node_name upserts the row on every state transition (store/gateway_store.cc) and deletes '
    'it when the gateway leaves the configuration (killgw); a node taking the gateway over sets node_name '
    'and owner_epoch and continues the registration (same Call-ID, CSeq + 1). Read FreeSWITCH-style through '
    'the sip_gateways view.';
comment on column gateways.cluster_name is
    'Cluster the gateway belongs to: nodes of one cluster share their gateways, one node runs each.';
comment on column gateways.node_name is
    'switchname of the node that runs the gateway (sends its REGISTERs and OPTIONS) now.';
comment on column gateways.owner_epoch is
    'Fencing epoch of the owner at its last write; 0 until leases exist. Writes will be fenced on it.';
comment on column gateways.state is
    'Registration state, mod_sofia names: UNREGED TRYING REGISTER REGED UNREGISTER FAILED FAIL_WAIT EXPIRED '
    'NOREG DOWN TIMEOUT. NOREG = register="false" (ping only).';
comment on column gateways.status is
    'UP or DOWN from the OPTIONS pings (ping_count against ping-min/ping-max), as sofia status gateway.';
comment on column gateways.register_call_id is
    'Call-ID every REGISTER (and the un-REGISTER) of the current registration uses; a new one starts a new '
    'CSeq space.';
comment on column gateways.register_cseq is
    'Highest CSeq sent with register_call_id; the next REGISTER uses + 1. Never lowered while the Call-ID '
    'stays the same.';
comment on column gateways.expires_at is
    'When the upstream''s registration runs out (now + the expiry it granted), written by the node as an '
    'absolute time; null when not registered.';
comment on column gateways.failures is
    'Consecutive failed registrations (reset on success); drives the retry back-off.';
comment on column gateways.last_ping_status is
    'SIP status of the reply to the last OPTIONS ping; 408 when none came; 0 = never pinged.';
comment on column gateways.last_response_code is
    'Last final response to a REGISTER (0 = none yet), with its reason phrase in last_response_phrase.';
comment on column gateways.register_network_ip is
    'Address the REGISTERs were sent to (resolved next hop), with register_network_port.';
comment on column gateways.updated_at is
    'Last write, database clock.';

-- What `sofia status gateway` / `sofia xmlstatus gateway` show, as rows.
-- expires is the seconds left on the database clock (0 once past, null when
-- not registered); *_epoch columns are absolute unix times; hostname is the
-- node that runs the gateway, as in sip_registrations and channels.
create view sip_gateways as
select gateway_name::varchar(255)                                                   as name,
       profile_name::varchar(255)                                                   as profile,
       cluster_name::varchar(255)                                                   as cluster,
       state::varchar(64)                                                           as state,
       status::varchar(64)                                                          as status,
       -- (greatest() skips nulls: without the case a null expires_at would show 0)
       case when expires_at is not null
            then greatest(0, ceil(extract(epoch from expires_at - now())))::bigint end as expires,
       floor(extract(epoch from expires_at))::bigint                                as expires_epoch,
       register_call_id::varchar(255)                                               as call_id,
       register_cseq                                                                as cseq,
       register_contact::varchar(1024)                                              as contact,
       register_network_ip::varchar(255)                                            as network_ip,
       register_network_port::varchar(6)                                            as network_port,
       failures,
       ping_count                                                                   as pingcount,
       last_ping_status                                                             as ping_status,
       floor(extract(epoch from last_ping_at))::bigint                              as ping_epoch,
       last_response_code                                                           as response_code,
       last_response_phrase::varchar(255)                                           as response_phrase,
       node_name::varchar(255)                                                      as hostname,
       owner_epoch,
       floor(extract(epoch from updated_at))::bigint                                as updated_epoch
  from gateways;

comment on view sip_gateways is
    'FreeSWITCH-style, read-only view of gateways (what sofia status gateway shows): expires = seconds left, '
    'null when not registered; hostname = node_name; *_epoch = unix times. Write through sipedge only.';
