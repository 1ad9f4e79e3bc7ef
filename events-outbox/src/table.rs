//! The outbox table: its name, the SQL that creates it, and every statement the writer,
//! the relay and the operator commands run against it. Nothing here talks to a server.

use std::fmt;

/// Key-hash slots the relays share the keys by: a key belongs to slot
/// `(hashtext(aggregateid) & 0x7fffffff) % SLOTS`, and a relay publishes the rows of the
/// slots whose advisory lock it holds. Every relay of one table must agree on it, so it is
/// part of the table's contract, not a setting; it bounds the useful number of relays.
pub const SLOTS: i32 = 64;

/// Seed 003's outbox table.
pub const SEED_003_TABLE: &str = "order_events_outbox";

/// A checked table name, `name` or `schema.name`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Table {
    schema: Option<String>,
    name: String,
}

/// A table name that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("outbox table name `{name}`: {reason}")]
pub struct TableError {
    /// The name as given.
    pub name: String,
    /// Why it is refused.
    pub reason: &'static str,
}

/// Longest identifier PostgreSQL keeps (NAMEDATALEN - 1), less the longest suffix this
/// crate derives from the table name (`_pending_key`).
const MAX_NAME: usize = 63 - "_pending_key".len();

fn check_ident(whole: &str, part: &str, max: usize) -> Result<(), TableError> {
    let err = |reason| TableError {
        name: whole.to_owned(),
        reason,
    };
    let mut chars = part.chars();
    match chars.next() {
        None => return Err(err("an empty name")),
        Some(c) if !(c.is_ascii_lowercase() || c == '_') => {
            return Err(err(
                "a name starts with a lower-case ASCII letter or `_` (it is used unquoted in logs and commands)",
            ))
        }
        _ => {}
    }
    if !chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
        return Err(err(
            "only lower-case ASCII letters, digits and `_` are allowed",
        ));
    }
    if part.len() > max {
        return Err(err(
            "too long: the table name leaves room for the suffixes of its indexes (51 bytes at most)",
        ));
    }
    Ok(())
}

impl Table {
    /// Parses `name` or `schema.name` (lower-case identifiers).
    pub fn new(name: &str) -> Result<Self, TableError> {
        let (schema, table) = match name.split_once('.') {
            Some((s, t)) => (Some(s), t),
            None => (None, name),
        };
        if let Some(s) = schema {
            check_ident(name, s, 63)?;
        }
        check_ident(name, table, MAX_NAME)?;
        Ok(Self {
            schema: schema.map(str::to_owned),
            name: table.to_owned(),
        })
    }

    /// The table's own name, without its schema.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The schema, when one was given.
    pub fn schema(&self) -> Option<&str> {
        self.schema.as_deref()
    }

    /// `"schema"."name"` or `"name"`, with `suffix` appended to the name.
    fn qualified(&self, suffix: &str) -> String {
        match &self.schema {
            Some(s) => format!("\"{s}\".\"{}{suffix}\"", self.name),
            None => format!("\"{}{suffix}\"", self.name),
        }
    }

    /// The table, quoted for SQL.
    pub fn sql(&self) -> String {
        self.qualified("")
    }

    /// The dead-letter table of discarded rows (`<name>_dead`), quoted for SQL.
    pub fn dead_sql(&self) -> String {
        self.qualified("_dead")
    }

    /// The `LISTEN`/`NOTIFY` channel on which an insert wakes the relays:
    /// `events_outbox:<table>`, or a hash of the table's name where that would pass
    /// PostgreSQL's 63 bytes.
    pub fn channel(&self) -> String {
        let full = format!("events_outbox:{self}");
        if full.len() <= 63 {
            return full;
        }
        // FNV-1a: stable across processes and releases, unlike std's hasher.
        let hash = full.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        format!("events_outbox:{hash:016x}")
    }
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.schema {
            Some(s) => write!(f, "{s}.{}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

/// The columns `enqueue` writes, in the order of [`Sql::insert`]'s parameters.
pub const INSERT_COLUMNS: [&str; 7] = [
    "id",
    "aggregatetype",
    "aggregateid",
    "type",
    "topic",
    "payload",
    "headers",
];

/// The slot expression of a row, as SQL.
fn slot_of(col: &str) -> String {
    format!("((hashtext({col}) & 2147483647) % {SLOTS})::int4")
}

/// Every statement run against one outbox table.
#[derive(Debug, Clone)]
pub struct Sql {
    /// Creates the table, its indexes, the dead-letter table and the notify trigger;
    /// idempotent. One transaction, serialised against concurrent migrations.
    pub migrate: String,
    /// One row: parameters `id`, `aggregatetype`, `aggregateid`, `type`, `topic`,
    /// `payload`, `headers`, all text (`payload` and `headers` JSON).
    pub insert: String,
    /// Many rows: the same seven columns, each a `text[]` parameter.
    pub insert_many: String,
    /// The relay's look at the backlog: `$1` the slots held (`int4[]`), `$2` the `seq`
    /// after which to look, `$3` how many: each pending row's `seq`, key, whether it is
    /// parked and whether it is due, in `seq` order (the partial index of pending rows, so
    /// the plan does not depend on the backlog's size). The relay takes the first row of
    /// each key from it.
    pub scan: String,
    /// The rows to publish (`$1` their `seq`s), with their payloads.
    pub rows: String,
    /// Marks rows published (`$1` their `seq`s, `int8[]`).
    pub mark_published: String,
    /// A failed try: `$1` seq, `$2` error, `$3` milliseconds until the next try.
    pub retry: String,
    /// Parks a row: `$1` seq, `$2` error, `$3` tries to add (1, or 0 when the failure was
    /// not the row's).
    pub park: String,
    /// Records an error on rows without counting a try (`$1` seqs, `$2` error): a broker
    /// outage is nobody's row's fault.
    pub note_error: String,
    /// Deletes up to `$2` rows published more than `$1` seconds ago; returns the count.
    pub cleanup: String,
    /// Milliseconds until the earliest retry of the slots `$1` is due, if any.
    pub next_due: String,
    /// `pending`, `parked`, `retrying`, oldest pending age (s), blocked keys, dead rows.
    pub stats: String,
    /// Parked rows, oldest first (`$1` limit).
    pub parked: String,
    /// Unparks rows (`$1` ids as `text[]`, or every parked row when `$1` is null).
    pub replay: String,
    /// Moves parked rows to the dead-letter table: `$1` ids (`text[]`), `$2` reason.
    pub discard: String,
    /// Wakes the relays.
    pub notify: String,
}

impl Sql {
    /// The statements of `table`.
    pub fn new(table: &Table) -> Self {
        let t = table.sql();
        let dead = table.dead_sql();
        let idx = |suffix: &str| format!("\"{}{suffix}\"", table.name());
        let func = table.qualified("_notify");
        let channel = table.channel().replace('\'', "''");
        let migrate = format!(
            "SELECT pg_advisory_xact_lock(hashtext('events_outbox:migrate'));
CREATE TABLE IF NOT EXISTS {t} (
    id uuid PRIMARY KEY,
    aggregatetype text NOT NULL,
    aggregateid text NOT NULL,
    type text NOT NULL,
    payload jsonb NOT NULL,
    seq bigint GENERATED ALWAYS AS IDENTITY,
    topic text NOT NULL,
    headers jsonb NOT NULL DEFAULT '{{}}',
    created_at timestamptz NOT NULL DEFAULT now(),
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error text,
    parked_at timestamptz,
    published_at timestamptz
);
CREATE INDEX IF NOT EXISTS {pending} ON {t} (seq) WHERE published_at IS NULL;
CREATE INDEX IF NOT EXISTS {pending_key} ON {t} (aggregateid, seq) WHERE published_at IS NULL;
CREATE TABLE IF NOT EXISTS {dead} (
    LIKE {t},
    discarded_at timestamptz NOT NULL DEFAULT now(),
    reason text NOT NULL
);
CREATE OR REPLACE FUNCTION {func}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('{channel}', '');
    RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS {trigger} ON {t};
CREATE TRIGGER {trigger} AFTER INSERT ON {t} FOR EACH STATEMENT EXECUTE FUNCTION {func}();",
            pending = idx("_pending"),
            pending_key = idx("_pending_key"),
            trigger = idx("_notify"),
        );
        let insert = format!(
            "INSERT INTO {t} (id, aggregatetype, aggregateid, type, topic, payload, headers) \
             VALUES ($1::text::uuid, $2, $3, $4, $5, $6::text::jsonb, $7::text::jsonb)"
        );
        let insert_many = format!(
            "INSERT INTO {t} (id, aggregatetype, aggregateid, type, topic, payload, headers) \
             SELECT i::uuid, a, k, ty, tp, p::jsonb, h::jsonb \
             FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) \
             AS r(i, a, k, ty, tp, p, h)"
        );
        Self {
            migrate,
            insert,
            insert_many,
            scan: format!(
                "SELECT seq, aggregateid, parked_at IS NOT NULL, next_attempt_at <= now() FROM {t} \
                 WHERE published_at IS NULL AND seq > $2 AND {slot} = ANY($1::int4[]) \
                 ORDER BY seq LIMIT $3",
                slot = slot_of("aggregateid"),
            ),
            rows: format!(
                "SELECT seq, id::text, aggregateid, type, topic, payload::text, headers::text, attempts \
                 FROM {t} WHERE seq = ANY($1::int8[]) AND published_at IS NULL ORDER BY seq"
            ),
            mark_published: format!(
                "UPDATE {t} SET published_at = now(), attempts = attempts + 1, last_error = NULL \
                 WHERE seq = ANY($1::int8[]) AND published_at IS NULL"
            ),
            retry: format!(
                "UPDATE {t} SET attempts = attempts + 1, last_error = $2, \
                 next_attempt_at = now() + $3::int8 * interval '1 millisecond' \
                 WHERE seq = $1 AND published_at IS NULL"
            ),
            park: format!(
                "UPDATE {t} SET attempts = attempts + $3::int4, last_error = $2, parked_at = now() \
                 WHERE seq = $1 AND published_at IS NULL"
            ),
            note_error: format!(
                "UPDATE {t} SET last_error = $2 WHERE seq = ANY($1::int8[]) AND published_at IS NULL"
            ),
            cleanup: format!(
                "WITH doomed AS (SELECT ctid FROM {t} \
                 WHERE published_at < now() - $1::float8 * interval '1 second' \
                 LIMIT $2 FOR UPDATE SKIP LOCKED) \
                 DELETE FROM {t} WHERE ctid IN (SELECT ctid FROM doomed)"
            ),
            next_due: format!(
                "SELECT (extract(epoch FROM min(next_attempt_at) - now()) * 1000)::int8 FROM {t} \
                 WHERE published_at IS NULL AND parked_at IS NULL AND {slot} = ANY($1::int4[])",
                slot = slot_of("aggregateid"),
            ),
            stats: format!(
                "SELECT count(*) FILTER (WHERE parked_at IS NULL), \
                 count(*) FILTER (WHERE parked_at IS NOT NULL), \
                 count(*) FILTER (WHERE parked_at IS NULL AND attempts > 0), \
                 extract(epoch FROM now() - min(created_at))::float8, \
                 count(DISTINCT aggregateid) FILTER (WHERE parked_at IS NOT NULL OR attempts > 0), \
                 (SELECT count(*) FROM {dead}) \
                 FROM {t} WHERE published_at IS NULL"
            ),
            parked: format!(
                "SELECT seq, id::text, aggregateid, type, topic, attempts, coalesce(last_error, ''), \
                 to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), \
                 to_char(parked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') \
                 FROM {t} WHERE parked_at IS NOT NULL AND published_at IS NULL ORDER BY seq LIMIT $1"
            ),
            replay: format!(
                "UPDATE {t} SET parked_at = NULL, attempts = 0, next_attempt_at = now(), last_error = NULL \
                 WHERE parked_at IS NOT NULL AND published_at IS NULL \
                 AND ($1::text[] IS NULL OR id::text = ANY($1::text[]))"
            ),
            discard: format!(
                "WITH moved AS (DELETE FROM {t} WHERE parked_at IS NOT NULL AND published_at IS NULL \
                 AND id::text = ANY($1::text[]) RETURNING *) \
                 INSERT INTO {dead} SELECT moved.*, now(), $2::text FROM moved"
            ),
            notify: format!("SELECT pg_notify('{channel}', '')"),
        }
    }
}

/// The second keys of the advisory locks of class `$1` (an `int8`: the first key) held in
/// this database: the slots held, or the backend pids of the relays alive.
pub(crate) const HELD_LOCKS: &str = "SELECT objid::bigint FROM pg_locks \
     WHERE locktype = 'advisory' AND granted AND classid::bigint = $1::int8 AND objsubid = 2 \
     AND database = (SELECT oid FROM pg_database WHERE datname = current_database())";

/// The first key of a lock class, from its name (`$1`, see [`lock_classes`]).
pub(crate) const LOCK_CLASS: &str = "SELECT hashtext($1) & 2147483647";

/// The advisory lock keys of a table's relays, from its name (the first key of the
/// two-key form; the second is a slot, or a relay's backend pid).
pub fn lock_classes(table: &Table) -> (String, String) {
    (
        format!("events_outbox:{table}:slots"),
        format!("events_outbox:{table}:relays"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked() {
        assert!(Table::new("order_events_outbox").is_ok());
        assert_eq!(Table::new("s1.outbox").unwrap().sql(), "\"s1\".\"outbox\"");
        for bad in [
            "",
            "Outbox",
            "out-box",
            "1outbox",
            "a.b.c",
            "x;drop",
            &"a".repeat(52),
        ] {
            let e = Table::new(bad).unwrap_err();
            assert_eq!(e.name, bad);
        }
        assert!(Table::new(&"a".repeat(51)).is_ok());
    }

    #[test]
    fn statements_name_the_table() {
        let sql = Sql::new(&Table::new("s1.orders_outbox").unwrap());
        assert!(sql
            .migrate
            .contains("CREATE TABLE IF NOT EXISTS \"s1\".\"orders_outbox\" ("));
        assert!(sql.migrate.contains("\"s1\".\"orders_outbox_dead\""));
        assert!(sql
            .migrate
            .contains("pg_notify('events_outbox:s1.orders_outbox', '')"));
        assert!(sql.scan.contains("% 64)::int4 = ANY($1::int4[])"));
        assert!(sql.scan.contains("ORDER BY seq LIMIT $3"));
        let long = Table::new(&format!("{}.{}", "s".repeat(40), "t".repeat(40))).unwrap();
        assert_eq!(long.channel().len(), "events_outbox:".len() + 16);
        assert_ne!(
            long.channel(),
            Table::new(&format!("{}.{}", "s".repeat(40), "u".repeat(40)))
                .unwrap()
                .channel()
        );
    }
}
