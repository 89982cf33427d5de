using System.Net;
using TrialManager.Tests.Integration.Exports;
using TrialManager.Tests.Integration.Outcomes;
using static TrialManager.Tests.Integration.TrialWorld;

namespace TrialManager.Tests.Integration.BadInput;

/// <summary>
/// Input that the service used to accept and then fail on later, for everyone: a definition it cannot score or export,
/// a date no follow-up window can be computed from, a schedule replaced by nothing.
/// </summary>
public sealed class AcceptedThenBreaksTests : RefusalTest
{
    public static IEnumerable<TestCaseData> BrokenDefinitions() => new (string Name, string Field, string Json)[]
    {
        ("a scale without a code", "scales[0].code",
            Instrument(scales: """[{"label": "Total", "items": ["w1", "w2"], "method": "sum", "reverseItems": [], "minAnswered": 1, "prorate": false}]""")),
        ("a scale code of 10,000 characters", "scales[0].code", Instrument(scales: Scale(code: Quoted(new string('t', 10_000))))),
        ("a scale code with control characters", "scales[0].code", Instrument(scales: Scale(code: Quoted("to\u0001tal\u001b")))),
        ("a scale listing one item 10,000 times", "scales[0].items",
            Instrument(scales: Scale(items: "[" + string.Join(",", Enumerable.Repeat("\"w1\"", 10_000)) + "]"))),
        ("an empty missing-data code", "missingCodes[0]", Instrument(missingCodes: "[{}]")),
        ("a multiplier of 0", "scales[0].multiplier", Instrument(scales: Scale(multiplier: "0"))),
        ("a multiplier of -1", "scales[0].multiplier", Instrument(scales: Scale(multiplier: "-1"))),
        ("a multiplier of 1e308", "scales[0].multiplier", Instrument(scales: Scale(multiplier: "1e308"))),
    }.Select(c => new TestCaseData(c.Field, c.Json).SetArgDisplayNames(c.Name));

    [TestCaseSource(nameof(BrokenDefinitions))]
    public async Task An_instrument_definition_that_cannot_be_scored_or_exported_is_refused(string field, string json)
    {
        var trial = await NewTrialWorldAsync();
        await AssertRefusedAsync(() => PostInstrument(trial, json), field);
    }

    [Test]
    public async Task Exports_still_succeed_after_an_instrument_without_a_scale_code_was_posted()
    {
        var trial = await (await NewTrialWorldAsync()).WithOutcomesAsync();
        await PostInstrument(trial, Instrument(scales: """[{"label": "Total", "items": ["w1"], "method": "sum", "reverseItems": [], "minAnswered": 1, "prorate": false}]"""));

        var export = await ExportWorld.ExportAsync(Api, trial.World, trial.World.Statistician, new { format = "csv" });
        Assert.That(export["status"]!.GetValue<string>(), Is.EqualTo("succeeded"), export.ToJsonString());
    }

    [TestCase("enrolment")]
    [TestCase("update")]
    public async Task A_baseline_in_the_year_9999_is_refused_and_reminders_keep_answering(string when)
    {
        var trial = await NewTrialWorldAsync();
        var w = trial.World;
        await OutcomeFixture.CreateAsync(Api, w);
        await AssertRefusedAsync(() => when == "enrolment"
            ? trial.Send(HttpMethod.Post, $"{w.Path}/participants", $$"""
                {"externalId": "P-9999", "clusterId": "{{w.ClusterA}}", "kind": "patient", "consentDate": "2011-06-01", "baselineDate": "9999-12-31"}
                """, w.ResearcherA)
            : trial.Send(HttpMethod.Patch, $"{w.Path}/participants/{w.ParticipantA}", """{"baselineDate": "9999-12-31"}""", w.ResearcherA),
            "baselineDate");

        foreach (var token in new[] { w.ResearcherA, w.Manager, w.Monitor })
            Assert.That((await Api.Get($"{w.Path}/reminders", token)).Code, Is.EqualTo(200));
    }

    [Test]
    public async Task A_consent_date_in_the_year_1_is_refused()
    {
        var trial = await NewTrialWorldAsync();
        var w = trial.World;
        await AssertRefusedAsync(() => trial.Send(HttpMethod.Post, $"{w.Path}/participants", $$"""
            {"externalId": "P-0001", "clusterId": "{{w.ClusterA}}", "kind": "patient", "consentDate": "0001-01-01", "baselineDate": "2011-06-08"}
            """, w.ResearcherA), "consentDate");
    }

    [Test]
    public async Task An_assessment_dated_in_the_year_1_is_refused()
    {
        var trial = await (await NewTrialWorldAsync()).WithOutcomesAsync();
        var w = trial.World;
        var participant = await w.ParticipantAsync(w.ClusterA, w.ResearcherA);
        await AssertRefusedAsync(() => trial.Send(HttpMethod.Put, OutcomeFixture.AssessmentPath(w, participant, "baseline", "MOOD"),
            """{"answers": {"m1": 2}, "status": "draft", "assessedOn": "0001-01-01"}""", w.ResearcherA), "assessedOn");
    }

    [TestCase("{}")]
    [TestCase("""{"entries": null}""")]
    public async Task Replacing_the_schedule_without_its_entries_is_refused_and_keeps_the_schedule(string json)
    {
        var trial = await (await NewTrialWorldAsync()).WithOutcomesAsync();
        var w = trial.World;
        await AssertRefusedAsync(() => trial.Send(HttpMethod.Put, $"{w.Path}/schedule", json, w.Manager), "entries");

        var schedule = await Expect(HttpStatusCode.OK, Api.Get($"{w.Path}/schedule", w.ResearcherA));
        Assert.That(schedule["entries"].AsArray(), Has.Count.EqualTo(2), "MOOD at baseline and 12 months");
    }
}
