using System.Net;
using TrialManager.Tests.Integration.Outcomes;
using static TrialManager.Tests.Integration.TrialWorld;

namespace TrialManager.Tests.Integration.BadInput;

/// <summary>A valid request of one operation: the values of its path parameters and its body.</summary>
public sealed record Valid(IReadOnlyDictionary<string, object> Path, object? Body = null);

/// <summary>
/// How to make a valid request of one documented operation, and who may make it, so that each mutation of it meets
/// the real handler. `Make` runs before every request: where an accepted request would use something up (a query
/// that is then closed, a cluster then allocated, a scheme then sealed), it makes a fresh one.
/// </summary>
public sealed record Row(string Operation, string Caller, Func<BadInputWorld, Task<Valid>> Make)
{
    /// <summary>For operations whose body has several shapes (the scheme's methods): each is mutated on its own.</summary>
    public string Variant { get; init; } = "";

    /// <summary>The status of the valid request when it is not a 2xx (reveal before lock).</summary>
    public int? Expected { get; init; }

    /// <summary>Puts back what an accepted request changed that other operations rely on.</summary>
    public Func<BadInputWorld, Task>? Restore { get; init; }

    /// <summary>Whether documented fields that the valid body leaves out are added with bad values.</summary>
    public bool AbsentFields { get; init; } = true;

    /// <summary>A read of stored data whose valid request is repeated after accepted writes: data that was accepted must stay readable.</summary>
    public bool Canary { get; init; }
}

/// <summary>The valid requests, one row (or a few variants) per operation of the OpenAPI document.</summary>
public static class ValidRequests
{
    private const string T = "/api/v1/trials/{trialId}";

    private static Row Of(string operation, string caller, Func<BadInputWorld, Valid> make) => new(operation, caller, w => Task.FromResult(make(w)));

    private static Dictionary<string, object> Trial(BadInputWorld w, params (string Name, object Value)[] more)
    {
        var values = new Dictionary<string, object> { ["trialId"] = w.Main.TrialId };
        foreach (var (name, value) in more)
            values[name] = value;
        return values;
    }

    private static readonly Dictionary<string, object> NoPath = [];

    private static object Schedule => new
    {
        entries = new[] { "baseline", "12m" }.Select(t => new { timepointCode = t, instrumentCode = "MOOD", participantKind = "patient" }).ToArray(),
        reason = "MOOD at both timepoints",
    };

    private static object Instrument() => new
    {
        code = Unique("INS"), title = "Wellbeing check", source = "bad-input test",
        items = new object[]
        {
            new { code = "w1", label = "Low mood", type = "integer", min = 0, max = 4, required = true },
            new { code = "w2", label = "Hope", type = "decimal", min = 0, max = 10, required = false },
            new { code = "w3", label = "Where", type = "choice", options = new[] { new { value = "home", label = "At home" }, new { value = "clinic", label = "In clinic" } }, required = false },
            new { code = "w4", label = "Comment", type = "text", required = false },
            new { code = "w5", label = "Last seen", type = "date", required = false },
        },
        scales = new[] { new { code = "total", label = "Total", items = new[] { "w1", "w2" }, method = "sum", reverseItems = new[] { "w2" }, minAnswered = 1, prorate = true, multiplier = 2.5 } },
        missingCodes = new[] { new { value = -99, label = "refused" } },
        reason = "a measure of our own",
    };

    /// <summary>One body per method, each with every setting of its method; the other methods' settings are not added to it.</summary>
    private static readonly (string Method, object Body)[] Schemes =
    [
        ("stratified-block", new { method = "stratified-block", strata = new[] { "site", "teamType" }, blockSizes = new[] { 2, 4 }, reason = "balanced by site" }),
        ("minimisation", new
        {
            method = "minimisation", factors = new[] { new { name = "site", weight = 1.0 }, new { name = "teamType", weight = 2.0 } }, imbalance = "range",
            probability = 0.8, reason = "minimise",
        }),
        ("constrained", new
        {
            method = "constrained", covariates = new[] { new { name = "caseload", weight = 1.0 }, new { name = "teamType", weight = 1.0 } }, metric = "l2",
            cutoff = 0.5, maxCandidates = 1000, sampleSize = 100, reason = "constrained",
        }),
    ];

    private static IEnumerable<Row> SchemeRows(string operation, string caller) =>
        Schemes.Select(scheme => Of(operation, caller, w => new Valid(new Dictionary<string, object> { ["trialId"] = w.Other.TrialId }, scheme.Body))
            with { Variant = scheme.Method, AbsentFields = false });

    public static readonly IReadOnlyList<Row> Rows =
    [
        // Reads first, on the data as seeded; then the writes.
        Of("GET /api/v1/me", "researcher A", _ => new Valid(NoPath)),
        Of("POST /api/v1/sessions", "researcher A", w => new Valid(NoPath, new { token = w.Main.ResearcherA })),
        // Made with a bearer token, the request has no session to end.
        Of("DELETE /api/v1/sessions/current", "researcher A", _ => new Valid(NoPath)) with { Expected = 404 },
        Of("GET /api/v1/users", "system admin", _ => new Valid(NoPath)),
        Of("GET /api/v1/users/{userId}", "system admin", w => new Valid(new Dictionary<string, object> { ["userId"] = w.Loner })),
        Of("GET /api/v1/users/{userId}/tokens", "system admin", w => new Valid(new Dictionary<string, object> { ["userId"] = w.Loner })),
        Of("GET /api/v1/audit/system", "system admin", _ => new Valid(NoPath)) with { Canary = true },
        Of("GET /api/v1/audit/system/verify", "system admin", _ => new Valid(NoPath)),
        Of("GET /api/v1/instrument-library", "researcher A", _ => new Valid(NoPath)),
        Of("GET /api/v1/exports/{exportId}", "statistician", w => new Valid(new Dictionary<string, object> { ["exportId"] = w.ExportA })),
        Of("GET /api/v1/exports/{exportId}/file", "statistician", w => new Valid(new Dictionary<string, object> { ["exportId"] = w.ExportA })),
        Of("GET /api/v1/trials", "trial manager", _ => new Valid(NoPath)) with { Canary = true },
        Of($"GET {T}", "trial manager", w => new Valid(Trial(w))),
        Of($"GET {T}/members", "trial manager", w => new Valid(Trial(w))),
        Of($"GET {T}/sites", "trial manager", w => new Valid(Trial(w))),
        Of($"GET {T}/sites/{{siteId}}", "trial manager", w => new Valid(Trial(w, ("siteId", w.Main.SiteA)))),
        Of($"GET {T}/clusters", "trial manager", w => new Valid(Trial(w))) with { Canary = true },
        Of($"GET {T}/clusters/{{clusterId}}", "trial manager", w => new Valid(Trial(w, ("clusterId", w.Main.ClusterA)))),
        Of($"GET {T}/participants", "researcher A", w => new Valid(Trial(w))) with { Canary = true },
        Of($"GET {T}/participants/{{participantId}}", "researcher A", w => new Valid(Trial(w, ("participantId", w.Main.ParticipantA)))),
        Of($"GET {T}/randomisation/scheme", "trial manager", w => new Valid(Trial(w))),
        Of($"GET {T}/randomisation/allocations", "trial manager", w => new Valid(Trial(w))),
        Of($"GET {T}/randomisation/reveal", "trial manager", w => new Valid(Trial(w))) with { Expected = 409 },
        Of($"GET {T}/instruments", "researcher A", w => new Valid(Trial(w))) with { Canary = true },
        Of($"GET {T}/instruments/{{code}}", "researcher A", w => new Valid(Trial(w, ("code", "MOOD")))) with { Canary = true },
        Of($"GET {T}/timepoints", "researcher A", w => new Valid(Trial(w))),
        Of($"GET {T}/schedule", "researcher A", w => new Valid(Trial(w))) with { Canary = true },
        Of($"GET {T}/participants/{{participantId}}/assessments", "researcher A", w => new Valid(Trial(w, ("participantId", w.Main.ParticipantA))))
            with { Canary = true },
        Of($"GET {T}/queries", "monitor", w => new Valid(Trial(w))) with { Canary = true },
        Of($"GET {T}/reports/consort", "statistician", w => new Valid(Trial(w))) with { Canary = true },
        Of($"GET {T}/reports/blinding", "statistician", w => new Valid(Trial(w))) with { Canary = true },
        Of($"GET {T}/reminders", "researcher A", w => new Valid(Trial(w))) with { Canary = true },
        Of($"GET {T}/audit", "monitor", w => new Valid(Trial(w))) with { Canary = true },
        Of($"GET {T}/audit/export", "monitor", w => new Valid(Trial(w))) with { Canary = true },
        Of($"GET {T}/audit/verify", "monitor", w => new Valid(Trial(w))) with { Canary = true },
        Of($"GET {T}/audit/checkpoints", "monitor", w => new Valid(Trial(w))),

        Of("POST /api/v1/users", "system admin", _ => new Valid(NoPath, new
        {
            userName = Unique("user"), displayName = "A user", email = "someone@example.org", reason = "joins the team",
        })),
        Of("POST /api/v1/users/{userId}/tokens", "system admin", w => new Valid(new Dictionary<string, object> { ["userId"] = w.Loner },
            new { name = "laptop", expiresAt = DateTimeOffset.UtcNow.AddDays(30), reason = "new laptop" })),
        new("DELETE /api/v1/tokens/{tokenId}", "system admin", async w => new Valid(new Dictionary<string, object> { ["tokenId"] = await w.NewTokenAsync() })),
        Of("POST /api/v1/trials", "system admin", _ => new Valid(NoPath, new
        {
            code = Unique("TRIAL"), title = "A trial", registration = "ISRCTN00000000",
            arms = new[] { new { code = "a", label = "A", ratio = 1 }, new { code = "b", label = "B", ratio = 2 } }, reason = "new study",
        })),
        new($"PATCH {T}", "trial manager", async w => new Valid(new Dictionary<string, object> { ["trialId"] = await w.NewTrialAsync() },
            new { title = "A better title", registration = "ISRCTN11111111", reason = "typo" })),
        new($"PUT {T}/members/{{userId}}", "system admin", async w => new Valid(Trial(w, ("userId", (await NewUserAsync(w.Api, "grantee")).Id)),
            new { role = "researcher", siteIds = new[] { w.Main.SiteA }, reason = "joins site A" })),
        new($"DELETE {T}/members/{{userId}}", "system admin", async w => new Valid(Trial(w, ("userId", await w.NewMemberAsync())))),
        Of($"POST {T}/sites", "trial manager", w => new Valid(Trial(w), new { code = Unique("SITE"), name = "A new trust", reason = "joins" })),
        // Each accepted change changes something, so that its reason is written.
        Of($"PATCH {T}/sites/{{siteId}}", "trial manager", w => new Valid(Trial(w, ("siteId", w.Main.SiteA)), new { name = Unique("South London "), reason = "renamed" })),
        Of($"POST {T}/clusters", "trial manager", w => new Valid(Trial(w), new
        {
            code = Unique("TEAM"), siteId = w.Main.SiteA, covariates = new { caseload = 120, teamType = "support" }, reason = "new team",
        })),
        Of($"PATCH {T}/clusters/{{clusterId}}", "trial manager", w => new Valid(Trial(w, ("clusterId", w.SpareCluster)),
            new { covariates = new { caseload = w.NextCaseload(), teamType = "support" }, reason = "caseload recounted" })),
        Of($"POST {T}/participants", "researcher A", w => new Valid(Trial(w), new
        {
            externalId = Unique("P-"), clusterId = w.Main.ClusterA, kind = "patient", consentDate = "2011-06-01", baselineDate = "2011-06-08",
            reason = "consented",
        })),
        new($"PATCH {T}/participants/{{participantId}}", "researcher A", async w => new Valid(Trial(w, ("participantId", await w.NewParticipantAsync())),
            new { consentDate = "2011-06-02", baselineDate = "2011-06-09", reason = "dates from the paper form" })),
        .. SchemeRows($"PUT {T}/randomisation/scheme", "other trial's manager"),
        // Preview computes the diagnostics of a constrained design; it stores nothing, so its body carries no reason.
        Of($"POST {T}/randomisation/preview", "other trial's statistician", w => new Valid(new Dictionary<string, object> { ["trialId"] = w.Other.TrialId },
            new { method = "constrained", covariates = new[] { new { name = "caseload", weight = 1.0 } }, metric = "l1", cutoff = 0.5, maxCandidates = 1000, sampleSize = 100 }))
            with { AbsentFields = false },
        new($"POST {T}/randomisation/scheme/seal", "trial manager", async w => new Valid(new Dictionary<string, object> { ["trialId"] = await w.NewTrialAsync() },
            new { reason = "ready to randomise" })),
        new($"POST {T}/randomisation/allocations", "trial manager", async w => new Valid(Trial(w),
            new { clusterId = await w.Main.ClusterAsync(w.Main.SiteA, new { caseload = 100, teamType = "support" }), reason = "team ready" })),
        // Before the instruments: an export job that an accepted bad instrument makes fail is retried later, in the middle of other requests.
        Of($"POST {T}/exports", "statistician", w => new Valid(Trial(w),
            new { format = "csv", blinded = true, timepoints = new[] { "baseline" }, instruments = new[] { "MOOD" } })),
        Of($"POST {T}/unblindings", "trial manager", w => new Valid(Trial(w), new { clusterId = w.Main.ClusterA, reason = "serious adverse event" })),
        Of($"POST {T}/instruments", "trial manager", w => new Valid(Trial(w), Instrument())),
        Of($"POST {T}/timepoints", "trial manager", w => new Valid(Trial(w), new
        {
            code = Unique("tp"), label = "Six months", offsetDays = 182, windowDaysBefore = 14, windowDaysAfter = 28, reason = "interim follow-up",
        })),
        Of($"PUT {T}/schedule", "trial manager", w => new Valid(Trial(w), Schedule)) with
        {
            Restore = async w => await Expect(HttpStatusCode.OK, w.Api.Put($"{w.Main.Path}/schedule", Schedule, w.Main.Manager)),
        },
        new($"PUT {T}/participants/{{participantId}}/assessments/{{timepointCode}}/{{instrumentCode}}", "researcher A", async w => new Valid(
            Trial(w, ("participantId", await w.NewParticipantAsync()), ("timepointCode", "baseline"), ("instrumentCode", "MOOD")),
            new { answers = BadInputWorld.MoodAnswers, status = "complete", assessedOn = "2011-06-10", reason = "first visit" })),
        Of($"POST {T}/queries", "monitor", w => new Valid(Trial(w), new { assessmentId = w.AssessmentA, itemCode = "m1", question = "Is m1 right?" })),
        new($"POST {T}/queries/{{queryId}}/answers", "researcher A", async w => new Valid(Trial(w, ("queryId", await w.NewQueryAsync())),
            new { text = "Checked the paper form.", correction = new { itemCode = "m2", value = 2, reason = "transcription error" } })),
        new($"POST {T}/queries/{{queryId}}/close", "monitor", async w => new Valid(Trial(w, ("queryId", await w.NewQueryAsync())),
            new { note = "settled" })),
        new($"POST {T}/queries/{{queryId}}/reopen", "monitor", async w => new Valid(Trial(w, ("queryId", await w.NewClosedQueryAsync())),
            new { note = "the answer does not match the source" })),
        new($"POST {T}/assessments/{{assessmentId}}/verification", "monitor", async w => new Valid(
            Trial(w, ("assessmentId", await w.NewCompleteAssessmentAsync())), new { verified = true })) { AbsentFields = false },
        new($"POST {T}/assessments/{{assessmentId}}/verification", "monitor", async w => new Valid(
                Trial(w, ("assessmentId", await w.NewCompleteAssessmentAsync())), new { discrepancy = new { itemCode = "m1", question = "The source says 2." } }))
            { Variant = "discrepancy", AbsentFields = false },
        Of($"POST {T}/participants/{{participantId}}/blinding-guesses", "researcher A", w => new Valid(Trial(w, ("participantId", w.Main.ParticipantA)),
            new { timepointCode = "12m", guess = "dont-know", confidence = 3 })),
        Of($"POST {T}/blinding-breaches", "researcher A", w => new Valid(Trial(w),
            new { clusterId = w.Main.ClusterA, participantId = w.Main.ParticipantA, description = "Overheard in the team meeting." })),
        Of($"POST {T}/audit/checkpoints", "monitor", w => new Valid(Trial(w))),
        Of("POST /api/v1/jobs/{jobName}/trigger", "system admin", _ => new Valid(new Dictionary<string, object> { ["jobName"] = "audit-checkpoint" })),
    ];
}
