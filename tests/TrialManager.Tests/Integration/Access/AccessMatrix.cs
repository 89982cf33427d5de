using static TrialManager.Tests.Integration.Access.AccessMatrixTests;
using static TrialManager.Tests.Integration.Access.Caller;
using Exports_ = TrialManager.Tests.Integration.Exports;
using Outcomes_ = TrialManager.Tests.Integration.Outcomes;

namespace TrialManager.Tests.Integration.Access;

public sealed record MatrixRequest(HttpMethod Method, string Path, object? Body = null);

/// <summary>What a row's request may need: the client, the trial, and the caller's token.</summary>
public sealed record MatrixContext(ApiClient Api, TrialWorld World, string? Token)
{
    public string T => World.Path;
}

public sealed record MatrixRow(string Route, Func<MatrixContext, Task<MatrixRequest>> Request, Func<Caller, int> Expected)
{
    public MatrixRow(string route, Func<MatrixContext, MatrixRequest> request, Func<Caller, int> expected)
        : this(route, c => Task.FromResult(request(c)), expected) { }
}

/// <summary>The access matrix: one row per route of the app. Each request is valid, so that a refusal can only come from access control.</summary>
public static class AccessMatrix
{
    private static readonly HttpMethod Get = HttpMethod.Get, Post = HttpMethod.Post, Put = HttpMethod.Put, Patch = HttpMethod.Patch,
        Delete = HttpMethod.Delete;

    private const string Trials = "/api/v1/trials/{trialId:guid}";
    private static readonly Caller[] ManagerOnly = [Manager];
    private static readonly Caller[] DataEntry = [Manager, ResearcherA];
    private static readonly Caller[] Auditors = [Manager, TrialMonitor, SystemAdmin];
    private static readonly Caller[] SeeArms = [Manager, UnblindedStatistician];
    private static readonly Caller[] ExportReaders = [Manager, Statistician, UnblindedStatistician, TrialMonitor];
    private static readonly object Constrained = new { method = "constrained", covariates = new[] { new { name = "caseload", weight = 1 } } };

    private static readonly Dictionary<Guid, (Guid Assessment, Guid Query)> Outcomes = [];

    /// <summary>QPR at baseline and 12 months for patients, one complete assessment of participant A and a query on it (made once per trial).</summary>
    private static async Task<(Guid Assessment, Guid Query)> OutcomesAsync(MatrixContext c)
    {
        lock (Outcomes)
            if (Outcomes.TryGetValue(c.World.TrialId, out var ready))
                return ready;
        var (_, items) = await Outcomes_.OutcomeFixture.CreateAsync(c.Api, c.World);
        var assessment = await TrialWorld.Expect(System.Net.HttpStatusCode.Created, c.Api.Put(
            Outcomes_.OutcomeFixture.AssessmentPath(c.World, c.World.ParticipantA, "baseline", "QPR"),
            new { answers = Outcomes_.OutcomeFixture.All(items, 2), status = "complete", assessedOn = "2011-06-10" }, c.World.ResearcherA));
        var query = await TrialWorld.Expect(System.Net.HttpStatusCode.Created, c.Api.Post($"{c.T}/queries",
            new { assessmentId = assessment.Id, question = "?" }, c.World.Monitor));
        lock (Outcomes)
            Outcomes[c.World.TrialId] = (assessment.Id, query.Id);
        return (assessment.Id, query.Id);
    }

    /// <summary>A sealed simple scheme (sealed once per trial) and a fresh cluster to allocate.</summary>
    private static async Task<Guid> SealedWithNewClusterAsync(MatrixContext c)
    {
        var scheme = await c.Api.Get($"{c.T}/randomisation/scheme", c.World.Manager);
        if (scheme.Code == 404)
        {
            await TrialWorld.Expect(System.Net.HttpStatusCode.OK, c.Api.Put($"{c.T}/randomisation/scheme", new { method = "simple" }, c.World.Manager));
            await TrialWorld.Expect(System.Net.HttpStatusCode.OK, c.Api.Post($"{c.T}/randomisation/scheme/seal", new { }, c.World.Manager));
        }
        return await c.World.ClusterAsync(c.World.SiteA);
    }
    private static readonly Dictionary<Guid, Guid> Exports = [];

    /// <summary>A blinded CSV export requested by the statistician and finished (made once per trial).</summary>
    private static async Task<Guid> StatisticiansExportAsync(MatrixContext c)
    {
        lock (Exports)
            if (Exports.TryGetValue(c.World.TrialId, out var ready))
                return ready;
        var requested = await TrialWorld.Expect(System.Net.HttpStatusCode.Accepted,
            c.Api.Post($"{c.T}/exports", new { format = "csv" }, c.World.Statistician));
        await Exports_.ExportWorld.WaitAsync(c.Api, requested.Id, c.World.Statistician);
        lock (Exports)
            Exports[c.World.TrialId] = requested.Id;
        return requested.Id;
    }

    private static readonly Dictionary<Caller, int> OtherSiteIsHidden = new() { [ResearcherB] = 404 };

    public static readonly MatrixRow[] Rows =
    [
        new("GET /app", _ => new MatrixRequest(Get, "/app/"), Public(200)),
        new("GET /health/live", _ => new MatrixRequest(Get, "/health/live"), Public(200)),
        new("GET /health/ready", _ => new MatrixRequest(Get, "/health/ready"), Public(200)),
        new("HEAD /health/live", _ => new MatrixRequest(HttpMethod.Head, "/health/live"), Public(200)),
        new("HEAD /health/ready", _ => new MatrixRequest(HttpMethod.Head, "/health/ready"), Public(200)),

        new("GET /api/v1/me", _ => new MatrixRequest(Get, "/me"), Authenticated(200)),
        // Anyone may try to sign in; only a valid token gets a session.
        new("POST /api/v1/sessions", c => new MatrixRequest(Post, "/sessions", new { token = c.Token ?? "tm_none" }), Authenticated(201)),
        // A bearer request has no session to end.
        new("DELETE /api/v1/sessions/current", _ => new MatrixRequest(Delete, "/sessions/current"), Authenticated(404)),
        new("POST /api/v1/users", _ => new MatrixRequest(Post, "/users", NewUser()), AdminOnly(201)),
        new("GET /api/v1/users", _ => new MatrixRequest(Get, "/users"), AdminOnly(200)),
        new("GET /api/v1/users/{userId:guid}", c => new MatrixRequest(Get, $"/users/{c.World.OutsiderId}"), AdminOnly(200)),
        new("POST /api/v1/users/{userId:guid}/tokens", c => new MatrixRequest(Post, $"/users/{c.World.OutsiderId}/tokens", new { name = "extra" }),
            AdminOnly(201)),
        new("GET /api/v1/users/{userId:guid}/tokens", c => new MatrixRequest(Get, $"/users/{c.World.OutsiderId}/tokens"), AdminOnly(200)),
        // Someone else's token: only an admin may revoke it; to anyone else it does not exist.
        new("DELETE /api/v1/tokens/{tokenId:guid}", async c =>
            {
                var (owner, _) = await TrialWorld.NewUserAsync(c.Api, "owner");
                var token = await c.Api.Post($"/users/{owner}/tokens", new { name = "to revoke" }, TestHost.AdminToken);
                return new MatrixRequest(Delete, $"/tokens/{token.Id}");
            },
            caller => caller switch { Anonymous or RevokedToken or ExpiredToken => 401, SystemAdmin => 204, _ => 404 }),

        new("GET /api/v1/audit/system", _ => new MatrixRequest(Get, "/audit/system"), AdminOnly(200)),
        new("GET /api/v1/audit/system/verify", _ => new MatrixRequest(Get, "/audit/system/verify"), AdminOnly(200)),
        new("POST /api/v1/jobs/{jobName}/trigger", _ => new MatrixRequest(Post, "/jobs/audit-checkpoint/trigger"), AdminOnly(202)),

        new("POST /api/v1/trials", _ => new MatrixRequest(Post, "/trials", NewTrial()), AdminOnly(201)),
        new("GET /api/v1/trials", _ => new MatrixRequest(Get, "/trials"), Authenticated(200)),
        new($"GET {Trials}", c => new MatrixRequest(Get, c.T), Trial(200, MembersAndAdmin)),
        new($"PATCH {Trials}", c => new MatrixRequest(Patch, c.T, new { title = "REFOCUS, renamed" }), Trial(200, ManagerOnly)),

        new($"GET {Trials}/members", c => new MatrixRequest(Get, $"{c.T}/members"), Trial(200, [Manager, SystemAdmin])),
        new($"PUT {Trials}/members/{{userId:guid}}", async c =>
            {
                var (id, _) = await TrialWorld.NewUserAsync(c.Api, "grantee");
                return new MatrixRequest(Put, $"{c.T}/members/{id}", new { role = "monitor" });
            },
            Trial(201, [SystemAdmin])),
        new($"DELETE {Trials}/members/{{userId:guid}}", async c =>
            {
                var (id, _) = await c.World.MemberAsync("monitor");
                return new MatrixRequest(Delete, $"{c.T}/members/{id}");
            },
            Trial(204, [SystemAdmin])),

        new($"POST {Trials}/sites", c => new MatrixRequest(Post, $"{c.T}/sites", new { code = TrialWorld.Unique("S"), name = "A site" }),
            Trial(201, ManagerOnly)),
        new($"GET {Trials}/sites", c => new MatrixRequest(Get, $"{c.T}/sites"), Trial(200, MembersAndAdmin)),
        new($"GET {Trials}/sites/{{siteId:guid}}", c => new MatrixRequest(Get, $"{c.T}/sites/{c.World.SiteA}"), Trial(200, MembersAndAdmin)),
        new($"PATCH {Trials}/sites/{{siteId:guid}}", c => new MatrixRequest(Patch, $"{c.T}/sites/{c.World.SiteA}", new { name = "Renamed" }),
            Trial(200, ManagerOnly)),

        new($"POST {Trials}/clusters", c => new MatrixRequest(Post, $"{c.T}/clusters",
            new { code = TrialWorld.Unique("T"), siteId = c.World.SiteA, covariates = new { caseload = 10 } }), Trial(201, ManagerOnly)),
        new($"GET {Trials}/clusters", c => new MatrixRequest(Get, $"{c.T}/clusters"), Trial(200, AllMembers)),
        new($"GET {Trials}/clusters/{{clusterId:guid}}", c => new MatrixRequest(Get, $"{c.T}/clusters/{c.World.ClusterA}"),
            Trial(200, AllMembers, OtherSiteIsHidden)),
        new($"PATCH {Trials}/clusters/{{clusterId:guid}}", c => new MatrixRequest(Patch, $"{c.T}/clusters/{c.World.ClusterA}",
            new { covariates = new { caseload = 260, teamType = "support" } }), Trial(200, ManagerOnly)),

        new($"POST {Trials}/participants", c => new MatrixRequest(Post, $"{c.T}/participants", TrialWorld.NewParticipant(c.World.ClusterA)),
            Trial(201, DataEntry, new() { [ResearcherB] = 422 })),
        new($"GET {Trials}/participants", c => new MatrixRequest(Get, $"{c.T}/participants"), Trial(200, AllMembers)),
        new($"GET {Trials}/participants/{{participantId:guid}}", c => new MatrixRequest(Get, $"{c.T}/participants/{c.World.ParticipantA}"),
            Trial(200, AllMembers, OtherSiteIsHidden)),
        new($"PATCH {Trials}/participants/{{participantId:guid}}", c => new MatrixRequest(Patch, $"{c.T}/participants/{c.World.ParticipantA}",
            new { baselineDate = "2011-06-09" }), Trial(200, DataEntry, OtherSiteIsHidden)),

        new($"PUT {Trials}/randomisation/scheme", c => new MatrixRequest(Put, $"{c.T}/randomisation/scheme", new { method = "simple" }),
            Trial(200, ManagerOnly)),
        new($"GET {Trials}/randomisation/scheme", async c =>
            {
                await c.Api.Put($"{c.T}/randomisation/scheme", new { method = "simple" }, c.World.Manager);
                return new MatrixRequest(Get, $"{c.T}/randomisation/scheme");
            },
            Trial(200, [Manager, Statistician, UnblindedStatistician, TrialMonitor])),
        new($"POST {Trials}/randomisation/scheme/seal", async c =>
            {
                await c.Api.Put($"{c.T}/randomisation/scheme", new { method = "simple" }, c.World.Manager);
                return new MatrixRequest(Post, $"{c.T}/randomisation/scheme/seal", new { });
            },
            Trial(200, ManagerOnly)),
        new($"POST {Trials}/randomisation/preview", c => new MatrixRequest(Post, $"{c.T}/randomisation/preview", Constrained),
            Trial(200, [Manager, Statistician, UnblindedStatistician])),
        new($"POST {Trials}/randomisation/allocations", async c =>
                new MatrixRequest(Post, $"{c.T}/randomisation/allocations", new { clusterId = await SealedWithNewClusterAsync(c) }),
            Trial(201, ManagerOnly)),
        new($"GET {Trials}/randomisation/allocations", c => new MatrixRequest(Get, $"{c.T}/randomisation/allocations"), Trial(200, SeeArms)),
        // Allowed callers pass the access check and meet the rule that reveal waits for lock.
        new($"GET {Trials}/randomisation/reveal", c => new MatrixRequest(Get, $"{c.T}/randomisation/reveal"), Trial(409, SeeArms)),
        new($"POST {Trials}/unblindings", c => new MatrixRequest(Post, $"{c.T}/unblindings",
            new { clusterId = c.World.ClusterA, reason = "emergency" }), Trial(201, ManagerOnly)),

        new("GET /api/v1/instrument-library", _ => new MatrixRequest(Get, "/instrument-library"), Authenticated(200)),
        new($"POST {Trials}/instruments", c => new MatrixRequest(Post, $"{c.T}/instruments", new { fromLibrary = "MANSA" }), Trial(201, ManagerOnly)),
        new($"GET {Trials}/instruments", c => new MatrixRequest(Get, $"{c.T}/instruments"), Trial(200, AllMembers)),
        new($"GET {Trials}/instruments/{{code}}", async c =>
            {
                await OutcomesAsync(c);
                return new MatrixRequest(Get, $"{c.T}/instruments/QPR");
            }, Trial(200, AllMembers)),
        new($"POST {Trials}/timepoints", c => new MatrixRequest(Post, $"{c.T}/timepoints",
            new { code = TrialWorld.Unique("tp"), label = "6 months", offsetDays = 182, windowDaysBefore = 14, windowDaysAfter = 28 }), Trial(201, ManagerOnly)),
        new($"GET {Trials}/timepoints", c => new MatrixRequest(Get, $"{c.T}/timepoints"), Trial(200, AllMembers)),
        new($"PUT {Trials}/schedule", async c =>
            {
                await OutcomesAsync(c);
                return new MatrixRequest(Put, $"{c.T}/schedule", new { entries = new[]
                {
                    new { timepointCode = "baseline", instrumentCode = "QPR", participantKind = "patient" },
                    new { timepointCode = "12m", instrumentCode = "QPR", participantKind = "patient" },
                } });
            }, Trial(200, ManagerOnly)),
        new($"GET {Trials}/schedule", c => new MatrixRequest(Get, $"{c.T}/schedule"), Trial(200, AllMembers)),
        // A new participant each time, so that every allowed save creates its assessment.
        new($"PUT {Trials}/participants/{{participantId:guid}}/assessments/{{timepointCode}}/{{instrumentCode}}", async c =>
            {
                await OutcomesAsync(c);
                var participant = await c.World.ParticipantAsync(c.World.ClusterA, c.World.ResearcherA);
                return new MatrixRequest(Put, Outcomes_.OutcomeFixture.AssessmentPath(c.World, participant, "baseline", "QPR"),
                    new { answers = new { q1 = 2 }, status = "draft", assessedOn = "2011-06-10" });
            }, Trial(201, DataEntry, OtherSiteIsHidden)),
        new($"GET {Trials}/participants/{{participantId:guid}}/assessments", c => new MatrixRequest(Get, $"{c.T}/participants/{c.World.ParticipantA}/assessments"),
            Trial(200, AllMembers, OtherSiteIsHidden)),
        new($"POST {Trials}/queries", async c => new MatrixRequest(Post, $"{c.T}/queries", new { assessmentId = (await OutcomesAsync(c)).Assessment, question = "?" }),
            Trial(201, [TrialMonitor])),
        new($"GET {Trials}/queries", c => new MatrixRequest(Get, $"{c.T}/queries"), Trial(200, [Manager, ResearcherA, ResearcherB, TrialMonitor])),
        new($"POST {Trials}/queries/{{queryId:guid}}/answers", async c => new MatrixRequest(Post, $"{c.T}/queries/{(await OutcomesAsync(c)).Query}/answers",
            new { text = "checked" }), Trial(200, DataEntry, OtherSiteIsHidden)),
        new($"POST {Trials}/queries/{{queryId:guid}}/close", async c => new MatrixRequest(Post, $"{c.T}/queries/{(await OutcomesAsync(c)).Query}/close",
            new { }), Trial(200, [TrialMonitor])),
        new($"POST {Trials}/queries/{{queryId:guid}}/reopen", async c =>
            {
                var query = (await OutcomesAsync(c)).Query;
                // Shared by the callers of this row: closed already unless the last caller re-opened it.
                await c.Api.Post($"{c.T}/queries/{query}/close", new { }, c.World.Monitor);
                return new MatrixRequest(Post, $"{c.T}/queries/{query}/reopen", new { note = "the answer does not match the source" });
            },
            Trial(200, [TrialMonitor])),
        new($"POST {Trials}/assessments/{{assessmentId:guid}}/verification", async c => new MatrixRequest(Post,
            $"{c.T}/assessments/{(await OutcomesAsync(c)).Assessment}/verification", new { verified = true }), Trial(200, [TrialMonitor])),
        new($"POST {Trials}/participants/{{participantId:guid}}/blinding-guesses", async c =>
            {
                await OutcomesAsync(c);
                return new MatrixRequest(Post, $"{c.T}/participants/{c.World.ParticipantA}/blinding-guesses",
                    new { timepointCode = "12m", guess = "dont-know", confidence = 3 });
            }, Trial(201, [ResearcherA], OtherSiteIsHidden)),
        new($"POST {Trials}/blinding-breaches", c => new MatrixRequest(Post, $"{c.T}/blinding-breaches", new { description = "heard in a meeting" }),
            Trial(201, [ResearcherA, ResearcherB])),
        new($"GET {Trials}/reports/consort", c => new MatrixRequest(Get, $"{c.T}/reports/consort"), Trial(200, AllMembers)),
        new($"GET {Trials}/reports/blinding", c => new MatrixRequest(Get, $"{c.T}/reports/blinding"), Trial(200, AllMembers)),
        new($"GET {Trials}/reminders", c => new MatrixRequest(Get, $"{c.T}/reminders"), Trial(200, [Manager, ResearcherA, ResearcherB, TrialMonitor])),

        new($"POST {Trials}/exports", c => new MatrixRequest(Post, $"{c.T}/exports", new { format = "csv" }), Trial(202, ExportReaders)),
        new("GET /api/v1/exports/{exportId:guid}", async c => new MatrixRequest(Get, $"/exports/{await StatisticiansExportAsync(c)}"),
            Trial(200, ExportReaders)),
        new("GET /api/v1/exports/{exportId:guid}/file", async c => new MatrixRequest(Get, $"/exports/{await StatisticiansExportAsync(c)}/file"),
            Trial(200, ExportReaders)),

        new($"GET {Trials}/audit", c => new MatrixRequest(Get, $"{c.T}/audit"), Trial(200, Auditors)),
        new($"GET {Trials}/audit/export", c => new MatrixRequest(Get, $"{c.T}/audit/export?format=jsonl"), Trial(200, Auditors)),
        new($"GET {Trials}/audit/verify", c => new MatrixRequest(Get, $"{c.T}/audit/verify"), Trial(200, Auditors)),
        new($"POST {Trials}/audit/checkpoints", c => new MatrixRequest(Post, $"{c.T}/audit/checkpoints"), Trial(201, Auditors)),
        new($"GET {Trials}/audit/checkpoints", c => new MatrixRequest(Get, $"{c.T}/audit/checkpoints"), Trial(200, Auditors)),
    ];

    private static object NewUser()
    {
        var name = TrialWorld.Unique("user");
        return new { userName = name, displayName = name, email = $"{name}@example.org" };
    }

    private static object NewTrial() => new
    {
        code = TrialWorld.Unique("TRIAL"), title = "Another trial",
        arms = new[] { new { code = "a", label = "A", ratio = 1 }, new { code = "b", label = "B", ratio = 1 } },
    };
}
