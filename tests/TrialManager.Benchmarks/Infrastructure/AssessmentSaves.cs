using System.Globalization;
using System.Text;
using System.Text.Json;
using Npgsql;
using TrialManager.Api.Features.Outcomes;
using TrialManager.Api.Features.Outcomes.Scoring;

namespace TrialManager.Benchmarks.Infrastructure;

/// <summary>
/// The assessment load shared by assessment.save.rps, assessment.save.p99_ms and assessment.save.overload: every request is
/// `PUT /api/v1/trials/{trialId}/participants/{participantId}/assessments/{timepointCode}/QPR` with a complete QPR
/// (all 22 items answered) for a (participant, timepoint) that has none yet, so that each one creates an assessment,
/// scores it and writes its audit event, as the trial manager. One set-up and one measured rate per run, made by
/// whichever of the two figures runs first: the latency is measured at half the rate that the rate figure measured.
/// <para>
/// The trial is set up through the API as a trial manager would (the QPR from the library, <see cref="Timepoints"/>
/// monthly timepoints, the QPR due at each for patients); its participants are inserted with plain SQL, because
/// enrolling thousands through the API would take longer than the measurement and is measured by
/// participants.create.rps already (so they have no audit events of their own; nothing here verifies the chain).
/// Request n goes to participant n mod P at timepoint n / P, so that concurrent saves are for different participants,
/// as when several researchers enter data at once.
/// </para>
/// </summary>
public sealed class AssessmentSaves
{
    public const int Clients = 8;
    public const string Instrument = "QPR";
    private const int Timepoints = 12;

    /// <summary>
    /// The participants are enough for this rate during the rate figure's warm-up and measurement, half of it during
    /// the latency figure's and 1.5 times it during the overload figure's: far above what the API reaches on a small
    /// machine, and cheap to insert.
    /// </summary>
    private const double MostPerSecond = 4000;

    /// <summary>Different answers from request to request, as real ones are; scores and audit changes differ with them.</summary>
    private const int AnswerVariants = 5;

    private static readonly InstrumentDefinition Qpr = InstrumentLibrary.Find(Instrument)
        ?? throw new InvalidOperationException($"The instrument library has no {Instrument}.");

    private static readonly DateOnly Baseline = new(2011, 6, 8);

    private BenchTrial? _trial;
    private string _tag = "";
    private Guid[] _participants = [];
    private string[,] _bodies = new string[0, 0];
    private long _used;
    private double? _perSecond;

    /// <summary>The trial of this run, once set up.</summary>
    public BenchTrial Trial => _trial ?? throw new InvalidOperationException("The assessment trial is not set up yet.");

    /// <summary>Unique per run; the participants' ids are md5(tag-k) for k in 0..<see cref="Participants"/>-1.</summary>
    public string Tag => _tag;

    public int Participants => _participants.Length;

    /// <summary>Saves left before every (participant, timepoint) has its assessment.</summary>
    public long Remaining => (long)_participants.Length * Timepoints - Interlocked.Read(ref _used);

    /// <summary>
    /// The saves per second through the API at <see cref="Clients"/> concurrent clients, closed-loop (LoadGenerator),
    /// on an API host of its own that is stopped again before this returns, so that a reference measured next does
    /// not compete with it. Measured once per run; later calls answer the same.
    /// </summary>
    public async Task<double> PerSecondAsync(string label, BenchContext context, CancellationToken ct)
    {
        if (_perSecond is { } measured)
            return measured;
        await using var host = ApiHost.Start(context.Database.ConnectionString);
        await SetUpAsync(host, context, ct);
        using var client = host.CreateHttpClient(Trial.ManagerToken, Clients);
        var load = await LoadGenerator.RunAsync(Clients, context.Settings.WarmUp, context.Settings.Measured, successStatus: 201,
            _ => SaveAsync(client), ct);
        if (load.Failed > 0)
            Console.Error.WriteLine($"[{label}] {load.Failed} answers were not 201 Created: " +
                string.Join(", ", load.FailedByStatus.OrderBy(p => p.Key).Select(p => $"{p.Key} x{p.Value}")));
        Console.Error.WriteLine($"[{label}] API: {load.Succeeded} assessments saved in {load.Elapsed.TotalSeconds:F1} s at {Clients} clients");
        _perSecond = load.PerSecond;
        return load.PerSecond;
    }

    /// <summary>Sets the trial up through the given host the first time; later hosts of the run use the same trial.</summary>
    public async Task SetUpAsync(ApiHost host, BenchContext context, CancellationToken ct)
    {
        if (_trial is not null)
            return;
        var tag = $"bench-{Guid.NewGuid().ToString("N")[..8]}";
        using var admin = host.CreateHttpClient(host.AdminToken);
        var trial = await BenchTrial.CreateAsync(admin, tag, ct);

        using var manager = host.CreateHttpClient(trial.ManagerToken);
        var path = $"/api/v1/trials/{trial.TrialId}";
        await BenchTrial.SendAsync(manager, HttpMethod.Post, $"{path}/instruments", new { fromLibrary = Instrument }, ct);
        for (var t = 0; t < Timepoints; t++)
            await BenchTrial.SendAsync(manager, HttpMethod.Post, $"{path}/timepoints", new
            {
                code = TimepointCode(t), label = t == 0 ? "Baseline" : $"Month {t}", offsetDays = OffsetDays(t),
                windowDaysBefore = t == 0 ? 0 : 7, windowDaysAfter = 14,
            }, ct);
        await BenchTrial.SendAsync(manager, HttpMethod.Put, $"{path}/schedule", new
        {
            entries = Enumerable.Range(0, Timepoints).Select(t => new { timepointCode = TimepointCode(t), instrumentCode = Instrument, participantKind = "patient" }),
        }, ct);

        var seconds = Math.Max(1, context.Settings.WarmUpSeconds + context.Settings.MeasuredSeconds);
        var participants = (int)Math.Ceiling(MostPerSecond * 3 * seconds / Timepoints);
        _participants = await InsertParticipantsAsync(context.Database, trial, tag, participants, ct);
        _bodies = new string[Timepoints, AnswerVariants];
        for (var t = 0; t < Timepoints; t++)
            for (var v = 0; v < AnswerVariants; v++)
                _bodies[t, v] = Body(v, Baseline.AddDays(OffsetDays(t)));
        _tag = tag;
        _trial = trial;
        Console.Error.WriteLine($"[assessments] trial {tag}: {Timepoints} timepoints, {participants} participants ({(long)participants * Timepoints} saves)");
    }

    /// <summary>Saves the next new assessment and returns the HTTP status code (201 Created when it was new).</summary>
    public async Task<int> SaveAsync(HttpClient client) => (await SaveNextAsync(client)).Status;

    /// <summary>Saves the next new assessment: the HTTP status code, and whose assessment at which timepoint it was.</summary>
    public async Task<(int Status, Guid Participant, string Timepoint)> SaveNextAsync(HttpClient client)
    {
        var slot = Interlocked.Increment(ref _used) - 1;
        var (timepoint, participant) = Math.DivRem(slot, _participants.Length);
        if (timepoint >= Timepoints)
            throw new InvalidOperationException($"Every participant has all {Timepoints} assessments; raise MostPerSecond in AssessmentSaves.");
        using var body = new StringContent(_bodies[timepoint, slot % AnswerVariants], Encoding.UTF8, "application/json");
        var (id, code) = (_participants[participant], TimepointCode((int)timepoint));
        using var response = await client.PutAsync($"/api/v1/trials/{Trial.TrialId}/participants/{id}/assessments/{code}/{Instrument}",
            body, CancellationToken.None);
        return ((int)response.StatusCode, id, code);
    }

    /// <summary>The answers of variant v as the API stores them (item order, compact JSON), and their scores by the API's rules.</summary>
    public static (string Answers, string Scores) StoredAnswers(int variant)
    {
        var answers = Answers(variant).ToDictionary(a => a.Code, a => JsonSerializer.SerializeToElement(a.Value));
        return (JsonSerializer.Serialize(answers), JsonSerializer.Serialize(InstrumentRules.Score(Qpr, answers)));
    }

    /// <summary>Every item of the QPR answered 0-4, different per variant; written by hand, as cheap for the client as can be.</summary>
    private static string Body(int variant, DateOnly assessedOn)
    {
        var answers = string.Join(",", Answers(variant).Select(a => $"\"{a.Code}\":{a.Value}"));
        return $$"""{"answers":{{{answers}}},"status":"complete","assessedOn":"{{assessedOn.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}}"}""";
    }

    private static IEnumerable<(string Code, int Value)> Answers(int variant) =>
        Qpr.Items.Select((item, i) => (item.Code, (i + variant) % 5));

    private static string TimepointCode(int t) => t == 0 ? "baseline" : $"month-{t}";

    private static int OffsetDays(int t) => t * 30;

    /// <summary>Active patients in the trial's cluster, enrolled at the same baseline as Enrolments's.</summary>
    private static async Task<Guid[]> InsertParticipantsAsync(BenchDatabase database, BenchTrial trial, string tag, int count, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand("""
            INSERT INTO participants (id, trial_id, cluster_id, external_id, kind, consent_date, baseline_date, status, created_at)
            SELECT md5(@tag || '-' || k)::uuid, @trial, @cluster, @tag || '-' || k, 'patient', DATE '2011-06-01', @baseline, 'active', now()
            FROM generate_series(0, @count - 1) AS k
            RETURNING id
            """, connection) { CommandTimeout = 600 };
        command.Parameters.AddWithValue("tag", tag);
        command.Parameters.AddWithValue("trial", trial.TrialId);
        command.Parameters.AddWithValue("cluster", trial.ClusterId);
        command.Parameters.AddWithValue("baseline", Baseline);
        command.Parameters.AddWithValue("count", count);
        var ids = new List<Guid>(count);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            ids.Add(reader.GetGuid(0));
        return [.. ids];
    }
}
