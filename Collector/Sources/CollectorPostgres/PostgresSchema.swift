import CollectorSummary

/// The collector's PostgreSQL schema as a list of numbered migrations, applied in order by `migrate()` and
/// recorded in `collector_migrations`. Never edit a shipped step: add the next one.
///
/// - `reports`: the raw reports, partitioned by the UTC day they arrived (`reports_YYYYMMDD`, one partition a day,
///   created on demand by `collector_ensure_partition`); `prune` drops whole partitions, so old data goes without
///   a long DELETE or table bloat.
/// - `message_ids`: one row per stored report, the dedup. A unique index on a partitioned table must include the
///   partition key, so `reports` cannot hold a unique `message_id` by itself; this unpartitioned table can, and the
///   same transaction inserts into both. `prune` deletes its rows of the dropped days.
/// - `install_days`: the rollup, one row per install and UTC day with that day's breakdown values, as in SQLite;
///   `installs`: first and last day seen and the latest known value of each breakdown. Summaries read only these.
/// - `collector_insert(…)`: the whole ingest of one report in one statement (one round trip): dedup, raw row,
///   rollups. Returns false for a known `messageId`.
/// - `install_day_counters` (version 2): per install, day and counter the day's summed increments.
/// - `installs.first_at`, `install_days.last_at` (version 3): the install's first report's arrival and the day's last,
///   seconds since 1970: an install is established on a day when they are 24 h (86 400 s) or more apart.
/// - `install_keys` (version 4): the `erasureKeyHash` pinned per install (its first); `erased_installs`: SHA-256 of
///   each erased install's ID and the key hash it was erased with (`ReportStore.forget`).
/// - `day_cache`: each closed day's counts (active installs, every breakdown, facts and counters: `DayTotals`) as
///   computed once from the rollups, one row for the whole day, one per product and one per product version
///   (`DayGroups.cacheRows`), so a summary over 100 days reads 100 small rows plus today's rollups,
///   whatever the filter and however many installs there are. A day counts as closed ten minutes after it ended
///   (`ClosedDay`; until migration 6, two days; by the database's clock, the one clock
///   all collectors share); a report stored later into a closed day (an `import`) bumps `day_versions`, and a
///   cache row whose version is not the day's current one is ignored and recomputed. The version is read in the
///   same snapshot as the counts, so a concurrent import can make a cache row stale but never wrong.
/// - `retention_cache` (version 5): the final cells of the weekly retention cohorts (`RetentionPlan`), per scope as the
///   day cache keys them, each with the stamp of `day_versions` up to the end of its activity week when counted
///   (`retentionStampSQL`); a cell whose stamp is not the current one is ignored and counted again.
/// - `collector_insert_batch(…)` (version 7): a batch of reports in one statement, each as the ingest's statement stores
///   one (erasure, key pin, `collector_insert`), answering each report's outcome in order.
enum PostgresSchema {
    /// Serializes migrations and partition DDL across every collector sharing the database.
    static let ddlLock = 0x7465_6c65_6d65 // "teleme"

    static let columns = Dimension.allCases.map(\.column)
    /// Per-install daily sums of a counter stop here (the wire's largest increment, 2^53 − 1), so no sum overflows.
    static let maxCounterSum: Int64 = 9_007_199_254_740_991

    struct Migration: Sendable {
        var version: Int
        var description: String
        var sql: [String]
    }

    static var latestVersion: Int { migrations.last?.version ?? 0 }

    static let migrations: [Migration] = [
        Migration(version: 1, description: "reports partitioned by day, message_ids, install_days, installs, day_cache, collector_insert", sql: [
            """
            CREATE TABLE message_ids (
                message_id uuid PRIMARY KEY,
                received_day date NOT NULL
            )
            """,
            "CREATE INDEX message_ids_by_day ON message_ids (received_day)",
            """
            CREATE TABLE reports (
                received_day date NOT NULL,
                received_at timestamptz NOT NULL,
                message_id uuid NOT NULL,
                type text NOT NULL,
                report_time timestamptz NOT NULL,
                instance_id uuid NOT NULL,
                cluster_id uuid NOT NULL,
                body jsonb NOT NULL
            ) PARTITION BY RANGE (received_day)
            """,
            """
            CREATE TABLE install_days (
                day date NOT NULL,
                instance_id uuid NOT NULL,
                cluster_id uuid NOT NULL,
                \(columns.map { "\($0) text" }.joined(separator: ", ")),
                PRIMARY KEY (day, instance_id)
            )
            """,
            "CREATE INDEX install_days_by_instance ON install_days (instance_id, day)",
            """
            CREATE TABLE installs (
                instance_id uuid PRIMARY KEY,
                first_day date NOT NULL,
                last_day date NOT NULL,
                \(columns.map { "\($0) text" }.joined(separator: ", "))
            )
            """,
            "CREATE INDEX installs_by_first_day ON installs (first_day)",
            "CREATE INDEX installs_by_last_day ON installs (last_day)",
            "CREATE TABLE day_versions (day date PRIMARY KEY, version bigint NOT NULL)",
            "CREATE TABLE day_cache (day date PRIMARY KEY, version bigint NOT NULL, totals jsonb NOT NULL)",
            ensurePartitionFunction,
            insertFunction,
            pruneFunction,
        ]),
        Migration(version: 2, description: "product, facts and counters per install and day; day_cache per product and version", sql: [
            "ALTER TABLE install_days ADD COLUMN product text, ADD COLUMN facts jsonb",
            "ALTER TABLE installs ADD COLUMN product text, ADD COLUMN facts jsonb",
            """
            CREATE TABLE install_day_counters (
                day date NOT NULL,
                instance_id uuid NOT NULL,
                counter text NOT NULL,
                increments bigint NOT NULL,
                PRIMARY KEY (day, instance_id, counter)
            )
            """,
            // The days still holding raw reports learn their product from them (the last report of the day naming
            // one), so filters work on the history kept; facts were not kept before and start now.
            """
            UPDATE install_days d SET product = CASE WHEN lower(s.name) IN ('unknown', 'other') THEN '"' || s.name || '"' ELSE s.name END
            FROM (SELECT DISTINCT ON (received_day, instance_id) received_day, instance_id, body->'product'->>'name' AS name
                  FROM reports WHERE jsonb_typeof(body->'product'->'name') = 'string'
                  ORDER BY received_day, instance_id, received_at DESC) s
            WHERE d.day = s.received_day AND d.instance_id = s.instance_id
            """,
            """
            UPDATE installs i SET product = (SELECT d.product FROM install_days d
                WHERE d.instance_id = i.instance_id AND d.product IS NOT NULL ORDER BY d.day DESC LIMIT 1)
            """,
            "DROP TABLE day_cache",
            """
            CREATE TABLE day_cache (
                day date NOT NULL,
                scope int2 NOT NULL,
                product text NOT NULL,
                product_version text NOT NULL,
                version bigint NOT NULL,
                totals jsonb NOT NULL,
                PRIMARY KEY (day, scope, product, product_version)
            )
            """,
            "DROP FUNCTION collector_insert(uuid, text, timestamptz, uuid, uuid, timestamptz, date, \(columns.map { _ in "text" }.joined(separator: ", ")), jsonb)",
            insertFunctionV2,
        ]),
        Migration(version: 3, description: "established installs: first report per install, last report per install and day", sql: [
            // Seconds since 1970 (whole, as SQLite keeps them), so both stores draw the 24 h line alike. Rows from
            // before learn them from the raw reports still kept, else from their days (first_at the first day's 00:00,
            // last_at the day's 23:59:59).
            "ALTER TABLE installs ADD COLUMN first_at int8",
            "ALTER TABLE install_days ADD COLUMN last_at int8",
            "UPDATE installs SET first_at = (first_day - DATE '1970-01-01')::int8 * 86400",
            """
            UPDATE installs i SET first_at = s.t FROM (
                SELECT instance_id, floor(extract(epoch FROM min(received_at)))::int8 AS t, min(received_day) AS d
                FROM reports GROUP BY instance_id) s
            WHERE i.instance_id = s.instance_id AND i.first_day = s.d
            """,
            "UPDATE install_days SET last_at = (day - DATE '1970-01-01')::int8 * 86400 + 86399",
            """
            UPDATE install_days d SET last_at = s.t FROM (
                SELECT received_day, instance_id, floor(extract(epoch FROM max(received_at)))::int8 AS t
                FROM reports GROUP BY received_day, instance_id) s
            WHERE d.day = s.received_day AND d.instance_id = s.instance_id
            """,
            // Cached rows hold no `established` yet: counted again.
            "DELETE FROM day_cache",
            insertFunctionV3,
        ]),
        // Erasure on request (issue 18). Deleting day rows changes no day_versions: a closed day's cached totals,
        // anonymous, stay.
        Migration(version: 4, description: "erasure: install_keys, erased_installs, reports by instance", sql: [
            "CREATE TABLE install_keys (instance_id uuid PRIMARY KEY, key_hash text NOT NULL)",
            "CREATE TABLE erased_installs (instance_hash text PRIMARY KEY, key_hash text NOT NULL)",
            "CREATE INDEX reports_by_instance ON reports (instance_id)",
            // The reports kept from agents that already sent a hash pin it: the earliest one wins.
            """
            INSERT INTO install_keys (instance_id, key_hash)
            SELECT DISTINCT ON (instance_id) instance_id, body->>'erasureKeyHash' FROM reports
            WHERE jsonb_typeof(body->'erasureKeyHash') = 'string' AND length(body->>'erasureKeyHash') = 64
            ORDER BY instance_id, received_at
            """,
        ]),
        // The retention cache (`RetentionCacheRow`), keyed by week numbers since 1970 (`RetentionCell.weekNumber`).
        // A cell is counted in one snapshot with the day_versions stamp of every day up to the end of its activity
        // week (`retentionStampSQL`): a report stored later into one of those days bumps a version, the stamp no longer
        // matches and the cell is ignored and counted again, as the day cache's versions do, with no work per report.
        Migration(version: 5, description: "retention cache: final cells of the weekly cohorts", sql: [
            """
            CREATE TABLE retention_cache (
                cohort_week int4 NOT NULL,
                weeks_later int4 NOT NULL,
                scope int2 NOT NULL,
                product text NOT NULL,
                product_version text NOT NULL,
                stamp int8 NOT NULL,
                installs int8 NOT NULL,
                PRIMARY KEY (cohort_week, weeks_later, scope, product, product_version)
            )
            """,
        ]),
        // Yesterday is closed from 00:10 UTC (`ClosedDay`, was: two days before today), so a summary counts only today
        // from the rollups. The caches hold no day that was open before, so nothing is dropped.
        Migration(version: 6, description: "yesterday closed: collector_insert outdates yesterday's cached counts", sql: [
            insertFunctionV4,
        ]),
        // A batch in one statement (issue 19): one round trip instead of one per report.
        Migration(version: 7, description: "collector_insert_batch: a batch of reports in one statement", sql: [
            insertBatchFunction,
        ]),
        // Most reports of a known install change nothing in its row (the same day, the same values); an upsert that
        // sets the same values still writes a new row version and its WAL record.
        Migration(version: 8, description: "collector_insert writes the install's row only when the report changes it", sql: [
            insertFunctionV5,
        ]),
    ]

    /// Per week number `t` from $1 to $2, the stamp of the days up to its Sunday: the sum of their day_versions, which
    /// every bump raises by one (rows are never deleted), so any report stored into one of those days changes it.
    static let retentionStampSQL = """
        SELECT t, (SELECT coalesce(sum(v.version), 0)::int8 FROM day_versions v WHERE v.day <= DATE '1970-01-01' + (t * 7 + 3))
        FROM generate_series($1::int4, $2::int4) AS t
        """

    /// Days up to this one (days since 1970) may be cached (`ClosedDay`, by the database's clock).
    static let closedDaySQL = "SELECT (\(ClosedDay.lastDaySQL))::int4"

    /// Creates the partition of `reports` for one day unless it exists, under the DDL lock (two collectors
    /// creating the same day wait for each other instead of failing).
    static let ensurePartitionFunction = """
        CREATE FUNCTION collector_ensure_partition(p_day date) RETURNS void LANGUAGE plpgsql AS $$
        DECLARE
            part_name text := 'reports_' || to_char(p_day, 'YYYYMMDD');
        BEGIN
            IF to_regclass(quote_ident(part_name)) IS NOT NULL THEN
                RETURN;
            END IF;
            PERFORM pg_advisory_xact_lock(\(ddlLock));
            BEGIN
                EXECUTE format('CREATE TABLE %I PARTITION OF reports FOR VALUES FROM (%L) TO (%L)', part_name, p_day, p_day + 1);
            EXCEPTION WHEN duplicate_table OR unique_violation THEN
                NULL; -- another collector made it while we waited for the lock
            END;
        END
        $$
        """

    /// One report: the dedup row first (a concurrent insert of the same id waits here and then sees it), the raw
    /// report, then the rollups. A new day row starts from the install's latest known values; within a day the last
    /// report to arrive that carries a value wins, as in SQLite.
    static let insertFunction: String = {
        let params = columns.map { "p_\($0) text" }.joined(separator: ", ")
        let carried = columns.map { "COALESCE(p_\($0), i.\($0))" }.joined(separator: ", ")
        let dayUpdate = columns.map { "\($0) = COALESCE(p_\($0), d.\($0))" }.joined(separator: ", ")
        let installUpdate = columns.map { "\($0) = COALESCE(excluded.\($0), i.\($0))" }.joined(separator: ", ")
        let names = columns.joined(separator: ", ")
        let values = columns.map { "p_\($0)" }.joined(separator: ", ")
        return """
            CREATE FUNCTION collector_insert(p_message uuid, p_type text, p_time timestamptz, p_instance uuid,
                p_cluster uuid, p_received timestamptz, p_day date, \(params), p_body jsonb)
            RETURNS boolean LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO message_ids (message_id, received_day) VALUES (p_message, p_day) ON CONFLICT DO NOTHING;
                IF NOT FOUND THEN
                    RETURN false;
                END IF;
                IF p_day <= (now() AT TIME ZONE 'UTC')::date - 2 THEN
                    INSERT INTO day_versions AS v (day, version) VALUES (p_day, 1)
                        ON CONFLICT (day) DO UPDATE SET version = v.version + 1;
                END IF;
                INSERT INTO reports (received_day, received_at, message_id, type, report_time, instance_id, cluster_id, body)
                    VALUES (p_day, p_received, p_message, p_type, p_time, p_instance, p_cluster, p_body);
                INSERT INTO install_days AS d (day, instance_id, cluster_id, \(names))
                    SELECT p_day, p_instance, p_cluster, \(carried)
                    FROM (SELECT 1) AS one LEFT JOIN installs i ON i.instance_id = p_instance
                    ON CONFLICT (day, instance_id) DO UPDATE SET cluster_id = p_cluster, \(dayUpdate);
                INSERT INTO installs AS i (instance_id, first_day, last_day, \(names))
                    VALUES (p_instance, p_day, p_day, \(values))
                    ON CONFLICT (instance_id) DO UPDATE SET first_day = LEAST(i.first_day, excluded.first_day),
                        last_day = GREATEST(i.last_day, excluded.last_day), \(installUpdate);
                RETURN true;
            END
            $$
            """
    }()

    /// The SQL fragments versions 2 and 3 of `collector_insert` build from the carried columns (the breakdowns, the
    /// product and the facts): the parameters, the day row's values from the install's latest, the day row's and the
    /// install's updates, the column names and the parameters' values.
    private static let carriedSQL: (params: String, fromInstall: String, dayUpdate: String, installUpdate: String,
                                    names: String, values: String) = {
        let carried = columns + ["product", "facts"]
        return (columns.map { "p_\($0) text" }.joined(separator: ", "),
                carried.map { "COALESCE(p_\($0), i.\($0))" }.joined(separator: ", "),
                carried.map { "\($0) = COALESCE(p_\($0), d.\($0))" }.joined(separator: ", "),
                carried.map { "\($0) = COALESCE(excluded.\($0), i.\($0))" }.joined(separator: ", "),
                carried.joined(separator: ", "),
                carried.map { "p_\($0)" }.joined(separator: ", "))
    }()

    /// Version 2 of `collector_insert`: as version 1, and the product and facts are carried like the breakdowns (a
    /// report without facts leaves the last known ones), and each counter's increments above 0 (`p_counters` names,
    /// `p_increments` amounts) are added to the install's day.
    static let insertFunctionV2: String = {
        let (params, fromInstall, dayUpdate, installUpdate, names, values) = carriedSQL
        return """
            CREATE FUNCTION collector_insert(p_message uuid, p_type text, p_time timestamptz, p_instance uuid,
                p_cluster uuid, p_received timestamptz, p_day date, \(params), p_product text, p_facts jsonb,
                p_counters text[], p_increments int8[], p_body jsonb)
            RETURNS boolean LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO message_ids (message_id, received_day) VALUES (p_message, p_day) ON CONFLICT DO NOTHING;
                IF NOT FOUND THEN
                    RETURN false;
                END IF;
                IF p_day <= (now() AT TIME ZONE 'UTC')::date - 2 THEN
                    INSERT INTO day_versions AS v (day, version) VALUES (p_day, 1)
                        ON CONFLICT (day) DO UPDATE SET version = v.version + 1;
                END IF;
                INSERT INTO reports (received_day, received_at, message_id, type, report_time, instance_id, cluster_id, body)
                    VALUES (p_day, p_received, p_message, p_type, p_time, p_instance, p_cluster, p_body);
                INSERT INTO install_days AS d (day, instance_id, cluster_id, \(names))
                    SELECT p_day, p_instance, p_cluster, \(fromInstall)
                    FROM (SELECT 1) AS one LEFT JOIN installs i ON i.instance_id = p_instance
                    ON CONFLICT (day, instance_id) DO UPDATE SET cluster_id = p_cluster, \(dayUpdate);
                INSERT INTO installs AS i (instance_id, first_day, last_day, \(names))
                    VALUES (p_instance, p_day, p_day, \(values))
                    ON CONFLICT (instance_id) DO UPDATE SET first_day = LEAST(i.first_day, excluded.first_day),
                        last_day = GREATEST(i.last_day, excluded.last_day), \(installUpdate);
                IF cardinality(p_counters) > 0 THEN
                    INSERT INTO install_day_counters AS c (day, instance_id, counter, increments)
                        SELECT p_day, p_instance, n, v FROM unnest(p_counters, p_increments) AS u(n, v) WHERE v > 0
                        ON CONFLICT (day, instance_id, counter) DO UPDATE
                            SET increments = LEAST(c.increments + excluded.increments, \(maxCounterSum));
                END IF;
                RETURN true;
            END
            $$
            """
    }()

    /// Version 3 of `collector_insert` (same signature): as version 2, and the day row keeps the day's last arrival
    /// (`last_at`), the install's row its first (`first_at`). A report older than its install's first one may make the
    /// install established on later days: their cached counts are outdated (`day_versions`), the closed ones up to the
    /// install's last day; and any report outdates the install's next active day after its own (whose previous active
    /// day, so returning or resurrected, may change).
    static let insertFunctionV3 = insertFunctionV3(closedDaysAgo: 2)

    /// Version 4 of `collector_insert` (migration 6): version 3 with yesterday a closed day (`ClosedDay`), so a report
    /// stored into yesterday outdates its cached counts too. The bound has no grace: it outdates any day the refresher
    /// may have counted, and a transaction begun before midnight commits long before the grace is over.
    static let insertFunctionV4 = insertFunctionV3(closedDaysAgo: 1)

    /// Version 5 of `collector_insert` (migration 8): version 4, and the install's row is updated only when the report
    /// changes it (`installChanged`).
    static let insertFunctionV5 = insertFunctionV3(closedDaysAgo: 1, installWhere: installChanged)

    /// The condition under which the upsert into `installs` changes the row (`excluded`: the report's values, `i`: the
    /// row's): each SET of the upsert, true exactly when it would write another value.
    static let installChanged = (["i.first_day > excluded.first_day", "i.last_day < excluded.last_day",
                                  "i.first_at IS NULL OR i.first_at > excluded.first_at"]
                                 + (columns + ["product", "facts"]).map { "(excluded.\($0) IS NOT NULL AND excluded.\($0) IS DISTINCT FROM i.\($0))" })
        .joined(separator: "\n                        OR ")

    /// Version 3's text with days up to `closedDaysAgo` before the database's today counted as closed (version 3: 2),
    /// and with `installWhere` (version 5) the install's row updated only when it holds.
    static func insertFunctionV3(closedDaysAgo: Int, installWhere: String? = nil) -> String {
        let (params, fromInstall, dayUpdate, installUpdate, names, values) = carriedSQL
        return """
            CREATE OR REPLACE FUNCTION collector_insert(p_message uuid, p_type text, p_time timestamptz, p_instance uuid,
                p_cluster uuid, p_received timestamptz, p_day date, \(params), p_product text, p_facts jsonb,
                p_counters text[], p_increments int8[], p_body jsonb)
            RETURNS boolean LANGUAGE plpgsql AS $$
            DECLARE
                v_at int8 := floor(extract(epoch FROM p_received))::int8;
                v_closed date := (now() AT TIME ZONE 'UTC')::date - \(closedDaysAgo);
                v_last date;
                v_next date;
            BEGIN
                INSERT INTO message_ids (message_id, received_day) VALUES (p_message, p_day) ON CONFLICT DO NOTHING;
                IF NOT FOUND THEN
                    RETURN false;
                END IF;
                IF p_day <= v_closed THEN
                    INSERT INTO day_versions AS v (day, version) VALUES (p_day, 1)
                        ON CONFLICT (day) DO UPDATE SET version = v.version + 1;
                END IF;
                SELECT last_day INTO v_last FROM installs WHERE instance_id = p_instance AND first_at > v_at;
                IF FOUND AND p_day < v_closed THEN
                    INSERT INTO day_versions AS v (day, version)
                        SELECT p_day + k, 1 FROM generate_series(1, LEAST(v_last, v_closed) - p_day) AS k
                        ON CONFLICT (day) DO UPDATE SET version = v.version + 1;
                END IF;
                -- The install's next active day after this one: its previous active day (lifecycle) may change.
                SELECT min(day) INTO v_next FROM install_days WHERE instance_id = p_instance AND day > p_day;
                IF v_next IS NOT NULL AND v_next <= v_closed THEN
                    INSERT INTO day_versions AS v (day, version) VALUES (v_next, 1)
                        ON CONFLICT (day) DO UPDATE SET version = v.version + 1;
                END IF;
                INSERT INTO reports (received_day, received_at, message_id, type, report_time, instance_id, cluster_id, body)
                    VALUES (p_day, p_received, p_message, p_type, p_time, p_instance, p_cluster, p_body);
                INSERT INTO install_days AS d (day, instance_id, cluster_id, \(names), last_at)
                    SELECT p_day, p_instance, p_cluster, \(fromInstall), v_at
                    FROM (SELECT 1) AS one LEFT JOIN installs i ON i.instance_id = p_instance
                    ON CONFLICT (day, instance_id) DO UPDATE SET cluster_id = p_cluster, \(dayUpdate),
                        last_at = GREATEST(d.last_at, excluded.last_at);
                INSERT INTO installs AS i (instance_id, first_day, last_day, \(names), first_at)
                    VALUES (p_instance, p_day, p_day, \(values), v_at)
                    ON CONFLICT (instance_id) DO UPDATE SET first_day = LEAST(i.first_day, excluded.first_day),
                        last_day = GREATEST(i.last_day, excluded.last_day), \(installUpdate),
                        first_at = LEAST(i.first_at, excluded.first_at)\(installWhere.map { "\n                    WHERE \($0)" } ?? "");
                IF cardinality(p_counters) > 0 THEN
                    INSERT INTO install_day_counters AS c (day, instance_id, counter, increments)
                        SELECT p_day, p_instance, n, v FROM unnest(p_counters, p_increments) AS u(n, v) WHERE v > 0
                        ON CONFLICT (day, instance_id, counter) DO UPDATE
                            SET increments = LEAST(c.increments + excluded.increments, \(maxCounterSum));
                END IF;
                RETURN true;
            END
            $$
            """
    }

    /// A batch of reports, in order, as `InsertReport` stores each (`insert(batch:)`): one statement, so one round trip
    /// and one commit. The reports come as one array per column, element i being report i's; the breakdowns, product,
    /// facts (jsonb text) and key hash may be NULL. Counters are ragged: `p_counter_counts[i]` of the flat `p_counters`
    /// and `p_increments` are report i's, in order. Each report is what `InsertReport` does: nothing for an erased
    /// install (`p_instance_hash`), else its key hash pinned unless the install has one, then `collector_insert`, whatever
    /// version the last migration made it (so yesterday closed, as migration 6 has it). Answers each report's
    /// `InsertOutcome` in order: 'new', 'duplicate' (also a `messageId` earlier in the same batch) or 'erased'.
    /// A later `collector_insert` with other parameters needs a new version of this function in the same migration.
    static let insertBatchFunction: String = {
        let params = columns.map { "p_\($0) text[]" }.joined(separator: ", ")
        let args = columns.map { "p_\($0)[i]" }.joined(separator: ", ")
        return """
            CREATE FUNCTION collector_insert_batch(p_message uuid[], p_type text[], p_time timestamptz[], p_instance uuid[],
                p_cluster uuid[], p_received timestamptz[], p_day int4[], \(params), p_product text[], p_facts text[],
                p_counter_counts int4[], p_counters text[], p_increments int8[], p_body text[], p_key text[],
                p_instance_hash text[])
            RETURNS text[] LANGUAGE plpgsql AS $$
            DECLARE
                outcomes text[] := '{}';
                v_from int4 := 1; -- report i's first counter in p_counters
                v_count int4;
            BEGIN
                FOR i IN 1 .. coalesce(cardinality(p_message), 0) LOOP
                    v_count := p_counter_counts[i];
                    IF EXISTS (SELECT 1 FROM erased_installs WHERE instance_hash = p_instance_hash[i]) THEN
                        outcomes := array_append(outcomes, 'erased');
                    ELSE
                        IF p_key[i] IS NOT NULL THEN
                            INSERT INTO install_keys (instance_id, key_hash) VALUES (p_instance[i], p_key[i])
                                ON CONFLICT (instance_id) DO NOTHING;
                        END IF;
                        outcomes := array_append(outcomes, CASE WHEN collector_insert(p_message[i], p_type[i], p_time[i],
                            p_instance[i], p_cluster[i], p_received[i], DATE '1970-01-01' + p_day[i], \(args),
                            p_product[i], p_facts[i]::jsonb, p_counters[v_from : v_from + v_count - 1],
                            p_increments[v_from : v_from + v_count - 1], p_body[i]::jsonb)
                            THEN 'new' ELSE 'duplicate' END);
                    END IF;
                    v_from := v_from + v_count;
                END LOOP;
                RETURN outcomes;
            END
            $$
            """
    }()

    /// Drops every day partition before `p_before` (counting its rows first) and forgets their message ids.
    static let pruneFunction = """
        CREATE FUNCTION collector_prune(p_before date) RETURNS bigint LANGUAGE plpgsql AS $$
        DECLARE
            part record;
            n bigint;
            total bigint := 0;
        BEGIN
            PERFORM pg_advisory_xact_lock(\(ddlLock));
            FOR part IN
                SELECT c.relname FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid
                WHERE h.inhparent = 'reports'::regclass AND c.relname ~ '^reports_[0-9]{8}$'
                  AND to_date(substr(c.relname, 9), 'YYYYMMDD') < p_before
                ORDER BY c.relname
            LOOP
                EXECUTE format('SELECT count(*) FROM %I', part.relname) INTO n;
                total := total + n;
                EXECUTE format('DROP TABLE %I', part.relname);
            END LOOP;
            DELETE FROM message_ids WHERE received_day < p_before;
            RETURN total;
        END
        $$
        """
}
