using System.Net;
using TrialManager.Tests.Integration.Exports;
using TrialManager.Tests.Integration.Outcomes;
using TrialManager.Tests.Integration.Reminders;
using static TrialManager.Tests.Integration.TrialWorld;

namespace TrialManager.Tests.Integration.Blinding;

/// <summary>
/// A trial with something in every place an arm could slip out: two clusters per site randomised by a sealed
/// stratified-block scheme (strata by site, blocks of 2, so the two clusters of a site are in different arms),
/// participants in every follow-up state (<see cref="ReminderFixture"/>), assessments, data queries (one answered with
/// a correction, one open) and a verification, a blinding guess naming a real arm code and breaches whose descriptions
/// name the arm labels, a status change, a participant moved between clusters, an emergency unblinding of cluster A1
/// and one of a participant in A1 (both naming researcher U, a second researcher at site A), and an unblinded extract
/// in each format.
/// </summary>
public sealed class BlindedWorld
{
    public required TrialWorld World { get; init; }
    public required ReminderFixture Reminders { get; init; }
    public required Guid ClusterA1 { get; init; }
    public required Guid ClusterA2 { get; init; }
    public required Guid ClusterB1 { get; init; }
    public required Guid ClusterB2 { get; init; }
    public required string ResearcherU { get; init; }
    public required Guid ResearcherUId { get; init; }

    /// <summary>The participant in A1 whose emergency unblinding names researcher U.</summary>
    public required Guid UnblindedParticipant { get; init; }

    /// <summary>The participant moved from A1 to A2.</summary>
    public required Guid MovedParticipant { get; init; }

    public required IReadOnlyDictionary<Guid, string> ArmOf { get; init; }
    public required DateTimeOffset Started { get; init; }
    public required DateTimeOffset Randomised { get; init; }

    /// <summary>What a leak looks like: the arm codes and labels.</summary>
    public static readonly string[] ArmWords = [ArmZulu, ArmYankee, "Pro-recovery team", "Usual care"];

    public string Path => World.Path;

    public static async Task<BlindedWorld> CreateAsync(ApiClient api)
    {
        var started = DateTimeOffset.UtcNow.AddSeconds(-1);
        var world = await TrialWorld.CreateAsync(api, "REFOCUS");
        var reminders = await ReminderFixture.CreateAsync(api, world);
        var path = world.Path;
        var (a1, b1) = (world.ClusterA, world.ClusterB);
        var a2 = await world.ClusterAsync(world.SiteA, new { caseload = 120, teamType = "assertive" });
        var b2 = await world.ClusterAsync(world.SiteB, new { caseload = 90, teamType = "support" });
        var (uId, u) = await world.MemberAsync("researcher", world.SiteA);

        await Expect(HttpStatusCode.OK, api.Put($"{path}/randomisation/scheme",
            new { method = "stratified-block", strata = new[] { "site" }, blockSizes = new[] { 2 } }, world.Manager));
        await Expect(HttpStatusCode.OK, api.Post($"{path}/randomisation/scheme/seal", new { }, world.Manager));
        foreach (var cluster in new[] { a1, b1, a2, b2 })
            await Expect(HttpStatusCode.Created, api.Post($"{path}/randomisation/allocations", new { clusterId = cluster }, world.Manager));
        var randomised = DateTimeOffset.UtcNow;
        var arms = (await api.Get($"{path}/randomisation/allocations", world.Manager))["items"].AsArray()
            .ToDictionary(a => a!["clusterId"]!.GetValue<Guid>(), a => a!["arm"]!.GetValue<string>());
        Assert.That(arms[a1], Is.Not.EqualTo(arms[a2]), "a block of 2 per site puts the site's clusters in different arms");
        await world.AdvanceToAsync("follow-up");

        var inA2 = await world.ParticipantAsync(a2, world.ResearcherA);
        await world.ParticipantAsync(b2, world.ResearcherB);
        var unblindedParticipant = await world.ParticipantAsync(a1, u);
        var moved = await world.ParticipantAsync(a1, world.ResearcherA);

        var qpr = (await api.Get($"{path}/instruments/QPR", world.ResearcherA))["items"].AsArray().Select(i => i!["code"]!.GetValue<string>()).ToList();
        Task<ApiResponse> Assess(Guid participant, string timepoint, string token, string status, string on) =>
            Expect(HttpStatusCode.Created, api.Put(OutcomeFixture.AssessmentPath(world, participant, timepoint, "QPR"),
                new { answers = OutcomeFixture.All(qpr, 2), status, assessedOn = on }, token));
        var baselineA = await Assess(world.ParticipantA, "baseline", world.ResearcherA, "complete", "2011-06-10");
        await Assess(world.ParticipantA, "12m", world.ResearcherA, "complete", "2012-06-07");
        var baselineB = await Assess(world.ParticipantB, "baseline", world.ResearcherB, "complete", "2011-06-10");
        await Assess(inA2, "baseline", world.ResearcherA, "draft", reminders.Today.ToString("yyyy-MM-dd"));

        var answered = await Expect(HttpStatusCode.Created, api.Post($"{path}/queries",
            new { assessmentId = baselineA.Id, itemCode = qpr[0], question = "The source says 3; please check." }, world.Monitor));
        await Expect(HttpStatusCode.OK, api.Post($"{path}/queries/{answered.Id}/answers",
            new { text = "Corrected from the paper form.", correction = new { itemCode = qpr[0], value = 3, reason = "transcription error" } },
            world.ResearcherA));
        await Expect(HttpStatusCode.Created, api.Post($"{path}/queries", new { assessmentId = baselineB.Id, question = "Date of assessment?" },
            world.Monitor));
        await Expect(HttpStatusCode.OK, api.Post($"{path}/assessments/{baselineA.Id}/verification", new { verified = true }, world.Monitor));

        await Expect(HttpStatusCode.Created, api.Post($"{path}/participants/{world.ParticipantA}/blinding-guesses",
            new { timepointCode = "12m", guess = ArmZulu, confidence = 4 }, world.ResearcherA));
        await Expect(HttpStatusCode.Created, api.Post($"{path}/participants/{reminders.Ids["done"]}/blinding-guesses",
            new { timepointCode = "12m", guess = "dont-know", confidence = 1 }, world.ResearcherA));
        await Expect(HttpStatusCode.Created, api.Post($"{path}/blinding-breaches",
            new { clusterId = b1, description = "A nurse told me the team started Pro-recovery team training." }, world.ResearcherB));
        await Expect(HttpStatusCode.Created, api.Post($"{path}/blinding-breaches",
            new { participantId = world.ParticipantA, description = "The participant said their team gives usual care." }, world.ResearcherA));

        await Expect(HttpStatusCode.Created, api.Post($"{path}/unblindings",
            new { clusterId = a1, userId = uId, reason = "Serious adverse event in the team: clinical review needs the arm." }, world.Manager));
        await Expect(HttpStatusCode.Created, api.Post($"{path}/unblindings",
            new { participantId = unblindedParticipant, userId = uId, reason = "Emergency: medication interaction." }, world.Manager));

        await Expect(HttpStatusCode.OK, api.Patch($"{path}/participants/{world.ParticipantB}",
            new { status = "lost", reason = "No contact since March." }, world.ResearcherB));
        await Expect(HttpStatusCode.OK, api.Patch($"{path}/participants/{moved}",
            new { clusterId = a2, reason = "Transferred to the other team." }, world.ResearcherA));

        foreach (var format in new[] { "csv", "odm" })
        {
            var export = await ExportWorld.ExportAsync(api, world, world.UnblindedStatistician, new { format, blinded = false });
            Assert.That(export["status"]!.GetValue<string>(), Is.EqualTo("succeeded"), export.ToJsonString());
        }

        return new BlindedWorld
        {
            World = world, Reminders = reminders, ClusterA1 = a1, ClusterA2 = a2, ClusterB1 = b1, ClusterB2 = b2, ResearcherU = u,
            ResearcherUId = uId, UnblindedParticipant = unblindedParticipant, MovedParticipant = moved, ArmOf = arms, Started = started,
            Randomised = randomised,
        };
    }
}
