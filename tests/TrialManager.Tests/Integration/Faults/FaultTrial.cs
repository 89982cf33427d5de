using System.Net;
using static TrialManager.Tests.Integration.TrialWorld;

namespace TrialManager.Tests.Integration.Faults;

/// <summary>
/// The trial the fault scenarios write to: the usual world (a researcher and a cluster at each of two sites) with a
/// two-item instrument `MOOD` due at baseline, so that a write is an enrolment or a baseline assessment save.
/// </summary>
public sealed record FaultTrial(TrialWorld World)
{
    public const string Instrument = "MOOD", Timepoint = "baseline";

    public static async Task<FaultTrial> CreateAsync(ApiClient api)
    {
        var world = await TrialWorld.CreateAsync(api, Unique("FAULTS"));
        await Expect(HttpStatusCode.Created, api.Post($"{world.Path}/instruments", new
        {
            code = Instrument, title = "Mood check", source = "test",
            items = new[]
            {
                new { code = "m1", label = "Low mood", type = "integer", min = 0, max = 4, required = true },
                new { code = "m2", label = "Hope", type = "integer", min = 0, max = 4, required = true },
            },
            scales = new[] { new { code = "total", label = "Total", items = new[] { "m1", "m2" }, method = "sum", minAnswered = 2, prorate = false } },
        }, world.Manager));
        await Expect(HttpStatusCode.Created, api.Post($"{world.Path}/timepoints",
            new { code = Timepoint, label = "Baseline", offsetDays = 0, windowDaysBefore = 0, windowDaysAfter = 30 }, world.Manager));
        await Expect(HttpStatusCode.OK, api.Put($"{world.Path}/schedule",
            new { entries = new[] { new { timepointCode = Timepoint, instrumentCode = Instrument, participantKind = "patient" } } }, world.Manager));
        return new FaultTrial(world);
    }

    public Guid TrialId => World.TrialId;

    public static object Participant(string externalId, Guid clusterId) => new
    {
        externalId, clusterId, kind = "patient", consentDate = "2011-06-01", baselineDate = "2011-06-08",
    };

    public string AssessmentPath(Guid participantId) => $"{World.Path}/participants/{participantId}/assessments/{Timepoint}/{Instrument}";

    public static object Assessment => new { answers = new { m1 = 2, m2 = 3 }, status = "complete", assessedOn = "2011-06-10" };

    /// <summary>The chain as a monitor re-computes it: `{valid, eventsChecked, ...}`.</summary>
    public Task<ApiResponse> VerifyAuditAsync(ApiClient api) => api.Get($"{World.Path}/audit/verify", World.Monitor);
}
