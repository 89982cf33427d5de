using System.Net;
using static TrialManager.Tests.Integration.Outcomes.OutcomeFixture;
using static TrialManager.Tests.Integration.TrialWorld;

namespace TrialManager.Tests.Integration.Outcomes;

/// <summary>Assessor blinding and the trial's reports, as a blinded and as an unblinded reader sees them.</summary>
public sealed class BlindingAndReportTests : IntegrationTest
{
    private TrialWorld _world = null!;
    private List<string> _qpr = null!;

    [SetUp]
    public async Task RandomisedAndAssessedAsync()
    {
        (_world, _qpr) = await CreateAsync(Api, await NewTrialAsync());
        await Expect(HttpStatusCode.OK, Api.Put($"{_world.Path}/randomisation/scheme", new { method = "simple" }, _world.Manager));
        await Expect(HttpStatusCode.OK, Api.Post($"{_world.Path}/randomisation/scheme/seal", new { }, _world.Manager));
        foreach (var cluster in new[] { _world.ClusterA, _world.ClusterB })
            await Expect(HttpStatusCode.Created, Api.Post($"{_world.Path}/randomisation/allocations", new { clusterId = cluster }, _world.Manager));
        foreach (var (participant, token) in new[] { (_world.ParticipantA, _world.ResearcherA), (_world.ParticipantB, _world.ResearcherB) })
            foreach (var (timepoint, on) in new[] { ("baseline", "2011-06-10"), ("12m", "2012-06-07") })
                await Expect(HttpStatusCode.Created, Api.Put(AssessmentPath(_world, participant, timepoint, "QPR"),
                    new { answers = All(_qpr, 2), status = "complete", assessedOn = on }, token));
    }

    private static bool Leaks(ApiResponse r) => r.Body.Contains(ArmZulu) || r.Body.Contains(ArmYankee);

    [Test]
    public async Task A_guess_is_recorded_without_saying_whether_it_was_right()
    {
        var guess = await Api.Post($"{_world.Path}/participants/{_world.ParticipantA}/blinding-guesses",
            new { timepointCode = "12m", guess = ArmZulu, confidence = 4 }, _world.ResearcherA);
        Assert.That(guess.Code, Is.EqualTo(201));
        Assert.That(Leaks(guess), Is.False);
        Assert.That(guess.Json!.AsObject().Select(p => p.Key), Has.None.AnyOf("correct", "isCorrect", "arm", "guess"));
        var again = await Api.Post($"{_world.Path}/participants/{_world.ParticipantA}/blinding-guesses",
            new { timepointCode = "12m", guess = ArmYankee, confidence = 4 }, _world.ResearcherA);
        Assert.That(again.Code, Is.EqualTo(409), "one guess per participant and timepoint");
        var baseline = await Api.Post($"{_world.Path}/participants/{_world.ParticipantA}/blinding-guesses",
            new { timepointCode = "baseline", guess = "dont-know", confidence = 1 }, _world.ResearcherA);
        Assert.That(baseline.Code, Is.EqualTo(422), "guesses follow follow-up assessments");
        var monitor = await Api.Get($"{_world.Path}/audit?entityType=blinding-guess", _world.Monitor);
        Assert.That(Leaks(monitor), Is.False, "the guess is redacted in the audit trail for blinded readers");
    }

    [Test]
    public async Task Before_lock_the_blinding_report_gives_counts_only_and_after_lock_bangs_index_to_unblinded_readers()
    {
        await Expect(HttpStatusCode.Created, Api.Post($"{_world.Path}/participants/{_world.ParticipantA}/blinding-guesses",
            new { timepointCode = "12m", guess = ArmZulu, confidence = 4 }, _world.ResearcherA));
        await Expect(HttpStatusCode.Created, Api.Post($"{_world.Path}/participants/{_world.ParticipantB}/blinding-guesses",
            new { timepointCode = "12m", guess = "dont-know", confidence = 2 }, _world.ResearcherB));
        await Expect(HttpStatusCode.Created, Api.Post($"{_world.Path}/blinding-breaches",
            new { clusterId = _world.ClusterA, description = $"saw the {ArmZulu} manual in the office" }, _world.ResearcherA));

        foreach (var token in new[] { _world.Statistician, _world.Monitor, _world.UnblindedStatistician })
        {
            var early = await Api.Get($"{_world.Path}/reports/blinding", token);
            Assert.That(early["guesses"].GetValue<int>(), Is.EqualTo(2));
            Assert.That(early["breaches"].GetValue<int>(), Is.EqualTo(1));
            Assert.That(early.Json!["perArm"], Is.Null);
            Assert.That(Leaks(early), Is.False);
        }
        await _world.AdvanceToAsync("locked");
        var blinded = await Api.Get($"{_world.Path}/reports/blinding", _world.Statistician);
        Assert.That(Leaks(blinded), Is.False, "still blinded after lock until the planned unblinding");
        var report = await Api.Get($"{_world.Path}/reports/blinding", _world.UnblindedStatistician);
        Assert.That(report["perArm"].AsArray(), Has.Count.EqualTo(2));
        Assert.That(report.Body, Does.Contain("bangIndex"));
        var total = report["perArm"].AsArray().Sum(a => a!["bangIndex"]!["guesses"]!.GetValue<int>());
        Assert.That(total, Is.EqualTo(2));
    }

    [Test]
    public async Task The_consort_flow_is_per_arm_for_unblinded_readers_and_pooled_without_arms_for_the_rest()
    {
        await Expect(HttpStatusCode.OK, Api.Patch($"{_world.Path}/participants/{_world.ParticipantB}",
            new { status = "lost", reason = "no contact" }, _world.ResearcherB));
        var pooled = await Api.Get($"{_world.Path}/reports/consort", _world.Statistician);
        Assert.That(Leaks(pooled), Is.False);
        var all = pooled["groups"].AsArray().Single()!["flow"]!;
        Assert.Multiple(() =>
        {
            Assert.That(pooled["perArm"].GetValue<bool>(), Is.False);
            Assert.That(all["clustersRandomised"]!.GetValue<int>(), Is.EqualTo(2));
            Assert.That(all["enrolled"]!.GetValue<int>(), Is.EqualTo(2));
            Assert.That(all["assessedAt"]!["12m"]!.GetValue<int>(), Is.EqualTo(2));
            Assert.That(all["analysed"]!.GetValue<int>(), Is.EqualTo(2));
            Assert.That(all["exits"]!.AsArray().Single()!["reason"]!.GetValue<string>(), Is.EqualTo("no contact"));
        });
        var perArm = await Api.Get($"{_world.Path}/reports/consort", _world.Manager);
        Assert.That(perArm["perArm"].GetValue<bool>(), Is.True);
        var groups = perArm["groups"].AsArray();
        Assert.That(groups.Sum(g => g!["flow"]!["enrolled"]!.GetValue<int>()), Is.EqualTo(2));
        Assert.That(groups.Select(g => g!["group"]!.GetValue<string>()), Is.SubsetOf(new[] { ArmZulu, ArmYankee }));
    }

    [Test]
    public async Task No_outcome_response_to_a_blinded_role_names_an_arm()
    {
        foreach (var token in new[] { _world.ResearcherA, _world.Statistician, _world.Monitor })
            foreach (var path in new[]
                     {
                         $"{_world.Path}/participants/{_world.ParticipantA}", $"{_world.Path}/participants/{_world.ParticipantA}/assessments",
                         $"{_world.Path}/participants", $"{_world.Path}/instruments", $"{_world.Path}/schedule", $"{_world.Path}/queries",
                     })
            {
                var response = await Api.Get(path, token);
                Assert.That(response.Code, Is.AnyOf(200, 403));
                Assert.That(Leaks(response), Is.False, $"{path}: {response}");
            }
    }
}
