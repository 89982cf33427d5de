using System.Net.Http.Json;
using System.Text.Json;

namespace TrialManager.Benchmarks.Infrastructure;

/// <summary>
/// A trial set up through the API as a user would: a two-arm trial, a trial manager with their own token, one
/// site and one cluster. Load then runs with the manager's token, so that it passes the same access checks as
/// real data entry (not the system admin's, who sees no trial data).
/// </summary>
public sealed record BenchTrial(Guid TrialId, Guid SiteId, Guid ClusterId, Guid ManagerId, string ManagerToken)
{
    /// <param name="admin">A client with the system admin's token.</param>
    /// <param name="tag">Unique per run, so that codes do not collide in a database used before.</param>
    public static async Task<BenchTrial> CreateAsync(HttpClient admin, string tag, CancellationToken ct)
    {
        // The API bootstraps the admin only into a database without one; say so rather than fail with a bare 401.
        using (var me = await admin.GetAsync("/api/v1/me", ct))
            if (me.StatusCode == System.Net.HttpStatusCode.Unauthorized)
                throw new InvalidOperationException("The API refused the admin token: this database already has a system admin. " +
                    "Set Bootstrap__AdminToken to that admin's token, or leave ConnectionStrings__TrialManager unset for a fresh database.");

        var trial = await SendAsync(admin, HttpMethod.Post, "/api/v1/trials", new
        {
            code = tag,
            title = $"Benchmark trial {tag}",
            arms = new[] { new { code = "a", label = "A", ratio = 1 }, new { code = "b", label = "B", ratio = 1 } },
        }, ct);
        var trialId = trial.GetProperty("id").GetGuid();

        var user = await SendAsync(admin, HttpMethod.Post, "/api/v1/users",
            new { userName = $"{tag}-manager", displayName = "Benchmark trial manager", email = $"{tag}@example.org" }, ct);
        var userId = user.GetProperty("id").GetGuid();
        var token = await SendAsync(admin, HttpMethod.Post, $"/api/v1/users/{userId}/tokens", new { name = "benchmark" }, ct);
        await SendAsync(admin, HttpMethod.Put, $"/api/v1/trials/{trialId}/members/{userId}", new { role = "trial-manager" }, ct);
        var managerToken = token.GetProperty("token").GetString() ?? throw new InvalidOperationException("No token in the answer.");

        // Sites and clusters are the trial manager's to configure.
        using var manager = new HttpClient(new SocketsHttpHandler()) { BaseAddress = admin.BaseAddress };
        manager.DefaultRequestHeaders.Authorization = new("Bearer", managerToken);
        var site = await SendAsync(manager, HttpMethod.Post, $"/api/v1/trials/{trialId}/sites", new { code = "site-1", name = "Site 1" }, ct);
        var siteId = site.GetProperty("id").GetGuid();
        var cluster = await SendAsync(manager, HttpMethod.Post, $"/api/v1/trials/{trialId}/clusters",
            new { code = "cluster-1", siteId, covariates = new { caseload = 100 } }, ct);
        return new BenchTrial(trialId, siteId, cluster.GetProperty("id").GetGuid(), userId, managerToken);
    }

    /// <summary>Sends JSON and returns the JSON answer; a refusal stops the set-up with the API's problem details.</summary>
    internal static async Task<JsonElement> SendAsync(HttpClient client, HttpMethod method, string path, object body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path) { Content = JsonContent.Create(body) };
        using var response = await client.SendAsync(request, ct);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException(
                $"{method} {path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
        return await response.Content.ReadFromJsonAsync<JsonElement>(ct);
    }
}
