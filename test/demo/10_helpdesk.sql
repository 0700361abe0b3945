-- 10_helpdesk.sql — the example helpdesk: its own schema, as it existed before sla.  Departments,
-- agents and their presence, organisations with a customer group, customers, tickets with tags
-- and custom fields, and messages.  Reference rows are generated deterministically from :tickets.

CREATE SCHEMA helpdesk;

CREATE TABLE helpdesk.department (
    code      text PRIMARY KEY,
    name      text NOT NULL,
    location  text NOT NULL
);
INSERT INTO helpdesk.department VALUES
    ('technical',  'Technical Support', 'Berlin'),
    ('billing',    'Billing & Accounts', 'Berlin'),
    ('sales',      'Sales',              'Berlin'),
    ('us-support', 'US Support',         'New York');

CREATE TABLE helpdesk.agent (
    login      text PRIMARY KEY,
    full_name  text NOT NULL,
    department text NOT NULL REFERENCES helpdesk.department
);
INSERT INTO helpdesk.agent VALUES
    ('anna.schmidt', 'Anna Schmidt', 'technical'), ('jonas.weber', 'Jonas Weber', 'technical'),
    ('lea.fischer', 'Lea Fischer', 'technical'), ('paul.wagner', 'Paul Wagner', 'technical'),
    ('mia.becker', 'Mia Becker', 'technical'), ('felix.hoffmann', 'Felix Hoffmann', 'technical'),
    ('emma.schulz', 'Emma Schulz', 'technical'), ('lukas.koch', 'Lukas Koch', 'technical'),
    ('sofia.richter', 'Sofia Richter', 'technical'), ('noah.klein', 'Noah Klein', 'technical'),
    ('hannah.wolf', 'Hannah Wolf', 'billing'), ('elias.neumann', 'Elias Neumann', 'billing'),
    ('lina.schwarz', 'Lina Schwarz', 'billing'), ('ben.zimmermann', 'Ben Zimmermann', 'billing'),
    ('clara.braun', 'Clara Braun', 'billing'),
    ('max.krueger', 'Max Krüger', 'sales'), ('ella.hartmann', 'Ella Hartmann', 'sales'),
    ('leon.lange', 'Leon Lange', 'sales'), ('marie.schmitt', 'Marie Schmitt', 'sales'),
    ('olivia.miller', 'Olivia Miller', 'us-support'), ('james.johnson', 'James Johnson', 'us-support'),
    ('ava.williams', 'Ava Williams', 'us-support'), ('ethan.brown', 'Ethan Brown', 'us-support'),
    ('mason.davis', 'Mason Davis', 'us-support'), ('chloe.garcia', 'Chloe Garcia', 'us-support'),
    ('liam.wilson', 'Liam Wilson', 'us-support');

-- presence as the helpdesk's agent app reports it; tickets go to agents who are not on leave
CREATE TABLE helpdesk.agent_status (
    agent  text PRIMARY KEY REFERENCES helpdesk.agent,
    status text NOT NULL CHECK (status IN ('online', 'away', 'offline', 'on-leave')),
    since  timestamptz NOT NULL
);
INSERT INTO helpdesk.agent_status
SELECT login, CASE WHEN login IN ('noah.klein', 'liam.wilson') THEN 'on-leave'
                   WHEN row_number() OVER (ORDER BY login) % 5 = 0 THEN 'away'
                   WHEN department = 'us-support' THEN 'offline' ELSE 'online' END,
       '2026-11-01 00:00+00'
  FROM helpdesk.agent;

CREATE TABLE helpdesk.organisation (
    id             integer PRIMARY KEY,
    name           text NOT NULL,
    customer_group text NOT NULL CHECK (customer_group IN ('vip', 'enterprise', 'business', 'free')),
    country        text NOT NULL
);

CREATE TABLE helpdesk.customer (
    id              integer PRIMARY KEY,
    full_name       text NOT NULL,
    email           text NOT NULL,
    organisation_id integer NOT NULL REFERENCES helpdesk.organisation
);

CREATE TABLE helpdesk.ticket (
    id          bigint PRIMARY KEY,
    subject     text NOT NULL,
    status      text NOT NULL CHECK (status IN ('new', 'open', 'pending', 'on-hold', 'solved', 'closed')),
    priority    text NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    channel     text NOT NULL CHECK (channel IN ('email', 'chat', 'call')),
    department  text NOT NULL REFERENCES helpdesk.department,
    assignee    text REFERENCES helpdesk.agent,
    customer_id integer NOT NULL REFERENCES helpdesk.customer,
    tags        text[] NOT NULL DEFAULT '{}',
    custom      jsonb NOT NULL DEFAULT '{}',
    is_spam     boolean NOT NULL DEFAULT false,
    escalated   boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    solved_at   timestamptz
);
CREATE INDEX ON helpdesk.ticket (customer_id);

CREATE TABLE helpdesk.message (
    id          bigserial PRIMARY KEY,
    ticket_id   bigint NOT NULL REFERENCES helpdesk.ticket,
    author_type text NOT NULL CHECK (author_type IN ('customer', 'agent', 'system')),
    author      text,
    is_internal boolean NOT NULL DEFAULT false,
    channel     text NOT NULL,
    body        text NOT NULL,
    created_at  timestamptz NOT NULL
);
CREATE INDEX ON helpdesk.message (ticket_id);

-- organisations and customers, scaled to the traffic (deterministic, hash-based)
CREATE SCHEMA sim;
COMMENT ON SCHEMA sim IS 'the demo''s traffic generator (not part of the helpdesk, not part of sla)';
-- a uniform number in [0, 1) from a key and a salt: reproducible, order-independent
CREATE FUNCTION sim.rnd(k bigint, salt integer) RETURNS float8
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT ((hashint8extended(k, salt) >> 11) & 9007199254740991)::float8 / 9007199254740992.0 $$;
-- a standard normal number (Box-Muller)
CREATE FUNCTION sim.rnorm(k bigint, salt integer) RETURNS float8
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT sqrt(-2 * ln(1 - sim.rnd(k, salt))) * cos(2 * pi() * sim.rnd(k, salt + 7919)) $$;
-- pick from an array with weights
CREATE FUNCTION sim.pick(u float8, items text[], weights float8[]) RETURNS text
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    total float8 := 0;
    acc float8 := 0;
    w float8;
BEGIN
    FOREACH w IN ARRAY weights LOOP
        total := total + w;
    END LOOP;
    FOR i IN 1 .. cardinality(weights) LOOP
        acc := acc + weights[i];
        IF u * total < acc THEN
            RETURN items[i];
        END IF;
    END LOOP;
    RETURN items[cardinality(items)];
END
$$;

INSERT INTO helpdesk.organisation
SELECT o, format('%s %s', (ARRAY['Nord', 'Alpen', 'Rhein', 'Blue', 'Kraft', 'Lumen', 'Hansa', 'Nova',
                                  'Spree', 'Isar', 'Oak', 'Harbor', 'Summit', 'Pixel', 'Vektor', 'Elbe'])[1 + (o % 16)],
                 (ARRAY['Logistik GmbH', 'Systems Inc.', 'Media AG', 'Retail GmbH', 'Labs Ltd', 'Energie AG',
                        'Foods GmbH', 'Health Inc.', 'Software GmbH', 'Finance AG', 'Travel SE'])[1 + (o / 16) % 11])
         || CASE WHEN o > 176 THEN ' ' || (o / 176 + 1) ELSE '' END,
       sim.pick(sim.rnd(o, 11), '{vip,enterprise,business,free}', '{3,12,45,40}'),
       sim.pick(sim.rnd(o, 12), '{DE,AT,CH,US,GB,FR}', '{40,8,7,25,10,10}')
  FROM generate_series(1, greatest(40, :tickets / 25)) o;

INSERT INTO helpdesk.customer
SELECT c, fn || ' ' || ln, lower(fn || '.' || ln || c || '@example.com'), 1 + (hashint4(c) & 2147483647) % n_org
  FROM (SELECT c, (SELECT count(*) FROM helpdesk.organisation)::int AS n_org,
               (ARRAY['Julia', 'Thomas', 'Sarah', 'Michael', 'Laura', 'David', 'Nina', 'Jan', 'Emily', 'Robert',
                      'Katrin', 'Stefan', 'Grace', 'Oliver', 'Anja', 'Peter'])[1 + c % 16] AS fn,
               (ARRAY['Meyer', 'Schulze', 'Keller', 'Smith', 'Vogel', 'Jones', 'Bauer', 'Taylor', 'Frank',
                      'Martin', 'Roth', 'Lee', 'Haas', 'Dubois'])[1 + (c / 16) % 14] AS ln
          FROM generate_series(1, greatest(200, :tickets / 5)) c) x;
