using System.Net;
using TrialManager.Tests.Integration.Exports;
using TrialManager.Tests.Integration.Outcomes;
using static TrialManager.Tests.Integration.TrialWorld;

namespace TrialManager.Tests.Integration.BadInput;

/// <summary>
/// What bad input is thrown at, seeded through the API: the main trial of <see cref="ExportWorld"/> (a sealed simple
/// scheme with both clusters allocated, the instrument MOOD with every item type due at baseline and 12 months, three
/// assessments), a data query, a finished export and a spare cluster; a second trial with QPR and HHI, an assessment
/// and a query, whose scheme is still a draft (the scheme's own operations run there) and whose ids are "another
/// trial's" to the first; and a user without any role, with a token.
/// </summary>
public sealed class BadInputWorld
{
    public required ApiClient Api { get; init; }
    public required TrialWorld Main { get; init; }
    public required TrialWorld Other { get; init; }
    public required Guid AssessmentA { get; init; }
    public required Guid QueryA { get; init; }
    public required Guid SpareCluster { get; init; }
    public required Guid ExportA { get; init; }
    public required Guid OtherAssessment { get; init; }
    public required Guid OtherQuery { get; init; }
    public required Guid Loner { get; init; }

    /// <summary>The ids of the other trial by path parameter name, for "another trial's id" in a path.</summary>
    public required IReadOnlyDictionary<string, string> OtherTrialIds { get; init; }

    /// <summary>Every kind of caller, by name: each role of the main trial, an outsider, the system admin and nobody.</summary>
    public IReadOnlyDictionary<string, string?> Callers => new Dictionary<string, string?>
    {
        ["trial manager"] = Main.Manager, ["researcher A"] = Main.ResearcherA, ["researcher B"] = Main.ResearcherB,
        ["statistician"] = Main.Statistician, ["unblinded statistician"] = Main.UnblindedStatistician, ["monitor"] = Main.Monitor,
        ["outsider"] = Main.Outsider, ["system admin"] = TestHost.AdminToken, ["anonymous"] = null,
        // The draft scheme's trial has callers of its own.
        ["other trial's manager"] = Other.Manager, ["other trial's statistician"] = Other.Statistician,
    };

    public static readonly string[] MainTrialCallers =
        ["trial manager", "researcher A", "researcher B", "statistician", "unblinded statistician", "monitor", "outsider", "system admin", "anonymous"];

    public static readonly Dictionary<string, object> MoodAnswers = new()
    {
        ["m1"] = 3, ["m2"] = 1, ["note"] = "felt better", ["seen"] = "2011-06-09", ["mode"] = "home",
    };

    public static async Task<BadInputWorld> CreateAsync(ApiClient api)
    {
        var main = await TrialWorld.CreateAsync(api, "REFOCUS");
        await ExportWorld.CreateAsync(api, main);
        var assessments = (await api.Get($"{main.Path}/participants/{main.ParticipantA}/assessments", main.Manager))["items"].AsArray();
        var assessmentA = assessments.Single(a => a!["timepointCode"]!.GetValue<string>() == "baseline")!["id"]!.GetValue<Guid>();
        var query = await Expect(HttpStatusCode.Created, api.Post($"{main.Path}/queries",
            new { assessmentId = assessmentA, itemCode = "m1", question = "The source says 2; please check." }, main.Monitor));
        var spare = await main.ClusterAsync(main.SiteA, new { caseload = 140, teamType = "support" });
        var export = await Expect(HttpStatusCode.Accepted, api.Post($"{main.Path}/exports", new { format = "csv" }, main.Statistician));
        await ExportWorld.WaitAsync(api, export.Id, main.Statistician);

        var other = await TrialWorld.CreateAsync(api, "OTHER");
        var (_, qpr) = await OutcomeFixture.CreateAsync(api, other);
        var otherAssessment = await Expect(HttpStatusCode.Created, api.Put(OutcomeFixture.AssessmentPath(other, other.ParticipantA, "baseline", "QPR"),
            new { answers = OutcomeFixture.All(qpr, 2), status = "complete", assessedOn = "2011-06-10" }, other.ResearcherA));
        var otherQuery = await Expect(HttpStatusCode.Created, api.Post($"{other.Path}/queries",
            new { assessmentId = otherAssessment.Id, question = "Is this right?" }, other.Monitor));
        var otherExport = await Expect(HttpStatusCode.Accepted, api.Post($"{other.Path}/exports", new { format = "csv" }, other.Statistician));
        await ExportWorld.WaitAsync(api, otherExport.Id, other.Statistician);
        var (loner, _) = await NewUserAsync(api, "loner");

        return new BadInputWorld
        {
            Api = api, Main = main, Other = other, AssessmentA = assessmentA, QueryA = query.Id, SpareCluster = spare, ExportA = export.Id,
            OtherAssessment = otherAssessment.Id, OtherQuery = otherQuery.Id, Loner = loner,
            OtherTrialIds = new Dictionary<string, string>
            {
                ["trialId"] = other.TrialId.ToString(), ["siteId"] = other.SiteA.ToString(), ["clusterId"] = other.ClusterA.ToString(),
                ["participantId"] = other.ParticipantA.ToString(), ["assessmentId"] = otherAssessment.Id.ToString(),
                ["queryId"] = otherQuery.Id.ToString(), ["exportId"] = otherExport.Id.ToString(),
            },
        };
    }

    /// <summary>For a request about one of the two trials, the ids of the other one, by path parameter name.</summary>
    public IReadOnlyDictionary<string, string> IdsOfAnotherTrial(IReadOnlyDictionary<string, object> path) =>
        path.TryGetValue("trialId", out var trial) && trial.Equals(Other.TrialId) ? MainTrialIds : OtherTrialIds;

    private IReadOnlyDictionary<string, string> MainTrialIds => new Dictionary<string, string>
    {
        ["trialId"] = Main.TrialId.ToString(), ["siteId"] = Main.SiteA.ToString(), ["clusterId"] = Main.ClusterA.ToString(),
        ["participantId"] = Main.ParticipantA.ToString(), ["assessmentId"] = AssessmentA.ToString(), ["queryId"] = QueryA.ToString(),
        ["exportId"] = ExportA.ToString(),
    };

    // ---- fresh things for requests that use them up

    private int _caseloads = 150;

    /// <summary>A caseload the spare cluster has not had yet, so that each update changes it.</summary>
    public int NextCaseload() => Interlocked.Increment(ref _caseloads);

    /// <summary>A participant of site A, enrolled now, with the world's 2011 dates.</summary>
    public Task<Guid> NewParticipantAsync() => Main.ParticipantAsync(Main.ClusterA, Main.ResearcherA);

    /// <summary>A complete MOOD baseline of a new participant.</summary>
    public async Task<Guid> NewCompleteAssessmentAsync()
    {
        var participant = await NewParticipantAsync();
        return (await Expect(HttpStatusCode.Created, Api.Put(OutcomeFixture.AssessmentPath(Main, participant, "baseline", "MOOD"),
            new { answers = MoodAnswers, status = "complete", assessedOn = "2011-06-10" }, Main.ResearcherA))).Id;
    }

    /// <summary>An open query on the baseline of participant A.</summary>
    public async Task<Guid> NewQueryAsync() =>
        (await Expect(HttpStatusCode.Created, Api.Post($"{Main.Path}/queries",
            new { assessmentId = AssessmentA, itemCode = "m2", question = "Please confirm m2." }, Main.Monitor))).Id;

    public async Task<Guid> NewClosedQueryAsync()
    {
        var query = await NewQueryAsync();
        await Expect(HttpStatusCode.OK, Api.Post($"{Main.Path}/queries/{query}/close", new { note = "confirmed" }, Main.Monitor));
        return query;
    }

    /// <summary>A new trial in set-up whose trial manager is the main trial's, with a draft simple scheme.</summary>
    public async Task<Guid> NewTrialAsync()
    {
        var trial = await Expect(HttpStatusCode.Created, Api.Post("/trials", new
        {
            code = Unique("SCRATCH"), title = "Scratch trial",
            arms = new[] { new { code = "a", label = "A", ratio = 1 }, new { code = "b", label = "B", ratio = 1 } },
        }, TestHost.AdminToken));
        await Expect(HttpStatusCode.Created, Api.Put($"/trials/{trial.Id}/members/{Main.ManagerId}",
            new { role = "trial-manager" }, TestHost.AdminToken));
        await Expect(HttpStatusCode.OK, Api.Put($"/trials/{trial.Id}/randomisation/scheme", new { method = "simple" }, Main.Manager));
        return trial.Id;
    }

    public async Task<Guid> NewMemberAsync()
    {
        var (user, _) = await NewUserAsync(Api, "member");
        await Expect(HttpStatusCode.Created, Api.Put($"{Main.Path}/members/{user}", new { role = "monitor" }, TestHost.AdminToken));
        return user;
    }

    public async Task<Guid> NewTokenAsync() =>
        (await Expect(HttpStatusCode.Created, Api.Post($"/users/{Loner}/tokens", new { name = "to revoke" }, TestHost.AdminToken))).Id;
}
