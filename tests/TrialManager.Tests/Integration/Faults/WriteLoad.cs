using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;

namespace TrialManager.Tests.Integration.Faults;

/// <summary>
/// Concurrent writers through the public API, as researchers at both sites: each enrols a participant and saves its
/// baseline assessment, again and again. Every answer is kept with when it was sent and received, every acknowledged
/// (2xx) write with the id its answer gave, and every write cut off without an answer, to look for it afterwards (a
/// connection refused is only counted: that request never reached the service).
/// </summary>
public sealed class WriteLoad(FaultTrial trial)
{
    /// <param name="RetryAfter">the Retry-After the answer asked for, in seconds</param>
    public sealed record Answer(string Kind, TimeSpan SentAt, TimeSpan AnsweredAt, int Status, int? RetryAfter);

    public sealed record Write(string Kind, Guid Id);

    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly ConcurrentQueue<Answer> _answers = new();
    private readonly ConcurrentQueue<Write> _acknowledged = new();
    private readonly ConcurrentQueue<string> _unansweredEnrolments = new();
    private readonly ConcurrentQueue<Guid> _unansweredSaves = new();
    private int _sequence, _refused;

    /// <summary>Time since the load was made, on the clock of <see cref="Answer"/>.</summary>
    public TimeSpan Now => _clock.Elapsed;

    public IReadOnlyCollection<Answer> Answers => _answers;
    public IReadOnlyCollection<Write> Acknowledged => _acknowledged;
    public int CutOff => _unansweredEnrolments.Count + _unansweredSaves.Count;
    public int Refused => _refused;

    /// <summary>
    /// Answers counted by status and Retry-After: "201:40 503/5s:12" (a 503 asking for 5 s is the database outage's,
    /// one asking for 1 s is a write refused by admission control, which changed nothing).
    /// </summary>
    public static string Statuses(IEnumerable<Answer> answers) =>
        answers.GroupBy(a => a.RetryAfter is { } wait ? $"{a.Status}/{wait}s" : $"{a.Status}").OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => $"{g.Key}:{g.Count()}").DefaultIfEmpty("none").Aggregate((all, next) => $"{all} {next}");

    /// <summary>Writes until stopped; a write already sent is always waited for, never cancelled.</summary>
    public Task RunAsync(ApiClient api, int writers, CancellationToken stop) =>
        Task.WhenAll(Enumerable.Range(0, writers).Select(writer => Task.Run(() => WriterAsync(api, writer, stop))));

    /// <summary>An enrolment that stops at the fault point (`before-commit`, `after-commit`), for a fault to catch it there.</summary>
    public Task<ApiResponse?> PausedEnrolmentAsync(ApiClient api, string point, string externalId) =>
        EnrolAsync(api, trial.World.ResearcherA, trial.World.ClusterA, externalId, point);

    private async Task WriterAsync(ApiClient api, int writer, CancellationToken stop)
    {
        var world = trial.World;
        var (token, cluster) = writer % 2 == 0 ? (world.ResearcherA, world.ClusterA) : (world.ResearcherB, world.ClusterB);
        while (!stop.IsCancellationRequested)
        {
            var enrolled = await EnrolAsync(api, token, cluster, $"W{writer}-{Interlocked.Increment(ref _sequence):D6}", null);
            ApiResponse? saved = null;
            if (enrolled is { Code: 201 })
            {
                saved = await SendAsync("assessment", () => api.Put(trial.AssessmentPath(enrolled.Id), FaultTrial.Assessment, token),
                    () => _unansweredSaves.Enqueue(enrolled.Id));
            }
            // Backs off while the service or its database is away, rather than spinning on refusals.
            if (saved is not { Code: 201 })
                await Task.Delay(100, CancellationToken.None);
        }
    }

    private Task<ApiResponse?> EnrolAsync(ApiClient api, string token, Guid cluster, string externalId, string? faultPoint) =>
        SendAsync("participant", () => api.Send(HttpMethod.Post, $"{trial.World.Path}/participants",
            JsonContent.Create(FaultTrial.Participant(externalId, cluster), options: JsonSerializerOptions.Web), token,
            request =>
            {
                if (faultPoint is not null)
                    request.Headers.Add(FaultTest.PauseHeader, faultPoint);
            }), () => _unansweredEnrolments.Enqueue(externalId));

    /// <summary>The answer, or null when there was none: then the write was refused a connection or cut off.</summary>
    private async Task<ApiResponse?> SendAsync(string kind, Func<Task<ApiResponse>> send, Action cutOff)
    {
        var sentAt = Now;
        try
        {
            var response = await send();
            _answers.Enqueue(new Answer(kind, sentAt, Now, response.Code, (int?)response.Headers.RetryAfter?.Delta?.TotalSeconds));
            if (response.Code is >= 200 and < 300)
                _acknowledged.Enqueue(new Write(kind, response.Id));
            return response;
        }
        catch (HttpRequestException e) when (e.HttpRequestError == HttpRequestError.ConnectionError)
        {
            Interlocked.Increment(ref _refused);
            return null;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            cutOff();
            return null;
        }
    }

    /// <summary>
    /// What the database holds of the load: the acknowledged writes missing (lost) or stored without their audit event,
    /// every row of the trial stored without one, and the writes that got no answer but were stored anyway.
    /// </summary>
    public async Task<WriteCheck> CheckAsync(TestDatabase database)
    {
        var acknowledged = _acknowledged.Select(w => w.Id).ToArray();
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        var stored = await IdsAsync(connection,
            "SELECT id FROM participants WHERE id = ANY($1) UNION ALL SELECT id FROM assessments WHERE id = ANY($1)", acknowledged);
        var audited = await IdsAsync(connection,
            "SELECT DISTINCT entity_id FROM audit_events WHERE chain_id = $2 AND entity_id = ANY($1)", acknowledged, trial.TrialId);
        var withoutAudit = await IdsAsync(connection, """
            SELECT r.id FROM (SELECT id FROM participants WHERE trial_id = $1 UNION ALL SELECT id FROM assessments WHERE trial_id = $1) r
            WHERE NOT EXISTS (SELECT FROM audit_events a WHERE a.chain_id = $1 AND a.entity_id = r.id)
            """, trial.TrialId);
        var storedUnanswered = await IdsAsync(connection, """
            SELECT id FROM participants WHERE trial_id = $1 AND external_id = ANY($2)
            UNION ALL SELECT id FROM assessments WHERE participant_id = ANY($3)
            """, trial.TrialId, _unansweredEnrolments.ToArray(), _unansweredSaves.ToArray());
        return new WriteCheck(acknowledged.Length, acknowledged.Where(id => !stored.Contains(id)).ToList(),
            acknowledged.Count(id => stored.Contains(id) && !audited.Contains(id)), withoutAudit.Count, CutOff, Refused, storedUnanswered.Count);
    }

    private static async Task<HashSet<Guid>> IdsAsync(NpgsqlConnection connection, string sql, params object[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var value in parameters)
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new HashSet<Guid>();
        while (await reader.ReadAsync())
            ids.Add(reader.GetGuid(0));
        return ids;
    }
}

/// <param name="Checked">acknowledged writes looked for</param>
/// <param name="Lost">acknowledged writes not in the database</param>
/// <param name="Unaudited">acknowledged writes stored without their audit event</param>
/// <param name="RowsWithoutAudit">participants and assessments of the trial, acknowledged or not, without an audit event</param>
/// <param name="CutOff">writes sent but cut off without an answer by the fault</param>
/// <param name="Refused">writes refused a connection (the service was not listening)</param>
/// <param name="StoredUnanswered">writes cut off but stored all the same</param>
public sealed record WriteCheck(int Checked, IReadOnlyList<Guid> Lost, int Unaudited, int RowsWithoutAudit, int CutOff, int Refused,
    int StoredUnanswered)
{
    public Figures AddTo(Figures figures) => figures
        .Add("acknowledged writes checked", Checked).Add("lost", Lost.Count).Add("without audit event", Unaudited)
        .Add("rows without audit event", RowsWithoutAudit).Add("cut off", CutOff).Add("cut off but stored", StoredUnanswered)
        .Add("refused a connection", Refused);
}
