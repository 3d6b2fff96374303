-- The nodes of the cluster: one row per node name (switch.conf.xml
-- switchname). Each node upserts its own row when it (re)connects to the
-- database and touches last_seen_at on every heartbeat, so a row whose
-- last_seen_at is old belongs to a node that is down or cut off.

create table cluster_nodes (
    node_name    text        primary key,
    runtime_id   uuid        not null,  -- random per process start: tells a restart from a long-lived process
    version      text        not null,  -- sipedge version the process runs
    hostname     text,                  -- gethostname() of the machine it runs on
    started_at   timestamptz not null,  -- when this runtime_id first registered
    last_seen_at timestamptz not null   -- last heartbeat
);

comment on table cluster_nodes is
    'Cluster membership. Owner: each node owns its own row (keyed by node_name): it upserts it at start '
    'and updates last_seen_at periodically. Rows are never deleted by other nodes; an operator removes '
    'a decommissioned node by hand.';
comment on column cluster_nodes.runtime_id is
    'Random UUID per process start; a heartbeat only updates the row if runtime_id still matches.';
comment on column cluster_nodes.last_seen_at is
    'Updated by the owning node every heartbeat interval; staleness means the node is down or partitioned.';
