using TrialManager.Benchmarks.Infrastructure;

namespace TrialManager.Benchmarks.Figures;

/// <summary>
/// assessment.save.rps: new complete QPR assessments saved per second through
/// `PUT /api/v1/trials/{trialId}/participants/{participantId}/assessments/{timepointCode}/{instrumentCode}` at 8
/// concurrent clients (the load of <see cref="AssessmentSaves"/>), against pgbench writing the same rows at 8 clients
/// in the same run: the assessment, its audit event and the move of an audit strand head, in one transaction. The
/// issue asks for at least 40% of pgbench's rate.
/// </summary>
public sealed class AssessmentSaveRate(AssessmentSaves saves) : IFigure
{
    private const double RequiredRatio = 0.40;

    public string Name => "assessment.save.rps";

    public async Task<FigureResult> RunAsync(BenchContext context, CancellationToken ct)
    {
        var api = await saves.PerSecondAsync(Name, context, ct);
        // The API host is stopped by now, so that it does not compete with pgbench for the CPU.
        await PgBench.EnsureStrandHeadsAsync(context.Database, saves.Trial.TrialId, AssessmentSaves.Clients, ct);
        var reference = await PgBench.RunAsync(context.Database.ConnectionString, PgBenchScript(saves), AssessmentSaves.Clients, threads: 2,
            context.Settings, ct);

        var result = new FigureResult(Name, api, "req/s", reference, "tx/s");
        if (result.Ratio < RequiredRatio)
            Console.Error.WriteLine(
                $"WARNING: {Name} reaches ratio={result.Ratio:F2} of pgbench's rate; the issue requires at least {RequiredRatio:F2}.");
        return result;
    }

    /// <summary>
    /// The rows the API writes for a new assessment (migrations Outcomes and AuditTrail), in the same transaction and
    /// order as its unit of work: lock a strand head of the trial's audit chain, insert the assessment, insert its
    /// audit event (linked after the head), move the head, commit. Strands, hashes and ids as in
    /// <see cref="ParticipantsCreate"/>'s script (client n owns strand n).
    /// <para>
    /// The assessment is for a random participant of the trial (their ids are md5 of the tag and a number, see
    /// <see cref="AssessmentSaves"/>), so that the same foreign keys are checked on rows spread as the API's; its
    /// timepoint code is unique per client and transaction, so that ux_assessments_instrument_code takes a new key
    /// each time, as it does for the API's new assessments. Answers and scores are the API's own for a complete QPR
    /// (the same compact JSON, as jsonb); the audit changes list every field of the assessment as AuditChanges
    /// writes them (answers and scores as raw JSON; about 900 bytes). Reading the participant, timepoint, schedule and
    /// instrument is the API's work and is not part of the reference.
    /// </para>
    /// </summary>
    private static string PgBenchScript(AssessmentSaves saves)
    {
        var trial = saves.Trial;
        var (answers, scores) = AssessmentSaves.StoredAnswers(0);
        return $$"""
            \set p random(0, {{saves.Participants - 1}})
            \set n random(1, 1000000000000000)
            BEGIN;
            SELECT sequence + 1 AS seq, encode(hash, 'hex') AS prev FROM audit_strand_heads
            WHERE chain_id = '{{trial.TrialId}}' AND strand = :client_id FOR UPDATE SKIP LOCKED \gset
            INSERT INTO assessments (id, trial_id, participant_id, timepoint_code, instrument_code, instrument_version, answers, scores, status,
                                     assessed_on, out_of_window, days_out_of_window, assessed_by, updated_at, revision)
            VALUES (gen_random_uuid(), '{{trial.TrialId}}', md5('{{saves.Tag}}-' || :p)::uuid, 'pgb-' || :client_id || '-' || :n,
                    '{{AssessmentSaves.Instrument}}', 1, '{{answers}}', '{{scores}}', 'complete', DATE '2011-06-08', false, 0,
                    '{{trial.ManagerId}}', now(), 1)
            RETURNING id AS assessment, participant_id AS participant, timepoint_code AS timepoint,
                      to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"') AS updated \gset
            INSERT INTO audit_events (id, chain_id, strand, sequence, trial_id, occurred_at, action, entity_type, entity_id, changes,
                                      actor_user_id, actor_role, request_id, reason, previous_hash, hash)
            SELECT gen_random_uuid(), '{{trial.TrialId}}', :client_id, :seq, '{{trial.TrialId}}', now(), 'insert', 'assessment', ':assessment',
                   changes::json, '{{trial.ManagerId}}', 'trial-manager', 'pgbench-' || :client_id || '-' || :n, NULL,
                   decode(':prev', 'hex'), sha256(convert_to(changes, 'UTF8') || decode(':prev', 'hex'))
            FROM (SELECT '[{"field":"answers","old":null,"new":{{answers}}},{"field":"assessedBy","old":null,"new":"{{trial.ManagerId}}"},{"field":"assessedOn","old":null,"new":"2011-06-08"},{"field":"daysOutOfWindow","old":null,"new":0},{"field":"instrumentCode","old":null,"new":"{{AssessmentSaves.Instrument}}"},{"field":"instrumentVersion","old":null,"new":1},{"field":"outOfWindow","old":null,"new":false},{"field":"participantId","old":null,"new":":participant"},{"field":"revision","old":null,"new":1},{"field":"scores","old":null,"new":{{scores}}},{"field":"status","old":null,"new":"complete"},{"field":"timepointCode","old":null,"new":":timepoint"},{"field":"updatedAt","old":null,"new":":updated"}]' AS changes) AS event
            RETURNING encode(hash, 'hex') AS next \gset
            UPDATE audit_strand_heads SET sequence = :seq, hash = decode(':next', 'hex')
            WHERE chain_id = '{{trial.TrialId}}' AND strand = :client_id;
            COMMIT;

            """;
    }
}
