using System.Net;

namespace TrialManager.Tests.Integration;

/// <summary>
/// A REFOCUS-like trial set up through the API: one user per trial role, two sites (A and B) with a researcher
/// each, a cluster at each site and a participant in each cluster, and a user with no role in the trial.
/// </summary>
public sealed class TrialWorld
{
    /// <summary>Arm codes that appear nowhere else, so that a leak of an arm is a plain substring of a response.</summary>
    public const string ArmZulu = "armzulu", ArmYankee = "armyankee";

    private static int _sequence;
    private readonly ApiClient _api;

    private TrialWorld(ApiClient api) => _api = api;

    public Guid TrialId { get; private set; }
    public string Path => $"/trials/{TrialId}";
    public string Manager { get; private set; } = "";
    public string ResearcherA { get; private set; } = "";
    public string ResearcherB { get; private set; } = "";
    public string Statistician { get; private set; } = "";
    public string UnblindedStatistician { get; private set; } = "";
    public string Monitor { get; private set; } = "";
    public string Outsider { get; private set; } = "";
    public Guid ManagerId { get; private set; }
    public Guid OutsiderId { get; private set; }
    public Guid SiteA { get; private set; }
    public Guid SiteB { get; private set; }
    public Guid ClusterA { get; private set; }
    public Guid ClusterB { get; private set; }
    public Guid ParticipantA { get; private set; }
    public Guid ParticipantB { get; private set; }

    public static string Unique(string prefix) => $"{prefix}{Interlocked.Increment(ref _sequence):D4}";

    public static async Task<TrialWorld> CreateAsync(ApiClient api, string code)
    {
        var world = new TrialWorld(api);
        var trial = await Expect(HttpStatusCode.Created, api.Post("/trials", new
        {
            code, title = $"{code} trial", registration = "ISRCTN02507940",
            arms = new[] { new { code = ArmZulu, label = "Pro-recovery team", ratio = 1 }, new { code = ArmYankee, label = "Usual care", ratio = 1 } },
        }, TestHost.AdminToken));
        world.TrialId = trial.Id;
        (world.ManagerId, world.Manager) = await world.MemberAsync("trial-manager");
        (_, world.Statistician) = await world.MemberAsync("statistician");
        (_, world.UnblindedStatistician) = await world.MemberAsync("unblinded-statistician");
        (_, world.Monitor) = await world.MemberAsync("monitor");
        (world.OutsiderId, world.Outsider) = await NewUserAsync(api, "outsider");
        world.SiteA = await world.SiteAsync("SLAM");
        world.SiteB = await world.SiteAsync("GLOS");
        (_, world.ResearcherA) = await world.MemberAsync("researcher", world.SiteA);
        (_, world.ResearcherB) = await world.MemberAsync("researcher", world.SiteB);
        world.ClusterA = await world.ClusterAsync(world.SiteA, new { caseload = 250, teamType = "support" });
        world.ClusterB = await world.ClusterAsync(world.SiteB, new { caseload = 180, teamType = "assertive" });
        world.ParticipantA = await world.ParticipantAsync(world.ClusterA, world.ResearcherA);
        world.ParticipantB = await world.ParticipantAsync(world.ClusterB, world.ResearcherB);
        return world;
    }

    public static async Task<(Guid Id, string Token)> NewUserAsync(ApiClient api, string name)
    {
        var userName = Unique(name);
        var user = await Expect(HttpStatusCode.Created, api.Post("/users",
            new { userName, displayName = userName, email = $"{userName}@example.org" }, TestHost.AdminToken));
        var token = await Expect(HttpStatusCode.Created, api.Post($"/users/{user.Id}/tokens", new { name = "tests" }, TestHost.AdminToken));
        return (user.Id, token["token"].GetValue<string>());
    }

    /// <summary>A new user holding `role` in this trial (a researcher at the given sites).</summary>
    public async Task<(Guid Id, string Token)> MemberAsync(string role, params Guid[] sites)
    {
        var (id, token) = await NewUserAsync(_api, role.Replace("-", ""));
        await Expect(HttpStatusCode.Created, _api.Put($"{Path}/members/{id}",
            new { role, siteIds = sites.Length == 0 ? null : sites }, TestHost.AdminToken));
        return (id, token);
    }

    public async Task<Guid> SiteAsync(string code) =>
        (await Expect(HttpStatusCode.Created, _api.Post($"{Path}/sites", new { code, name = $"{code} NHS trust" }, Manager))).Id;

    public async Task<Guid> ClusterAsync(Guid siteId, object? covariates = null) =>
        (await Expect(HttpStatusCode.Created, _api.Post($"{Path}/clusters",
            new { code = Unique("T"), siteId, covariates = covariates ?? new { caseload = 200 } }, Manager))).Id;

    public async Task<Guid> ParticipantAsync(Guid clusterId, string token) =>
        (await Expect(HttpStatusCode.Created, _api.Post($"{Path}/participants", NewParticipant(clusterId), token))).Id;

    public static object NewParticipant(Guid clusterId) => new
    {
        externalId = Unique("P-"), clusterId, kind = "patient", consentDate = "2011-06-01", baselineDate = "2011-06-08",
    };

    /// <summary>Walks the trial's status forward to `status` with a reason at each step.</summary>
    public async Task AdvanceToAsync(string status)
    {
        foreach (var step in new[] { "recruiting", "follow-up", "locked" })
        {
            await Expect(HttpStatusCode.OK, _api.Patch(Path, new { status = step, reason = $"moving to {step}" }, Manager));
            if (step == status)
                return;
        }
    }

    public static async Task<ApiResponse> Expect(HttpStatusCode status, Task<ApiResponse> call)
    {
        var response = await call;
        if (response.Status != status)
            throw new AssertionException($"Expected {(int)status} but got {response}");
        return response;
    }
}
