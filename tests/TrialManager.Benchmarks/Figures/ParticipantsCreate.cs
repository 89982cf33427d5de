using TrialManager.Benchmarks.Infrastructure;

namespace TrialManager.Benchmarks.Figures;

/// <summary>
/// participants.create.rps: enrolments per second through `POST /api/v1/trials/{trialId}/participants` at 8
/// concurrent clients, against pgbench writing the same rows at 8 clients in the same run: the participant, its
/// audit event and the move of an audit strand head, in one transaction. The issue asks for at least 25% of
/// pgbench's rate.
/// </summary>
public sealed class ParticipantsCreate : IFigure
{
    private const int Clients = 8;
    private const double RequiredRatio = 0.25;

    public string Name => "participants.create.rps";

    public async Task<FigureResult> RunAsync(BenchContext context, CancellationToken ct)
    {
        var tag = $"bench-{Guid.NewGuid().ToString("N")[..8]}";
        var (api, trial) = await MeasureApiAsync(context, tag, ct);
        // The API host is stopped by now, so that it does not compete with pgbench for the CPU.
        await PgBench.EnsureStrandHeadsAsync(context.Database, trial.TrialId, Clients, ct);
        var reference = await PgBench.RunAsync(context.Database.ConnectionString, PgBenchScript(trial, tag), Clients, threads: 2,
            context.Settings, ct);

        var result = new FigureResult(Name, api, "req/s", reference, "tx/s");
        if (result.Ratio < RequiredRatio)
            Console.Error.WriteLine(
                $"WARNING: {Name} reaches ratio={result.Ratio:F2} of pgbench's rate; the issue requires at least {RequiredRatio:F2}.");
        return result;
    }

    private async Task<(double PerSecond, BenchTrial Trial)> MeasureApiAsync(BenchContext context, string tag, CancellationToken ct)
    {
        await using var host = ApiHost.Start(context.Database.ConnectionString);
        using var admin = host.CreateHttpClient(host.AdminToken);
        var trial = await BenchTrial.CreateAsync(admin, tag, ct);

        using var client = host.CreateHttpClient(trial.ManagerToken, Clients);
        var load = await Enrolments.RunAsync(Name, client, trial, tag, Clients, context.Settings.WarmUp, context.Settings.Measured, ct);
        Console.Error.WriteLine($"[{Name}] API: {load.Succeeded} enrolments in {load.Elapsed.TotalSeconds:F1} s");
        return (load.PerSecond, trial);
    }

    /// <summary>
    /// The rows the API writes for an enrolment (migrations Foundation and AuditTrail), in the same transaction and
    /// order as its unit of work: lock a strand head of the trial's audit chain, insert the participant, insert its
    /// audit event (linked after the head: next sequence, the head's hash as previous hash), move the head, commit.
    /// Same trial and cluster, so that the same foreign keys and unique indexes are checked, (trial_id,
    /// external_id) for the participant and ux_audit_events_sequence (chain_id, strand, sequence) for the event.
    /// <para>
    /// Strand per client: client n locks strand n (:client_id, 0-7; 8 clients and the API's 8 strands). The API
    /// locks the lowest strand that nobody else holds (FOR UPDATE SKIP LOCKED), so its 8 concurrent writers end up
    /// on 8 different strands as well; one strand for all clients would make pgbench queue on one row lock until
    /// each commit, and measure that queue rather than PostgreSQL writing rows. Each client owns its strand, so
    /// SKIP LOCKED never skips here (it is kept so that the lock is taken the way the API takes it); because the
    /// sequence is the locked head's plus one, it is unique per (chain_id, strand, sequence) however long pgbench
    /// runs, and also after the API's own events in the same strands.
    /// </para>
    /// <para>
    /// Sizes as the API's: the changes are the same JSON (about 500 bytes: every field of the participant, old and
    /// new), the hashes 32 bytes each. The hash is SHA-256 of the changes and the previous hash, computed by
    /// PostgreSQL; the API computes its (over the whole canonical event) in .NET, so here it only has to have the
    /// right size and link the strand, not to pass verification. Ids are random v4 UUIDs rather than the API's v7
    /// ones, which if anything makes pgbench slower (index inserts spread over the whole primary key).
    /// pgbench substitutes its variables anywhere in a command, within quotes too: ':participant' becomes the
    /// participant's id. `:null` in the JSON is left alone because pgbench has no variable of that name.
    /// </para>
    /// </summary>
    private static string PgBenchScript(BenchTrial trial, string tag) => $$"""
        \set n random(1, 1000000000000000)
        BEGIN;
        SELECT sequence + 1 AS seq, encode(hash, 'hex') AS prev FROM audit_strand_heads
        WHERE chain_id = '{{trial.TrialId}}' AND strand = :client_id FOR UPDATE SKIP LOCKED \gset
        INSERT INTO participants (id, trial_id, cluster_id, external_id, kind, consent_date, baseline_date, status, created_at)
        VALUES (gen_random_uuid(), '{{trial.TrialId}}', '{{trial.ClusterId}}', 'pgb-{{tag}}-' || :client_id || '-' || :n,
                'patient', DATE '2011-06-01', DATE '2011-06-08', 'active', now())
        RETURNING id AS participant, external_id AS external,
                  to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"') AS created \gset
        INSERT INTO audit_events (id, chain_id, strand, sequence, trial_id, occurred_at, action, entity_type, entity_id, changes,
                                  actor_user_id, actor_role, request_id, reason, previous_hash, hash)
        SELECT gen_random_uuid(), '{{trial.TrialId}}', :client_id, :seq, '{{trial.TrialId}}', now(), 'insert', 'participant', ':participant',
               changes::json, '{{trial.ManagerId}}', 'trial-manager', 'pgbench-' || :client_id || '-' || :n, NULL,
               decode(':prev', 'hex'), sha256(convert_to(changes, 'UTF8') || decode(':prev', 'hex'))
        FROM (SELECT '[{"field":"baselineDate","old":null,"new":"2011-06-08"},{"field":"clusterId","old":null,"new":"{{trial.ClusterId}}"},{"field":"consentDate","old":null,"new":"2011-06-01"},{"field":"createdAt","old":null,"new":":created"},{"field":"externalId","old":null,"new":":external"},{"field":"kind","old":null,"new":"patient"},{"field":"status","old":null,"new":"active"},{"field":"statusDate","old":null,"new":null},{"field":"statusReason","old":null,"new":null}]' AS changes) AS event
        RETURNING encode(hash, 'hex') AS next \gset
        UPDATE audit_strand_heads SET sequence = :seq, hash = decode(':next', 'hex')
        WHERE chain_id = '{{trial.TrialId}}' AND strand = :client_id;
        COMMIT;

        """;
}
