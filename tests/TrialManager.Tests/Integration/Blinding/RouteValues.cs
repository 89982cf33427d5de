namespace TrialManager.Tests.Integration.Blinding;

/// <summary>
/// Real values of the seeded world for every path parameter name the API uses and every documented filter, read from
/// the database so that each id and code that exists is tried. A name missing here makes the crawl fail, naming the
/// route: a new route is covered or the crawl says why not.
/// </summary>
public sealed class RouteValues
{
    private RouteValues(Dictionary<string, IReadOnlyList<string>> path, Dictionary<string, IReadOnlyList<string>> query) =>
        (Path, Query) = (path, query);

    public IReadOnlyDictionary<string, IReadOnlyList<string>> Path { get; }

    /// <summary>Filter values by parameter name (any case): real ids, every word of enum-like filters, dates.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Query { get; }

    private const string Chains = "chain_id IN ($1, '00000000-0000-0000-0000-000000000000')";

    public static async Task<RouteValues> ReadAsync(BlindedWorld world)
    {
        var trial = world.World.TrialId;
        async Task<IReadOnlyList<string>> Column(string sql)
        {
            var distinct = $"SELECT string_agg(DISTINCT v, ',') FROM ({sql}) AS t(v)";
            var joined = sql.Contains("$1") ? await TestHost.Database.ScalarAsync<string>(distinct, trial) : await TestHost.Database.ScalarAsync<string>(distinct);
            return joined?.Split(',') ?? [];
        }

        var sites = await Column("SELECT id::text FROM sites WHERE trial_id = $1");
        var clusters = await Column("SELECT id::text FROM clusters WHERE trial_id = $1");
        var participants = await Column("SELECT id::text FROM participants WHERE trial_id = $1");
        var assessments = await Column("SELECT id::text FROM assessments WHERE trial_id = $1");
        var instruments = await Column("SELECT code FROM instruments WHERE trial_id = $1");
        var users = await Column("SELECT id::text FROM users");
        var path = new Dictionary<string, IReadOnlyList<string>>
        {
            ["trialId"] = [trial.ToString()],
            ["siteId"] = sites,
            ["clusterId"] = clusters,
            ["participantId"] = participants,
            ["assessmentId"] = assessments,
            ["queryId"] = await Column("SELECT id::text FROM data_queries WHERE trial_id = $1"),
            ["exportId"] = await Column("SELECT id::text FROM exports WHERE trial_id = $1"),
            ["code"] = instruments,
            ["instrumentCode"] = instruments,
            ["timepointCode"] = await Column("SELECT code FROM timepoints WHERE trial_id = $1"),
            ["userId"] = users,
            ["tokenId"] = await Column("SELECT id::text FROM api_tokens"),
            ["jobName"] = ["follow-up-reminders", "audit-checkpoint", "export-cleanup"],
        };
        var query = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase)
        {
            // One name, several lists (trials, participants, queries): every word is tried on each.
            ["status"] = ["setup", "recruiting", "follow-up", "locked", "active", "withdrawn-follow-up", "withdrawn-data", "died", "lost",
                "open", "answered", "closed"],
            ["kind"] = ["patient", "staff"],
            ["state"] = ["not-yet", "upcoming", "open", "closing", "overdue", "done", "not-due"],
            ["siteId"] = sites,
            ["clusterId"] = clusters,
            ["participantId"] = participants,
            ["externalId"] = await Column("SELECT external_id FROM participants WHERE trial_id = $1"),
            ["assessmentId"] = assessments,
            ["primaryInstrument"] = instruments,
            ["version"] = await Column("SELECT version::text FROM instruments WHERE trial_id = $1"),
            ["olderThanDays"] = ["0", "1", "3650"],
            // The trial's chain and the system chain (users and tokens).
            ["entityType"] = await Column($"SELECT entity_type FROM audit_events WHERE {Chains}"),
            ["entityId"] = await Column($"SELECT entity_id::text FROM audit_events WHERE {Chains} AND entity_id IS NOT NULL"),
            ["actor"] = await Column($"SELECT actor_user_id::text FROM audit_events WHERE {Chains} AND actor_user_id IS NOT NULL"),
            ["action"] = await Column($"SELECT action FROM audit_events WHERE {Chains}"),
            ["from"] = Instants(world),
            ["to"] = Instants(world),
            ["order"] = ["newest", "oldest"],
            ["format"] = ["csv", "jsonl", "ndjson"],
        };
        return new RouteValues(path, query);
    }

    /// <summary>Before the world, between set-up and randomisation, and in the future.</summary>
    private static IReadOnlyList<string> Instants(BlindedWorld world) =>
        [world.Started.ToString("O"), world.Randomised.ToString("O"), DateTimeOffset.UtcNow.AddHours(1).ToString("O")];

    /// <summary>A value the parameter's type refuses or its list does not know.</summary>
    public static string Bad(string? format, string? type) => (format, type) switch
    {
        ("uuid", _) => "not-a-uuid",
        ("date-time", _) or ("date", _) => "some day",
        (_, "integer") => "many",
        _ => "no-such-value",
    };
}
