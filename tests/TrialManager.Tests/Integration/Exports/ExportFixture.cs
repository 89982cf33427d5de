using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using static TrialManager.Tests.Integration.TrialWorld;

namespace TrialManager.Tests.Integration.Exports;

/// <summary>
/// A small trial for extracts: the world's two clusters randomised (simple scheme, sealed), an instrument `MOOD` with
/// every item type, a scale with a reverse-scored item and a missing-data code, due at baseline and 12 months, and
/// three assessments (one a draft with a missing-data code).
/// </summary>
public sealed record ExportWorld(TrialWorld World, string ParticipantA, string ParticipantB, string ClusterA, string ClusterB,
    string ArmA, string ArmB, IReadOnlyDictionary<string, string> Masks)
{
    public static async Task<ExportWorld> CreateAsync(ApiClient api, TrialWorld world)
    {
        var path = world.Path;
        await Expect(HttpStatusCode.Created, api.Post($"{path}/instruments", new
        {
            code = "MOOD", title = "Mood check", source = "test",
            items = new object[]
            {
                new { code = "m1", label = "Low mood", type = "integer", min = 0, max = 4, required = true },
                new { code = "m2", label = "Hope", type = "integer", min = 0, max = 4, required = false },
                new { code = "note", label = "Comment", type = "text", required = false },
                new { code = "seen", label = "Last seen", type = "date", required = false },
                new { code = "mode", label = "Where", type = "choice", options = new[] { new { value = "home", label = "At home" }, new { value = "clinic", label = "In clinic" } }, required = false },
            },
            scales = new[] { new { code = "total", label = "Total", items = new[] { "m1", "m2" }, method = "sum", reverseItems = new[] { "m2" }, minAnswered = 2, prorate = false } },
            missingCodes = new[] { new { value = -99, label = "refused" } },
        }, world.Manager));
        await Expect(HttpStatusCode.Created, api.Post($"{path}/timepoints",
            new { code = "baseline", label = "Baseline", offsetDays = 0, windowDaysBefore = 0, windowDaysAfter = 30 }, world.Manager));
        await Expect(HttpStatusCode.Created, api.Post($"{path}/timepoints",
            new { code = "12m", label = "One year", offsetDays = 365, windowDaysBefore = 30, windowDaysAfter = 60 }, world.Manager));
        await Expect(HttpStatusCode.OK, api.Put($"{path}/schedule", new
        {
            entries = new[] { "baseline", "12m" }.Select(t => new { timepointCode = t, instrumentCode = "MOOD", participantKind = "patient" }),
        }, world.Manager));

        await Expect(HttpStatusCode.OK, api.Put($"{path}/randomisation/scheme", new { method = "simple" }, world.Manager));
        await Expect(HttpStatusCode.OK, api.Post($"{path}/randomisation/scheme/seal", new { }, world.Manager));
        await Expect(HttpStatusCode.Created, api.Post($"{path}/randomisation/allocations", new { clusterId = world.ClusterA }, world.Manager));
        await Expect(HttpStatusCode.Created, api.Post($"{path}/randomisation/allocations", new { clusterId = world.ClusterB }, world.Manager));
        var allocations = (await api.Get($"{path}/randomisation/allocations", world.Manager))["items"].AsArray()
            .ToDictionary(a => a!["clusterId"]!.GetValue<Guid>(), a => a!["arm"]!.GetValue<string>());

        await Assess(api, world, world.ParticipantA, "baseline", world.ResearcherA, "complete", "2011-06-10",
            new { m1 = 3, m2 = 1, note = "felt \"better\", thanks", seen = "2011-06-09", mode = "home" });
        await Assess(api, world, world.ParticipantA, "12m", world.ResearcherA, "draft", "2012-06-07", new { m1 = -99, m2 = 2 });
        await Assess(api, world, world.ParticipantB, "baseline", world.ResearcherB, "complete", "2011-06-10", new { m1 = 0, m2 = 4 });

        var masksJson = await TestHost.Database.ScalarAsync<string>("SELECT masked_arms FROM randomisation_schemes WHERE trial_id = $1", world.TrialId);
        var masks = JsonNode.Parse(masksJson!)!.AsObject().ToDictionary(p => p.Key, p => p.Value!.GetValue<string>());
        return new ExportWorld(world,
            (await api.Get($"{path}/participants/{world.ParticipantA}", world.Manager))["externalId"].GetValue<string>(),
            (await api.Get($"{path}/participants/{world.ParticipantB}", world.Manager))["externalId"].GetValue<string>(),
            (await api.Get($"{path}/clusters/{world.ClusterA}", world.Manager))["code"].GetValue<string>(),
            (await api.Get($"{path}/clusters/{world.ClusterB}", world.Manager))["code"].GetValue<string>(),
            allocations[world.ClusterA], allocations[world.ClusterB], masks);
    }

    private static Task<ApiResponse> Assess(ApiClient api, TrialWorld world, Guid participant, string timepoint, string token, string status,
        string assessedOn, object answers) =>
        Expect(HttpStatusCode.Created, api.Put($"{world.Path}/participants/{participant}/assessments/{timepoint}/MOOD",
            new { answers, status, assessedOn }, token));

    /// <summary>Requests an export and waits until it has succeeded or failed.</summary>
    public static async Task<JsonNode> ExportAsync(ApiClient api, TrialWorld world, string token, object body)
    {
        var requested = await Expect(HttpStatusCode.Accepted, api.Post($"{world.Path}/exports", body, token));
        Assert.That(requested.Headers.Location?.ToString(), Is.EqualTo($"/api/v1/exports/{requested.Id}"));
        return await WaitAsync(api, requested.Id, token);
    }

    public static async Task<JsonNode> WaitAsync(ApiClient api, Guid exportId, string token, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var status = await Expect(HttpStatusCode.OK, api.Get($"/exports/{exportId}", token));
            if (status["status"].GetValue<string>() is "succeeded" or "failed")
                return status.Json!;
            if (DateTime.UtcNow > deadline)
                throw new AssertionException($"Export {exportId} did not finish in time: {status}");
            await Task.Delay(200);
        }
    }

    /// <summary>The file's bytes, and its Content-Type and file name.</summary>
    public static async Task<(HttpStatusCode Status, byte[] Bytes, MediaTypeHeaderValue? ContentType, string? FileName)> FileAsync(ApiClient api,
        Guid exportId, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/exports/{exportId}/file");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await api.Http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsByteArrayAsync(), response.Content.Headers.ContentType,
            response.Content.Headers.ContentDisposition?.FileNameStar ?? response.Content.Headers.ContentDisposition?.FileName);
    }

    /// <summary>Every entry of a zip as text, by name.</summary>
    public static Dictionary<string, string> Entries(byte[] zip)
    {
        using var archive = new ZipArchive(new MemoryStream(zip), ZipArchiveMode.Read);
        return archive.Entries.ToDictionary(e => e.FullName, e =>
        {
            using var reader = new StreamReader(e.Open(), Encoding.UTF8);
            return reader.ReadToEnd();
        });
    }
}
