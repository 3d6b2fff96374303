-- The user directory: SIP users per domain, as FreeSWITCH's directory
-- (conf/directory/*.xml): a password or a precomputed HA1 (`a1-hash`), an
-- enabled flag, and the variables calls will carry. Operators manage the rows
-- with `sipedge directory add|del|import`; nodes only read them (REGISTER and
-- INVITE digest authentication).

create table directory_users (
    -- FreeSWITCH matches domains without case: stored lower-cased (ASCII), and
    -- looked up lower-cased.
    domain     text        not null check (domain <> '' and domain !~ '[A-Z]'),
    -- User ids compare exactly, as FreeSWITCH's <user id>.
    user_id    text        not null check (user_id <> ''),
    password   text        check (password <> ''),
    -- md5("user:domain:password") in lower-case hex, as FreeSWITCH's a1-hash param.
    a1_hash    text        check (a1_hash ~ '^[0-9a-f]{32}$'),
    enabled    boolean     not null default true,
    -- [[name, value], ...] in the order they were given: jsonb objects do not
    -- keep key order, and channel variables are set in order.
    variables  jsonb       not null default '[]' check (jsonb_typeof(variables) = 'array'),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    primary key (domain, user_id),
    constraint directory_users_credentials check (password is not null or a1_hash is not null)
);

comment on table directory_users is
    'SIP users per domain (FreeSWITCH directory). Owner: operators, through `sipedge directory add|del|import` '
    '(or SQL). Nodes never write these rows; they read them to authenticate REGISTER/INVITE.';
comment on column directory_users.domain is
    'Directory domain (the digest realm by default), lower-cased: domains match without case.';
comment on column directory_users.a1_hash is
    'Precomputed HA1, md5(user_id:domain:password) in lower-case hex (FreeSWITCH a1-hash).';
comment on column directory_users.enabled is
    'A disabled user is kept but cannot authenticate.';
comment on column directory_users.variables is
    'Ordered [name, value] pairs (domain variables first, then the user''s own on import), set on calls of the user.';
