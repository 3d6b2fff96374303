-- The leadership lease of each cluster, and the fence every state-changing
-- write passes through (docs/cluster.md).
--
-- sipedge nodes run as active/standby pairs; the nodes of a pair share a
-- cluster name. One row per cluster says which node is active: the holder,
-- its epoch and when the lease expires, BY THE DATABASE CLOCK (node clocks
-- never enter into it). The active renews the lease every
-- cluster-lease-renew ms (default 200) for cluster-lease-ttl ms (default
-- 1000); a standby acquires it only once it expired or was released, and each
-- acquisition increments the epoch. A clean shutdown releases it, so the
-- standby takes over at its next poll instead of after the TTL.
--
-- Fencing. Every state-changing write carries the writer's epoch and calls
-- sipedge_fence(cluster, epoch) in the same transaction: it raises SQLSTATE
-- SEF01 unless that epoch holds an unexpired lease. So an old active that was
-- paused or cut off cannot write once another node took over, however late
-- its writes arrive.
--
-- Why a write that passed the fence can never commit after a takeover
-- (the whole argument rests on row locks of the lease row):
--
--   * sipedge_fence / sipedge_epoch_holds lock the lease row FOR KEY SHARE;
--     the lock lasts until the writer's transaction ends.
--   * sipedge_lease_acquire locks the row FOR UPDATE before it checks the
--     expiry and grants the next epoch. FOR UPDATE conflicts with FOR KEY
--     SHARE, so:
--       - if the writer locked first, the acquisition waits until the writer
--         commits (or aborts): the write is committed BEFORE the new epoch
--         exists, when the old epoch was still the latest one;
--       - if the acquisition locked first, the fence waits until it commits,
--         then (READ COMMITTED re-reads the newest row version after a lock
--         wait) sees the new epoch and raises SEF01; under REPEATABLE READ or
--         SERIALIZABLE the lock attempt itself fails with 40001. Either way
--         the write does not happen.
--     No interleaving lets a write fenced with epoch N commit once epoch N+1
--     was granted.
--   * Renewal and release are plain UPDATEs that change no key column: they
--     take FOR NO KEY UPDATE, which does NOT conflict with FOR KEY SHARE. So
--     renewals never queue behind long write transactions (an active would
--     otherwise miss its own renewal deadline under load), and fenced writes
--     never wait for a renewal. That is safe because neither grants an epoch:
--     renewal only extends the holder's own unexpired lease, release only
--     shortens it. A fence that meets a renewal in flight reads the row as it
--     was before the renewal (an earlier expiry): at worst it refuses a write
--     a moment early, never late.
--   * Liveness: a writer that passed the fence and then stalls with its
--     transaction open delays a takeover until it ends. Connections that run
--     fenced writes therefore set statement_timeout and
--     idle_in_transaction_session_timeout (at most the TTL), so the server
--     ends a stalled or cut-off writer's transaction on its own.
--
-- clock_timestamp() and never now(): now() is the start of the current
-- TRANSACTION. A fence called late in a transaction that began while the
-- lease was live would compare against that old instant and pass after the
-- expiry; an acquisition that waited for a writer's lock would both judge the
-- expiry at a stale instant and date the new lease from it, shortening it by
-- the wait. clock_timestamp() is the instant the check runs. (For the
-- expiries that the nodes compute locally this is also the safe side: a node
-- starts its local deadline when it SENDS the request, which is before the
-- database reads clock_timestamp(), so the local deadline always falls before
-- the expiry the database recorded.)
--
-- Call the lease functions in READ COMMITTED (the default), one statement per
-- transaction: the acquisition relies on each of its statements seeing the
-- newest committed row.

create table cluster_leases (
    cluster_name        text        primary key,
    holder_node         text,                   -- switchname of the node that was granted `epoch`; null before the first grant
    holder_runtime_id   uuid,                   -- that process (cluster_nodes.runtime_id): a restarted process is a new holder
    epoch               bigint      not null default 0 check (epoch >= 0),  -- 0: never granted; +1 per acquisition
    expires_at          timestamptz not null,   -- database clock; held while expires_at > clock_timestamp()
    acquired_at         timestamptz,            -- when `epoch` was granted
    renewed_at          timestamptz,            -- last successful renewal (or the grant)
    released_at         timestamptz,            -- set by a clean release of `epoch`; null while held or expired
    previous_node       text,                   -- holder of epoch - 1 (null: none)
    previous_runtime_id uuid,
    previous_released   boolean     not null default false  -- epoch - 1 ended by a release, not by expiring
) with (fillfactor = 50);  -- renewals rewrite the row 5 times a second: keep them HOT

comment on table cluster_leases is
    'Leadership lease per cluster (active/standby pair). Owner: the nodes, only through the '
    'sipedge_lease_* functions; operators read cluster_lease_status. Never edit epoch or expires_at '
    'by hand while nodes run: fencing depends on them.';
comment on column cluster_leases.epoch is
    'Fencing epoch: incremented by each acquisition. Writes carry it and call sipedge_fence(cluster, epoch).';
comment on column cluster_leases.expires_at is
    'Database clock (clock_timestamp()). The lease is held while expires_at > clock_timestamp() and '
    'released_at is null.';

-- Milliseconds from now to t on the database clock, never negative.
create function sipedge_ms_until(t timestamptz) returns bigint
language sql volatile as $$
    select greatest(0, ceil(extract(epoch from t - clock_timestamp()) * 1000))::bigint
$$;

-- Whether `p_epoch` holds the unexpired lease of `p_cluster`. Locks the lease
-- row FOR KEY SHARE until the end of the caller's transaction (see the top of
-- the file), so use it in the transaction of the write it guards, e.g.
--   update t set ... where id = $1 and sipedge_epoch_holds($2, $3)
-- (0 rows when not held). Needs a read-write transaction.
create function sipedge_epoch_holds(p_cluster text, p_epoch bigint) returns boolean
language plpgsql volatile as $$
declare
    l cluster_leases%rowtype;
begin
    select * into l from cluster_leases c where c.cluster_name = p_cluster for key share;
    return found and p_epoch is not null and p_epoch > 0 and l.epoch = p_epoch
           and l.released_at is null and l.expires_at > clock_timestamp();
end
$$;

comment on function sipedge_epoch_holds(text, bigint) is
    'True while the epoch holds the unexpired lease; locks the lease row FOR KEY SHARE for the rest of '
    'the transaction (a takeover waits for the transaction to end).';

-- The fence: returns p_epoch when it holds the unexpired lease of p_cluster,
-- else raises SQLSTATE SEF01 ("sipedge fence"), which aborts the writer's
-- transaction. Locks like sipedge_epoch_holds. Use it in the transaction of
-- the write:
--   begin; select sipedge_fence($1, $2); <writes>; commit;
--   insert into t (..., owner_epoch) values (..., sipedge_fence($1, $2));
--   update t set ... where id = $3 and (select sipedge_fence($1, $2)) is not null;
-- (the sub-select makes it a one-time filter, checked even when no row matches).
create function sipedge_fence(p_cluster text, p_epoch bigint) returns bigint
language plpgsql volatile as $$
declare
    l cluster_leases%rowtype;
    why text;
begin
    select * into l from cluster_leases c where c.cluster_name = p_cluster for key share;
    if not found then
        why := 'no lease row for this cluster';
    elsif p_epoch is null or l.epoch <> p_epoch then
        why := format('the lease is at epoch %s, held by %s', l.epoch, coalesce(l.holder_node, 'nobody'));
    elsif l.released_at is not null then
        why := 'the lease was released';
    elsif l.expires_at <= clock_timestamp() then
        why := format('the lease expired %s ms ago',
                      floor(extract(epoch from clock_timestamp() - l.expires_at) * 1000)::bigint);
    else
        return p_epoch;
    end if;
    raise exception using
        errcode = 'SEF01',
        message = format('sipedge fence: epoch %s does not hold the lease of cluster %s',
                         coalesce(p_epoch::text, 'null'), coalesce(p_cluster, 'null')),
        detail = why,
        hint = 'Another node took over or the lease lapsed: this node must stop writing and become standby.';
end
$$;

comment on function sipedge_fence(text, bigint) is
    'Returns the epoch if it holds the unexpired lease, else raises SQLSTATE SEF01. Locks the lease row '
    'FOR KEY SHARE for the rest of the transaction.';

-- Acquisition by a standby: grants epoch + 1 to (p_node, p_runtime_id) for
-- p_ttl_ms if the lease is vacant, expired or released; else reports the
-- live holder. One statement, READ COMMITTED.
create function sipedge_lease_acquire(p_cluster text, p_node text, p_runtime_id uuid, p_ttl_ms integer)
returns table (acquired boolean, epoch bigint, holder_node text, holder_runtime_id uuid, expires_in_ms bigint,
               previous_node text, previous_released boolean)
language plpgsql volatile as $$
#variable_conflict use_column
declare
    l cluster_leases%rowtype;
    t timestamptz;
begin
    if p_cluster is null or p_cluster = '' or p_node is null or p_node = '' or p_runtime_id is null then
        raise exception using errcode = '22023', message = 'sipedge_lease_acquire: cluster, node and runtime id are required';
    end if;
    if p_ttl_ms is null or p_ttl_ms <= 0 then
        raise exception using errcode = '22023', message = 'sipedge_lease_acquire: the TTL must be positive';
    end if;

    -- A look without a lock first: a standby polls several times a second
    -- and most polls find the lease live; they must neither write nor wait
    -- for the active's fenced writes.
    select * into l from cluster_leases c where c.cluster_name = p_cluster;
    if not found then
        insert into cluster_leases (cluster_name, epoch, expires_at)
        values (p_cluster, 0, clock_timestamp())
        on conflict (cluster_name) do nothing;
    elsif l.released_at is null and l.expires_at > clock_timestamp() then
        return query select false, l.epoch, l.holder_node, l.holder_runtime_id, sipedge_ms_until(l.expires_at),
                            l.previous_node, l.previous_released;
        return;
    end if;

    -- FOR UPDATE waits for every transaction that passed the fence with the
    -- current epoch, and for a concurrent acquisition; then the newest row
    -- is judged at the instant the lock was obtained.
    select * into l from cluster_leases c where c.cluster_name = p_cluster for update;
    t := clock_timestamp();
    if l.released_at is null and l.expires_at > t then
        return query select false, l.epoch, l.holder_node, l.holder_runtime_id, sipedge_ms_until(l.expires_at),
                            l.previous_node, l.previous_released;
        return;
    end if;

    update cluster_leases c
       set epoch = c.epoch + 1,
           holder_node = p_node,
           holder_runtime_id = p_runtime_id,
           expires_at = t + p_ttl_ms * interval '1 millisecond',
           acquired_at = t,
           renewed_at = t,
           released_at = null,
           previous_node = c.holder_node,
           previous_runtime_id = c.holder_runtime_id,
           previous_released = (c.holder_node is not null and c.released_at is not null)
     where c.cluster_name = p_cluster
    returning * into l;
    return query select true, l.epoch, l.holder_node, l.holder_runtime_id, sipedge_ms_until(l.expires_at),
                        l.previous_node, l.previous_released;
end
$$;

comment on function sipedge_lease_acquire(text, text, uuid, integer) is
    'Grants the next epoch to the caller if the lease is vacant, expired or released; else reports the holder.';

-- Renewal by the active: extends the lease to clock_timestamp() + p_ttl_ms
-- only while (p_node, p_runtime_id, p_epoch) still holds it unexpired. An
-- expired lease is never renewed: the node must acquire it again, with a new
-- epoch. Returns the row as it is afterwards.
create function sipedge_lease_renew(p_cluster text, p_node text, p_runtime_id uuid, p_epoch bigint,
                                    p_ttl_ms integer)
returns table (renewed boolean, epoch bigint, holder_node text, expires_in_ms bigint)
language plpgsql volatile as $$
#variable_conflict use_column
declare
    l cluster_leases%rowtype;
begin
    if p_ttl_ms is null or p_ttl_ms <= 0 then
        raise exception using errcode = '22023', message = 'sipedge_lease_renew: the TTL must be positive';
    end if;
    -- No key column changes: FOR NO KEY UPDATE, no wait for fenced writers.
    update cluster_leases c
       set expires_at = clock_timestamp() + p_ttl_ms * interval '1 millisecond',
           renewed_at = clock_timestamp()
     where c.cluster_name = p_cluster
       and c.epoch = p_epoch
       and c.holder_node = p_node
       and c.holder_runtime_id = p_runtime_id
       and c.released_at is null
       and c.expires_at > clock_timestamp()
    returning * into l;
    if found then
        return query select true, l.epoch, l.holder_node, sipedge_ms_until(l.expires_at);
        return;
    end if;
    select * into l from cluster_leases c where c.cluster_name = p_cluster;
    if not found then
        return query select false, 0::bigint, null::text, 0::bigint;
    else
        return query select false, l.epoch, l.holder_node,
                            case when l.released_at is null then sipedge_ms_until(l.expires_at) else 0::bigint end;
    end if;
end
$$;

comment on function sipedge_lease_renew(text, text, uuid, bigint, integer) is
    'Extends the caller''s own unexpired lease; false when it no longer holds it.';

-- Release by the holder (clean shutdown, forced standby, self-demotion): the
-- lease ends now, so a standby takes it at its next poll. Only the holder's
-- own epoch and runtime; true when something was released.
create function sipedge_lease_release(p_cluster text, p_epoch bigint, p_runtime_id uuid) returns boolean
language plpgsql volatile as $$
begin
    update cluster_leases c
       set expires_at = least(c.expires_at, clock_timestamp()),
           released_at = clock_timestamp()
     where c.cluster_name = p_cluster
       and c.epoch = p_epoch
       and c.holder_runtime_id = p_runtime_id
       and c.released_at is null;
    return found;
end
$$;

comment on function sipedge_lease_release(text, bigint, uuid) is
    'Ends the caller''s lease now (clean shutdown); the standby may acquire it at once.';

-- What an operator (and `cluster status`) reads: who is active now.
create view cluster_lease_status as
select l.cluster_name,
       case when l.released_at is null and l.expires_at > clock_timestamp() then l.holder_node end as active_node,
       case when l.epoch = 0 then 'vacant'
            when l.released_at is not null then 'released'
            when l.expires_at > clock_timestamp() then 'held'
            else 'expired' end                                                        as state,
       l.epoch,
       l.holder_node,
       l.holder_runtime_id,
       case when l.released_at is null then sipedge_ms_until(l.expires_at) else 0::bigint end as expires_in_ms,
       l.acquired_at,
       l.renewed_at,
       l.released_at,
       l.previous_node,
       l.previous_released
  from cluster_leases l;

comment on view cluster_lease_status is
    'One row per cluster: active_node is the node holding the lease now (null: none), state '
    'held|expired|released|vacant, expires_in_ms by the database clock.';
