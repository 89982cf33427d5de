using System.Net;
using System.Text.Json.Nodes;
using static TrialManager.Tests.Integration.TrialWorld;

namespace TrialManager.Tests.Integration.Outcomes;

/// <summary>A trial with the QPR and HHI from the library, baseline and 12-month timepoints, and both due for patients.</summary>
public static class OutcomeFixture
{
    public static async Task<(TrialWorld World, List<string> QprItems)> CreateAsync(ApiClient api, TrialWorld world)
    {
        foreach (var code in new[] { "QPR", "HHI" })
            await Expect(HttpStatusCode.Created, api.Post($"{world.Path}/instruments", new { fromLibrary = code }, world.Manager));
        await Expect(HttpStatusCode.Created, api.Post($"{world.Path}/timepoints",
            new { code = "baseline", label = "Baseline", offsetDays = 0, windowDaysBefore = 0, windowDaysAfter = 30 }, world.Manager));
        await Expect(HttpStatusCode.Created, api.Post($"{world.Path}/timepoints",
            new { code = "12m", label = "One year", offsetDays = 365, windowDaysBefore = 30, windowDaysAfter = 60 }, world.Manager));
        await Expect(HttpStatusCode.OK, api.Put($"{world.Path}/schedule", new
        {
            entries = new[] { "baseline", "12m" }.SelectMany(t => new[] { "QPR", "HHI" }.Select(i => new { timepointCode = t, instrumentCode = i, participantKind = "patient" })),
        }, world.Manager));
        var qpr = await api.Get($"{world.Path}/instruments/QPR", world.ResearcherA);
        return (world, qpr["items"].AsArray().Select(i => i!["code"]!.GetValue<string>()).ToList());
    }

    public static Dictionary<string, object> All(IEnumerable<string> items, object value) => items.ToDictionary(i => i, _ => value);

    public static string AssessmentPath(TrialWorld world, Guid participant, string timepoint, string instrument) =>
        $"{world.Path}/participants/{participant}/assessments/{timepoint}/{instrument}";

    public static JsonNode Scores(ApiResponse response) => response["scores"];
}
