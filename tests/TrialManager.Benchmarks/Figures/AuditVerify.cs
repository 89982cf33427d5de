using System.Data;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using TrialManager.Api.Features.Audit;
using TrialManager.Benchmarks.Infrastructure;
using TrialManager.Data.Audit;

namespace TrialManager.Benchmarks.Figures;

/// <summary>
/// audit.verify.events_per_s: how fast `GET /api/v1/trials/{trialId}/audit/verify` re-computes a trial's hash
/// chain of 200,000 events, against a plain SQL read of the same rows (the verification's query, streamed with
/// Npgsql) in the same run. The issue asks for at least 100,000 events/s.
/// <para>
/// The chain is made valid, not just large: the events are hashed with the API's own <see cref="AuditChain.Hasher"/>,
/// continuing each strand from its recorded head, and bulk-loaded with binary COPY together with the move of the
/// heads, in one transaction that holds the heads locked as the API's writers do. They look like the API's
/// enrolment events (same fields, changes JSON of about 500 bytes) and are spread round-robin over the 8 strands in
/// the order they "happened", so that each strand's events lie scattered over the table as the API leaves them,
/// not one strand after another. The verification must answer valid with every event of the chain checked (the
/// set-up's few events and the loaded ones); otherwise the figure fails.
/// </para>
/// </summary>
public sealed class AuditVerify : IFigure
{
    private const int Events = 200_000;
    private const double RequiredPerSecond = 100_000;

    /// <summary>Timed runs of each (after one untimed run of each); the median counts.</summary>
    private const int Runs = 3;

    /// <summary>The verification's query (AuditChainStore.VerifyAsync), for the reference.</summary>
    private const string ChainQuery = """
        SELECT id, chain_id, strand, sequence, trial_id, occurred_at, action, entity_type, entity_id, changes,
               actor_user_id, actor_role, request_id, reason, previous_hash, hash
        FROM audit_events WHERE chain_id = @chain ORDER BY strand, sequence
        """;

    public string Name => "audit.verify.events_per_s";

    public async Task<FigureResult> RunAsync(BenchContext context, CancellationToken ct)
    {
        var tag = $"bench-{Guid.NewGuid().ToString("N")[..8]}";
        await using var host = ApiHost.Start(context.Database.ConnectionString);
        using var admin = host.CreateHttpClient(host.AdminToken);
        var trial = await BenchTrial.CreateAsync(admin, tag, ct);
        await using var connection = await context.Database.OpenConnectionAsync(ct);

        var before = await CountAsync(connection, trial.TrialId, ct);
        var clock = Stopwatch.StartNew();
        await LoadEventsAsync(connection, trial, tag, ct);
        Console.Error.WriteLine($"[{Name}] loaded {Events} hashed events in {clock.Elapsed.TotalSeconds:F1} s");
        clock.Restart();
        // Statistics for the planner and hint bits set once, so that the first read does not pay for them.
        await ExecuteAsync(connection, "VACUUM (ANALYZE) audit_events", ct);
        Console.Error.WriteLine($"[{Name}] vacuumed and analysed audit_events in {clock.Elapsed.TotalSeconds:F1} s");
        var expected = await CountAsync(connection, trial.TrialId, ct);
        if (expected != before + Events)
            throw new InvalidOperationException($"The chain holds {expected} events, not {before} + {Events}.");

        using var manager = host.CreateHttpClient(trial.ManagerToken);
        var verifyPath = $"/api/v1/trials/{trial.TrialId}/audit/verify";
        var reads = new List<double>();
        var verifications = new List<double>();
        // Run 0 warms up (JIT, caches) and is not counted; the two alternate so that both see the same conditions.
        for (var run = 0; run <= Runs; run++)
        {
            var read = await ReadEventsAsync(connection, trial.TrialId, expected, ct);
            var verify = await VerifyAsync(manager, verifyPath, expected, ct);
            Console.Error.WriteLine($"[{Name}] {(run == 0 ? "warm-up" : $"run {run}")}: verify {Rate(expected, verify)}, SQL read {Rate(expected, read)}");
            if (run == 0)
                continue;
            reads.Add(expected / read.TotalSeconds);
            verifications.Add(expected / verify.TotalSeconds);
        }

        var result = new FigureResult(Name, Median(verifications), "events/s", Median(reads), "rows/s");
        if (result.Value < RequiredPerSecond)
            Console.Error.WriteLine(
                $"WARNING: {Name} verifies {result.Value:F0} events/s; the issue requires at least {RequiredPerSecond:F0}.");
        return result;
    }

    /// <summary>
    /// Appends <see cref="Events"/> valid events to the trial's chain in one transaction: locks its strand heads
    /// (made first if missing, as the API makes them), COPYs the events linked after them, and moves the heads.
    /// </summary>
    private static async Task LoadEventsAsync(NpgsqlConnection connection, BenchTrial trial, string tag, CancellationToken ct)
    {
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using (var make = new NpgsqlCommand("""
            INSERT INTO audit_strand_heads (chain_id, strand, sequence, hash)
            SELECT @chain, s, 0, @genesis FROM generate_series(0, @strands - 1) AS s
            ON CONFLICT DO NOTHING
            """, connection, transaction))
        {
            make.Parameters.AddWithValue("chain", trial.TrialId);
            make.Parameters.AddWithValue("genesis", AuditChain.Genesis);
            make.Parameters.AddWithValue("strands", AuditChain.Strands);
            await make.ExecuteNonQueryAsync(ct);
        }

        var heads = new List<(int Strand, long Sequence, byte[] Hash)>();
        await using (var lockHeads = new NpgsqlCommand(
            "SELECT strand, sequence, hash FROM audit_strand_heads WHERE chain_id = @chain ORDER BY strand FOR UPDATE", connection, transaction))
        {
            lockHeads.Parameters.AddWithValue("chain", trial.TrialId);
            await using var reader = await lockHeads.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                heads.Add((reader.GetInt32(0), reader.GetInt64(1), reader.GetFieldValue<byte[]>(2)));
        }

        var hasher = new AuditChain.Hasher();
        // In the past, one event every 50 µs, whole microseconds as PostgreSQL keeps them (they are hashed as read back).
        var now = DateTimeOffset.UtcNow;
        const long step = 50 * TimeSpan.TicksPerMicrosecond;
        var start = now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMicrosecond) - step * Events);
        await using (var copy = await connection.BeginBinaryImportAsync("""
            COPY audit_events (id, chain_id, strand, sequence, trial_id, occurred_at, action, entity_type, entity_id, changes,
                               actor_user_id, actor_role, request_id, reason, previous_hash, hash) FROM STDIN (FORMAT BINARY)
            """, ct))
        {
            for (var i = 0; i < Events; i++)
            {
                var at = start.AddTicks(step * i);
                var h = i % heads.Count;
                var head = heads[h];
                var e = new AuditEvent
                {
                    Id = Guid.CreateVersion7(at),
                    ChainId = trial.TrialId,
                    Strand = head.Strand,
                    Sequence = head.Sequence + 1,
                    TrialId = trial.TrialId,
                    OccurredAt = at,
                    Action = "insert",
                    EntityType = "participant",
                    EntityId = Guid.CreateVersion7(at),
                    Changes = EnrolmentChanges(trial, $"{tag}-{i}", at),
                    ActorUserId = trial.ManagerId,
                    ActorRole = "trial-manager",
                    RequestId = $"0HBENCH{i:D8}:00000001",
                    Reason = null,
                    PreviousHash = head.Hash,
                    Hash = AuditChain.Genesis,
                };
                e.Hash = hasher.Hash(e, head.Hash);
                heads[h] = (head.Strand, e.Sequence, e.Hash);

                await copy.StartRowAsync(ct);
                await copy.WriteAsync(e.Id, NpgsqlDbType.Uuid, ct);
                await copy.WriteAsync(e.ChainId, NpgsqlDbType.Uuid, ct);
                await copy.WriteAsync(e.Strand, NpgsqlDbType.Integer, ct);
                await copy.WriteAsync(e.Sequence, NpgsqlDbType.Bigint, ct);
                await copy.WriteAsync(e.TrialId.Value, NpgsqlDbType.Uuid, ct);
                await copy.WriteAsync(e.OccurredAt, NpgsqlDbType.TimestampTz, ct);
                await copy.WriteAsync(e.Action, NpgsqlDbType.Varchar, ct);
                await copy.WriteAsync(e.EntityType, NpgsqlDbType.Varchar, ct);
                await copy.WriteAsync(e.EntityId.Value, NpgsqlDbType.Uuid, ct);
                await copy.WriteAsync(e.Changes, NpgsqlDbType.Json, ct);
                await copy.WriteAsync(e.ActorUserId.Value, NpgsqlDbType.Uuid, ct);
                await copy.WriteAsync(e.ActorRole, NpgsqlDbType.Varchar, ct);
                await copy.WriteAsync(e.RequestId, NpgsqlDbType.Varchar, ct);
                await copy.WriteNullAsync(ct);
                await copy.WriteAsync(e.PreviousHash, NpgsqlDbType.Bytea, ct);
                await copy.WriteAsync(e.Hash, NpgsqlDbType.Bytea, ct);
            }
            await copy.CompleteAsync(ct);
        }

        var batch = new NpgsqlBatch(connection, transaction);
        await using (batch)
        {
            foreach (var (strand, sequence, hash) in heads)
            {
                var move = new NpgsqlBatchCommand("UPDATE audit_strand_heads SET sequence = @sequence, hash = @hash WHERE chain_id = @chain AND strand = @strand");
                move.Parameters.AddWithValue("sequence", sequence);
                move.Parameters.AddWithValue("hash", hash);
                move.Parameters.AddWithValue("chain", trial.TrialId);
                move.Parameters.AddWithValue("strand", strand);
                batch.BatchCommands.Add(move);
            }
            await batch.ExecuteNonQueryAsync(ct);
        }
        await transaction.CommitAsync(ct);
    }

    /// <summary>The changes of an enrolment as the API writes them (AuditChanges): every field, old null, new value.</summary>
    private static string EnrolmentChanges(BenchTrial trial, string externalId, DateTimeOffset at) =>
        $$"""[{"field":"baselineDate","old":null,"new":"2011-06-08"},{"field":"clusterId","old":null,"new":"{{trial.ClusterId}}"},{"field":"consentDate","old":null,"new":"2011-06-01"},{"field":"createdAt","old":null,"new":"{{at.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffffzzz", CultureInfo.InvariantCulture)}}"},{"field":"externalId","old":null,"new":"{{externalId}}"},{"field":"kind","old":null,"new":"patient"},{"field":"status","old":null,"new":"active"},{"field":"statusDate","old":null,"new":null},{"field":"statusReason","old":null,"new":null}]""";

    /// <summary>The verification through the API, as the trial manager; fails the figure unless it says valid for every event.</summary>
    private static async Task<TimeSpan> VerifyAsync(HttpClient manager, string path, long expected, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        using var response = await manager.GetAsync(path, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        var elapsed = clock.Elapsed;
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"GET {path} answered {(int)response.StatusCode}: {body}");
        var answer = JsonSerializer.Deserialize<JsonElement>(body);
        var valid = answer.TryGetProperty("valid", out var v) && v.ValueKind == JsonValueKind.True;
        var checkedCount = answer.TryGetProperty("eventsChecked", out var c) && c.TryGetInt64(out var n) ? n : -1;
        if (!valid || checkedCount != expected)
            throw new InvalidOperationException(
                $"The verification should find all {expected} events valid, but answered: {body[..Math.Min(body.Length, 2000)]}");
        return elapsed;
    }

    /// <summary>
    /// The reference: the verification's query in the same kind of snapshot, streamed, every column read as the
    /// .NET value the verification reads, without hashing.
    /// </summary>
    private static async Task<TimeSpan> ReadEventsAsync(NpgsqlConnection connection, Guid chainId, long expected, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        long rows = 0, bytes = 0;
        await using (var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct))
        {
            await using (var command = new NpgsqlCommand(ChainQuery, connection, transaction))
            {
                command.Parameters.AddWithValue("chain", chainId);
                await using var r = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, ct);
                while (await r.ReadAsync(ct))
                {
                    rows++;
                    // Read as AuditChainStore reads them; the sum only keeps the values from being ignored.
                    _ = r.GetGuid(0);
                    _ = r.GetGuid(1);
                    bytes += r.GetInt32(2) + r.GetInt64(3);
                    if (!r.IsDBNull(4))
                        _ = r.GetGuid(4);
                    _ = r.GetFieldValue<DateTimeOffset>(5);
                    bytes += r.GetString(6).Length + r.GetString(7).Length;
                    if (!r.IsDBNull(8))
                        _ = r.GetGuid(8);
                    bytes += r.GetString(9).Length;
                    if (!r.IsDBNull(10))
                        _ = r.GetGuid(10);
                    for (var column = 11; column <= 13; column++)
                        if (!r.IsDBNull(column))
                            bytes += r.GetString(column).Length;
                    bytes += r.GetFieldValue<byte[]>(14).Length + r.GetFieldValue<byte[]>(15).Length;
                }
            }
            await transaction.CommitAsync(ct);
        }
        var elapsed = clock.Elapsed;
        if (rows != expected || bytes <= 0)
            throw new InvalidOperationException($"The SQL read of the chain found {rows} events, not {expected}.");
        return elapsed;
    }

    private static async Task<long> CountAsync(NpgsqlConnection connection, Guid chainId, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("SELECT count(*) FROM audit_events WHERE chain_id = @chain", connection);
        command.Parameters.AddWithValue("chain", chainId);
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 600 };
        await command.ExecuteNonQueryAsync(ct);
    }

    private static string Rate(long events, TimeSpan elapsed) => $"{events / elapsed.TotalSeconds:F0}/s ({elapsed.TotalSeconds:F2} s)";

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
