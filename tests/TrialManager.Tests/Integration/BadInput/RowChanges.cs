using Npgsql;

namespace TrialManager.Tests.Integration.BadInput;

/// <summary>One committed row change: the table, INSERT/UPDATE/DELETE/TRUNCATE, and for an update the columns that changed.</summary>
public sealed record RowChange(long Id, string Table, string Operation, string[] Columns)
{
    public override string ToString() => Operation == "UPDATE" ? $"{Operation} {Table} ({string.Join(", ", Columns)})" : $"{Operation} {Table}";
}

/// <summary>
/// Every committed change to a row of any table in the public schema, as triggers in the test database log it (in a
/// schema of their own, as the superuser, so the service's role needs no grant). A log read after each request says
/// exactly what that request changed, table by table, where comparing snapshots would only say that something did;
/// a rolled-back transaction leaves nothing in it. <see cref="InstallAsync"/> adds the triggers and
/// <see cref="DisposeAsync"/> removes them, so that the other tests of the run see the schema as migrated.
/// </summary>
public sealed class RowChanges : IAsyncDisposable
{
    private const string Schema = "badinput_log";
    private long _seen;

    private RowChanges()
    {
    }

    /// <summary>
    /// Authentication records a token's last use at one-minute granularity, whatever the request then does: that write
    /// belongs to the bearer, not to the input.
    /// </summary>
    public static bool IsBookkeeping(RowChange change) =>
        change is { Table: "api_tokens", Operation: "UPDATE" } && change.Columns.All(c => c == "last_used_at");

    public static async Task<RowChanges> InstallAsync()
    {
        await TestHost.Database.ExecuteAsync($"""
            DROP SCHEMA IF EXISTS {Schema} CASCADE;
            CREATE SCHEMA {Schema};
            CREATE TABLE {Schema}.changes (id bigserial PRIMARY KEY, table_name text NOT NULL, operation text NOT NULL, columns text[] NOT NULL);
            CREATE FUNCTION {Schema}.record() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
            BEGIN
                INSERT INTO {Schema}.changes (table_name, operation, columns) VALUES (TG_TABLE_NAME, TG_OP,
                    CASE WHEN TG_OP = 'UPDATE'
                        THEN ARRAY(SELECT n.key FROM jsonb_each(to_jsonb(NEW)) n WHERE to_jsonb(OLD) -> n.key IS DISTINCT FROM n.value ORDER BY n.key)
                        ELSE ARRAY[]::text[] END);
                RETURN NULL;
            END $$;
            GRANT USAGE ON SCHEMA {Schema} TO {TestDatabase.RuntimeRole};
            DO $$
            DECLARE t record;
            BEGIN
                FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP
                    EXECUTE format('CREATE TRIGGER badinput_rows AFTER INSERT OR UPDATE OR DELETE ON public.%I FOR EACH ROW EXECUTE FUNCTION {Schema}.record()', t.tablename);
                    EXECUTE format('CREATE TRIGGER badinput_truncate AFTER TRUNCATE ON public.%I FOR EACH STATEMENT EXECUTE FUNCTION {Schema}.record()', t.tablename);
                END LOOP;
            END $$;
            """);
        var log = new RowChanges();
        await log.TakeAsync();
        return log;
    }

    /// <summary>The changes committed since the last call (bookkeeping left out).</summary>
    public async Task<IReadOnlyList<RowChange>> TakeAsync()
    {
        await using var connection = new NpgsqlConnection(TestHost.Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"SELECT id, table_name, operation, columns FROM {Schema}.changes WHERE id > $1 ORDER BY id", connection)
            { Parameters = { new() { Value = _seen } } };
        await using var reader = await command.ExecuteReaderAsync();
        var changes = new List<RowChange>();
        while (await reader.ReadAsync())
        {
            var change = new RowChange(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<string[]>(3));
            _seen = change.Id;
            if (!IsBookkeeping(change))
                changes.Add(change);
        }
        return changes;
    }

    public async ValueTask DisposeAsync() =>
        await TestHost.Database.ExecuteAsync($"""
            DO $$
            DECLARE t record;
            BEGIN
                FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP
                    EXECUTE format('DROP TRIGGER IF EXISTS badinput_rows ON public.%I', t.tablename);
                    EXECUTE format('DROP TRIGGER IF EXISTS badinput_truncate ON public.%I', t.tablename);
                END LOOP;
            END $$;
            DROP SCHEMA IF EXISTS {Schema} CASCADE;
            """);
}
