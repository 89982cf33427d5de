using System.Diagnostics;
using System.Net;
using TrialManager.Tests.Integration.Exports;
using TrialManager.Tests.Integration.Outcomes;
using static TrialManager.Tests.Integration.TrialWorld;

namespace TrialManager.Tests.Integration.BadInput;

/// <summary>
/// Principle 4 of the design, checked by brute force: every operation of the running app's OpenAPI document, as
/// every kind of caller, gets bad bodies, parameters and headers generated from its valid request (see
/// <see cref="Catalogue"/>), and then the trial must still verify and its daily work still go through. The run is
/// seeded: BADINPUT_SEED repeats one.
/// </summary>
public sealed class BadInputBarrageTests : IntegrationTest
{
    private const int DefaultSeed = 11;
    private const int MinimumRequests = 2_000;

    private RowChanges _changes = null!;

    [OneTimeSetUp]
    public async Task LogRowChangesAsync() => _changes = await RowChanges.InstallAsync();

    [OneTimeTearDown]
    public async Task StopLoggingAsync() => await _changes.DisposeAsync();

    private static int Seed() =>
        int.TryParse(Environment.GetEnvironmentVariable("BADINPUT_SEED"), out var seed) ? seed : DefaultSeed;

    [Test]
    public async Task Every_documented_operation_has_a_valid_request_to_mutate()
    {
        var document = await ApiDocument.ReadAsync(Api);
        var documented = document.Operations.Select(o => o.Key).ToHashSet();
        var rows = ValidRequests.Rows.Select(r => r.Operation).ToHashSet();
        Assert.Multiple(() =>
        {
            Assert.That(documented.Except(rows), Is.Empty, $"operations without a row in {nameof(ValidRequests)}");
            Assert.That(rows.Except(documented), Is.Empty, $"rows of {nameof(ValidRequests)} for operations the document does not have");
        });
    }

    [Test]
    public async Task Bad_input_is_refused_with_problem_details_and_changes_nothing()
    {
        var seed = Seed();
        TestContext.Progress.WriteLine($"Bad-input barrage, seed {seed} (set BADINPUT_SEED to repeat a run)");
        var clock = Stopwatch.StartNew();
        var document = await ApiDocument.ReadAsync(Api);
        var world = await BadInputWorld.CreateAsync(Api);
        var findings = new Findings();
        var barrage = new Barrage(world, document, _changes, new Random(seed), findings);

        await barrage.RunAsync();
        await AfterwardsAsync(world, findings);

        var counts = $"seed {seed} (BADINPUT_SEED={seed} repeats the run): {barrage.Requests} requests ({barrage.PermittedRequests} as the caller allowed to make them) in " +
            $"{clock.Elapsed.TotalSeconds:F0} s; {findings.Requests(Findings.ServerError) + findings.Requests(Findings.StateBroken)} 5xx, " +
            $"{findings.Requests(Findings.RefusedButWrote)} refused with writes, {findings.Requests(Findings.MustRefuse)} must-refuse accepted, " +
            $"{findings.Requests(Findings.AcceptedThenBreaks)} reads broken by accepted input, {findings.Requests(Findings.NotProblem)} 4xx not problem+json, " +
            $"{findings.Requests(Findings.NoViolations) + findings.Requests(Findings.FieldNotNamed)} 400/422 without the field's violation, " +
            $"{findings.Requests(Findings.NoRequestId)} without X-Request-Id, {findings.Requests(Findings.WrongStatus)} with a wrong status";
        TestContext.Progress.WriteLine(counts);
        var report = counts + "\n" + findings.Summary();
        var file = Path.Combine(TestContext.CurrentContext.WorkDirectory, "bad-input-findings.txt");
        await File.WriteAllTextAsync(file, report);
        TestContext.AddTestAttachment(file);

        Assert.That(barrage.Requests, Is.GreaterThanOrEqualTo(MinimumRequests));
        if (findings.Any)
            Assert.Fail(report);
    }

    /// <summary>The chain still verifies, and a short day of valid work still goes through.</summary>
    private async Task AfterwardsAsync(BadInputWorld world, Findings findings)
    {
        var main = world.Main;
        void Check(string step, ApiResponse response, HttpStatusCode expected, bool holds = true)
        {
            if (response.Status != expected || !holds)
                findings.Add(Findings.Afterwards, step, "valid", response.Code, "", $"expected {(int)expected}: {response}");
        }

        var verify = await Api.Get($"{main.Path}/audit/verify", main.Monitor);
        Check("the trial's audit chain verifies", verify, HttpStatusCode.OK, verify.Json?["valid"]?.GetValue<bool>() == true);
        var system = await Api.Get("/audit/system/verify", Admin);
        Check("the system audit chain verifies", system, HttpStatusCode.OK, system.Json?["valid"]?.GetValue<bool>() == true);

        var enrolled = await Api.Post($"{main.Path}/participants", NewParticipant(main.ClusterA), main.ResearcherA);
        Check("a researcher enrols a participant", enrolled, HttpStatusCode.Created);
        if (enrolled.Status == HttpStatusCode.Created)
            Check("and saves their baseline", await Api.Put(OutcomeFixture.AssessmentPath(main, enrolled.Id, "baseline", "MOOD"),
                new { answers = BadInputWorld.MoodAnswers, status = "complete", assessedOn = "2011-06-10" }, main.ResearcherA), HttpStatusCode.Created);
        Check("the researcher lists reminders", await Api.Get($"{main.Path}/reminders", main.ResearcherA), HttpStatusCode.OK);
        Check("the trial manager lists reminders", await Api.Get($"{main.Path}/reminders", main.Manager), HttpStatusCode.OK);
        var export = await Api.Post($"{main.Path}/exports", new { format = "csv" }, main.Statistician);
        Check("the statistician requests an export", export, HttpStatusCode.Accepted);
        if (export.Status == HttpStatusCode.Accepted)
        {
            var done = await ExportWorld.WaitAsync(Api, export.Id, main.Statistician);
            if (done["status"]!.GetValue<string>() != "succeeded")
                findings.Add(Findings.Afterwards, "the export finishes", "valid", 200, "", done.ToJsonString());
        }
    }
}
