-- SIP registrations (RFC 3261 section 10): one row per binding of an
-- address-of-record (sip_user@sip_host) to a contact URI. Written by the
-- registrar through store/registration_store.cc in group-committed batches,
-- so a binding is durable before its 200 OK leaves, and any node can reach
-- the phone after a failover.

create table registrations (
    profile_name      text        not null,  -- sofia profile that accepted the REGISTER
    sip_user          text        not null,  -- AOR user (To URI user)
    sip_host          text        not null,  -- AOR host (after force-register-db-domain)
    contact           text        not null,  -- Contact as stored: <uri>;params, may carry fs_nat/fs_path
    contact_uri       text        not null,  -- the URI alone: identifies the binding within the AOR
    call_id           text        not null,  -- Call-ID of the REGISTER that wrote the binding
    cseq              bigint      not null,  -- its CSeq number (RFC 3261 10.3 steps 6-7 compare it)
    expires_at        timestamptz not null,  -- absolute expiry, database clock
    network_ip        text        not null,  -- source address of the REGISTER
    network_port      integer     not null,
    network_transport text        not null,  -- 'udp' | 'tcp' (lower case)
    nat_detected      boolean     not null default false,
    user_agent        text        not null default '',
    auth_username     text        not null default '',  -- digest username; '' when not challenged
    auth_realm        text        not null default '',
    status            text        not null,  -- 'Registered(UDP)', 'Registered(TCP-NAT)', ... as FreeSWITCH
    node_name         text        not null,  -- switchname of the node that accepted the REGISTER
    registered_at     timestamptz not null default now(),  -- first REGISTER of this binding
    updated_at        timestamptz not null default now(),  -- last refresh
    constraint registrations_binding_key unique (sip_user, sip_host, contact_uri)
);

-- The unique index (sip_user, sip_host, contact_uri) also serves every
-- look-up by AOR (sip_user, sip_host): a separate index on that prefix would
-- only cost writes on the hot path.
create index registrations_expires_at_idx on registrations (expires_at);  -- the expiry sweep
create index registrations_profile_idx on registrations (profile_name);   -- per-profile status/count
create index registrations_call_id_idx on registrations (call_id);        -- flush_inbound_reg <call_id>

comment on table registrations is
    'SIP bindings, one row per (sip_user, sip_host, contact_uri). Owner: the node that accepted the '
    'REGISTER inserts, refreshes and removes the row (node_name names it); bindings are cluster-wide, so '
    'any node may delete rows whose expires_at has passed, exactly once, with DELETE ... RETURNING '
    '(FOR UPDATE SKIP LOCKED) and fires sofia::expire for what it deleted. Operators flush with '
    'sofia profile P flush_inbound_reg. Read FreeSWITCH-style through the sip_registrations view.';
comment on column registrations.contact_uri is
    'The binding key within the AOR: the Contact URI without display name and header parameters.';
comment on column registrations.expires_at is
    'Absolute expiry on the database clock (now() + granted seconds at commit); the sweep deletes past rows.';
comment on column registrations.node_name is
    'switchname of the node that accepted the last REGISTER for this binding.';

-- FreeSWITCH's sip_registrations table (mod_sofia sofia_glue.c) as a view, so
-- that operators' existing queries keep working. Meanings as in FreeSWITCH:
-- expires is an ABSOLUTE unix time (integer seconds), network_port is text,
-- hostname is the node (switchname) that holds the registration. Columns
-- sipedge does not track get FreeSWITCH's values for a fresh registration.
create view sip_registrations as
select call_id::varchar(255)                                   as call_id,
       sip_user::varchar(255)                                  as sip_user,
       sip_host::varchar(255)                                  as sip_host,
       sip_host::varchar(255)                                  as presence_hosts,
       contact::varchar(1024)                                  as contact,
       status::varchar(255)                                    as status,
       'Reachable'::varchar(255)                               as ping_status,
       0                                                       as ping_count,
       0::bigint                                               as ping_time,
       0                                                       as force_ping,
       'unknown'::varchar(255)                                 as rpid,
       floor(extract(epoch from expires_at))::bigint           as expires,
       0                                                       as ping_expires,
       user_agent::varchar(255)                                as user_agent,
       sip_user::varchar(255)                                  as server_user,
       sip_host::varchar(255)                                  as server_host,
       profile_name::varchar(255)                              as profile_name,
       node_name::varchar(255)                                 as hostname,
       network_ip::varchar(255)                                as network_ip,
       network_port::varchar(6)                                as network_port,
       auth_username::varchar(255)                             as sip_username,
       auth_realm::varchar(255)                                as sip_realm,
       sip_user::varchar(255)                                  as mwi_user,
       sip_host::varchar(255)                                  as mwi_host,
       sip_host::varchar(255)                                  as orig_server_host,
       node_name::varchar(255)                                 as orig_hostname,
       sip_host::varchar(255)                                  as sub_host
  from registrations;

comment on view sip_registrations is
    'FreeSWITCH-compatible, read-only view of registrations (column names and meanings of mod_sofia''s '
    'sip_registrations: expires = absolute unix time, hostname = node_name). Write through sipedge only.';
