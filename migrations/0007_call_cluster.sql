-- Calls belong to an active/standby pair (switch.conf.xml cluster-name): a
-- node that takes over recovers the confirmed calls of its own cluster, not
-- those of another pair sharing the database.

alter table active_calls add column cluster_name text not null default 'default';

create index active_calls_cluster_state_idx on active_calls (cluster_name, state);

comment on column active_calls.cluster_name is
    'The active/standby pair (cluster-name) whose active node owns the call; `sofia recover` on the pair''s '
    'new active node loads the confirmed calls of this cluster.';
