using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using static TrialManager.Tests.Integration.Access.Caller;

namespace TrialManager.Tests.Integration.Access;

public enum Caller
{
    Anonymous,
    RevokedToken,
    ExpiredToken,
    SystemAdmin,
    Outsider,
    Manager,
    ResearcherA,
    ResearcherB,
    Statistician,
    UnblindedStatistician,
    TrialMonitor,
}

/// <summary>
/// For every route of the running app and every kind of caller, the expected status. Requests are about site A's
/// cluster and participant, so researcher B is "another site". The routes are read from the app itself: a route
/// added without a row here fails <see cref="Every_route_has_a_row_in_the_matrix"/>.
/// </summary>
public sealed class AccessMatrixTests : IntegrationTest
{
    private static readonly Caller[] Everyone = Enum.GetValues<Caller>();
    private static readonly Caller[] Members = [Manager, ResearcherA, ResearcherB, Statistician, UnblindedStatistician, TrialMonitor];

    public static IEnumerable<TestCaseData> Rows() => AccessMatrix.Rows.Select(row => new TestCaseData(row.Route).SetName(row.Route));

    [Test]
    public void Every_route_has_a_row_in_the_matrix()
    {
        var routes = TestHost.Factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => !IsClientFile(e.RoutePattern.RawText))
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["ANY"])
                .Select(method => $"{method} {e.RoutePattern.RawText}"))
            .ToHashSet();
        var rows = AccessMatrix.Rows.Select(r => r.Route).ToHashSet();
        Assert.Multiple(() =>
        {
            Assert.That(routes.Except(rows), Is.Empty, "routes of the app without a row in the access matrix");
            Assert.That(rows.Except(routes), Is.Empty, "rows of the access matrix for routes the app does not have");
        });
    }

    /// <summary>
    /// The web client's files (one endpoint per file and encoding from MapStaticAssets, and in a build that is not
    /// published a fallback for files changed since): public, the same for every caller, checked by the end-to-end tests.
    /// </summary>
    private static bool IsClientFile(string? pattern) =>
        pattern is not null && (pattern.StartsWith("app/", StringComparison.Ordinal) || pattern == "{**path:file}");

    [TestCaseSource(nameof(Rows))]
    public async Task Route_answers_each_caller_as_expected(string route)
    {
        var row = AccessMatrix.Rows.Single(r => r.Route == route);
        var world = await NewTrialAsync();
        var tokens = await TokensAsync(world);
        var documented = await DocumentedStatusesAsync(route);
        var mismatches = new List<string>();
        foreach (var caller in Everyone)
        {
            var request = await row.Request(new MatrixContext(Api, world, tokens[caller]));
            var response = await Api.Send(request.Method, request.Path, request.Body, tokens[caller]);
            var expected = row.Expected(caller);
            if (response.Code != expected)
                mismatches.Add($"{caller}: expected {expected}, got {response}");
            if (documented is not null && !documented.Contains(response.Code.ToString(System.Globalization.CultureInfo.InvariantCulture)))
                mismatches.Add($"{caller}: {response.Code} is not among the statuses the OpenAPI document gives ({string.Join(", ", documented)})");
            if (response.Code >= 400)
                Assert.That(response.ContentType, Is.EqualTo("application/problem+json"), $"{caller}: {response}");
        }
        Assert.That(mismatches, Is.Empty);
    }

    /// <summary>The statuses the OpenAPI document gives for an API route ("GET /api/v1/trials/{trialId:guid}"); null for other routes.</summary>
    private async Task<HashSet<string>?> DocumentedStatusesAsync(string route)
    {
        var (method, pattern) = (route.Split(' ')[0].ToLowerInvariant(), route.Split(' ')[1]);
        if (!pattern.StartsWith("/api/", StringComparison.Ordinal))
            return null;
        var document = (await Api.Get("/swagger/v1/swagger.json")).Json!;
        var path = System.Text.RegularExpressions.Regex.Replace(pattern, @"\{(\w+):[^}]*\}", "{$1}");
        return document["paths"]![path]![method]!["responses"]!.AsObject().Select(r => r.Key).ToHashSet();
    }

    private async Task<Dictionary<Caller, string?>> TokensAsync(TrialWorld world)
    {
        var (_, revoked) = await TrialWorld.NewUserAsync(Api, "revoked");
        var revokedId = (await Api.Get("/me", revoked)).Id;
        var tokenId = (await Api.Get($"/users/{revokedId}/tokens", Admin))["items"].AsArray()[0]!["id"]!.GetValue<Guid>();
        await TrialWorld.Expect(System.Net.HttpStatusCode.NoContent, Api.Delete($"/tokens/{tokenId}", Admin));
        var (expiredUser, expired) = await TrialWorld.NewUserAsync(Api, "expired");
        await Db.ScalarAsync<int>("UPDATE api_tokens SET expires_at = now() - interval '1 minute' WHERE user_id = $1", expiredUser);
        return new Dictionary<Caller, string?>
        {
            [Anonymous] = null, [RevokedToken] = revoked, [ExpiredToken] = expired, [SystemAdmin] = TestHost.AdminToken,
            [Outsider] = world.Outsider, [Manager] = world.Manager, [ResearcherA] = world.ResearcherA, [ResearcherB] = world.ResearcherB,
            [Statistician] = world.Statistician, [UnblindedStatistician] = world.UnblindedStatistician, [TrialMonitor] = world.Monitor,
        };
    }

    internal static Func<Caller, int> Public(int status) => _ => status;

    internal static Func<Caller, int> Authenticated(int status) => caller => caller switch
    {
        Anonymous or RevokedToken or ExpiredToken => 401,
        _ => status,
    };

    internal static Func<Caller, int> AdminOnly(int status) => caller => caller switch
    {
        Anonymous or RevokedToken or ExpiredToken => 401,
        SystemAdmin => status,
        _ => 403,
    };

    /// <summary>A trial route: the allowed callers get `status`; a non-member gets 404; other members (and the admin
    /// when not allowed) get 403; `special` overrides single callers (e.g. researcher B on site A's data).</summary>
    internal static Func<Caller, int> Trial(int status, Caller[] allowed, Dictionary<Caller, int>? special = null) => caller =>
        special is not null && special.TryGetValue(caller, out var code) ? code : caller switch
        {
            Anonymous or RevokedToken or ExpiredToken => 401,
            Outsider => 404,
            _ when allowed.Contains(caller) => status,
            _ => 403,
        };

    internal static readonly Caller[] AllMembers = Members;
    internal static readonly Caller[] MembersAndAdmin = [.. Members, SystemAdmin];
}
