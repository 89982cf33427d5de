using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using TrialManager.Api.Features.Reminders;
using TrialManager.Tests.Integration.Exports;
using TrialManager.Tests.Integration.Reminders;

namespace TrialManager.Tests.Integration.Blinding;

/// <summary>
/// Principle 2 of the design, checked by brute force: as each blinded caller, take everything the service gives them
/// (every GET route of the OpenAPI document with every real id, filter and page, their extracts, the reports, their
/// reminder e-mails and the errors they can provoke) and look for the arms in it. The routes come from the running
/// app, so a route added later is crawled too, or the crawl fails saying what it cannot fill in.
/// </summary>
public sealed class BlindingCrawlTests : IntegrationTest
{
    private SmtpSink _smtp = null!;
    private ResponseRecorder _setUp = null!;

    [OneTimeSetUp]
    public void StartSmtp() => _smtp = new SmtpSink();

    [OneTimeTearDown]
    public async Task StopSmtpAsync() => await _smtp.DisposeAsync();

    [SetUp]
    public void ResetMail() => _smtp.Reset();

    [Test]
    public async Task Blinded_roles_never_see_an_arm_anywhere()
    {
        var world = await NewWorldAsync();
        var w = world.World;
        var callers = new[]
        {
            ("researcher at site A", w.ResearcherA), ("researcher at site B", w.ResearcherB), ("statistician", w.Statistician),
            ("monitor", w.Monitor), ("system admin", Admin),
        };
        var reports = new List<CallerReport>();
        foreach (var (name, token) in callers)
            reports.Add(await CrawlAsync(world, name, token, new HashSet<Guid>()));

        TestContext.Progress.WriteLine($"{reports.Count} blinded callers: {reports.Sum(r => r.Crawler.Requests)} GET requests, " +
            $"{reports.SelectMany(r => r.Crawler.RoutesAnswered).Distinct().Count()} of {reports[0].DocumentedGetRoutes} GET routes answered 2xx to at least one of them");
        var trial = await Api.Get(world.Path, w.Statistician);
        Assert.Multiple(() =>
        {
            foreach (var report in reports)
                report.AssertClean();
            Assert.That(trial.Body, Does.Contain(TrialWorld.ArmZulu), "the trial's own list of arms is there, and left out of the search");
            Assert.That(reports.Where(r => r.Name.StartsWith("researcher", StringComparison.Ordinal)).Select(r => r.Mails), Is.All.EqualTo(1),
                "each researcher's reminder digest was searched");
            Assert.That(reports.Where(r => r.Name is "statistician" or "monitor").Select(r => r.Extracts), Is.All.EqualTo(2), "csv and odm");
        });
    }

    [Test]
    public async Task A_researcher_unblinded_for_one_cluster_sees_that_clusters_arm_and_no_other()
    {
        var world = await NewWorldAsync();
        var report = await CrawlAsync(world, "researcher U, unblinded for cluster A1", world.ResearcherU, new HashSet<Guid> { world.ClusterA1 });

        report.AssertClean();
        var shown = report.Search.Shown;
        Assert.Multiple(() =>
        {
            Assert.That(shown.Select(s => s.Arm).Distinct(), Is.EqualTo(new[] { world.ArmOf[world.ClusterA1] }));
            Assert.That(shown.Select(s => s.Whose), Does.Contain(world.ClusterA1).And.Contain(world.UnblindedParticipant).And.Contain(world.World.ParticipantA),
                "the cluster's arm, and its participants'");
            Assert.That(shown.Select(s => s.Whose), Does.Not.Contain(world.MovedParticipant), "a participant who left the cluster");
        });
    }

    /// <summary>The same crawl as the trial manager finds the arm in every channel a blinded caller came back clean from,
    /// so a clean crawl means the arm was kept out, not that the crawl could not see it.</summary>
    [Test]
    public async Task The_crawl_finds_the_arms_in_every_channel_where_the_trial_manager_sees_them()
    {
        var world = await NewWorldAsync();
        var report = await CrawlAsync(world, "trial manager (unblinded, the crawl's control)", world.World.Manager, new HashSet<Guid>(), blinded: false);

        var t = "/api/v1" + world.Path;
        var channels = new[]
        {
            $"GET {t}/clusters?limit=", $"GET {t}/clusters/{world.ClusterA1} ", $"GET {t}/participants?limit=",
            $"GET {t}/participants/{world.World.ParticipantA} ", $"GET {t}/randomisation/allocations?limit=", $"GET {t}/reports/consort ",
            $"GET {t}/audit?entityType=allocation&", $"GET {t}/audit?entityType=blinding-guess&", $"GET {t}/audit?entityType=blinding-breach&",
            $"GET {t}/audit/export (200) row", $"GET {t}/audit/export?format=jsonl ", "csv extract", "odm extract", "/file (200) [participants.csv]",
        };
        Assert.Multiple(() =>
        {
            Assert.That(report.Crawler.Routes, Has.Count.EqualTo(report.DocumentedGetRoutes));
            Assert.That(report.Crawler.Problems, Is.Empty);
            foreach (var channel in channels)
                Assert.That(report.Search.Leaks.Any(l => l.Contains(channel, StringComparison.Ordinal)),
                    $"the manager is shown an arm in '{channel}'");
        });
    }

    [Test]
    public async Task An_emergency_participant_unblinding_does_not_follow_the_participant_to_another_cluster()
    {
        var world = await NewWorldAsync();
        await TrialWorld.Expect(HttpStatusCode.OK, Api.Patch($"{world.Path}/participants/{world.UnblindedParticipant}",
            new { clusterId = world.ClusterA2, reason = "Transferred to the other team." }, world.World.ResearcherA));

        var report = await CrawlAsync(world, "researcher U, after their unblinded participant moved", world.ResearcherU,
            new HashSet<Guid> { world.ClusterA1 });

        report.AssertClean();
    }

    private Task<BlindedWorld> NewWorldAsync()
    {
        _setUp = new ResponseRecorder();
        return BlindedWorld.CreateAsync(new ApiClient(TestHost.Factory.CreateDefaultClient(_setUp)));
    }

    private async Task<CallerReport> CrawlAsync(BlindedWorld world, string name, string token, IReadOnlySet<Guid> unblindedClusters,
        bool blinded = true)
    {
        var started = DateTime.UtcNow;
        var mails = await RemindersAsync();
        var search = new ArmSearch(world.World.TrialId, unblindedClusters);
        var setUpAnswers = 0;
        foreach (var answer in _setUp.By(token))
        {
            search.Body($"{answer.Request} ({answer.Status}), while the world was set up", answer.ContentType, answer.Body);
            setUpAnswers++;
        }
        var extracts = await ExtractsAsync(world, token, search, blinded);
        var values = await RouteValues.ReadAsync(world);
        var openApi = (await Api.Get("/swagger/v1/swagger.json")).Json!;
        var crawler = new RouteCrawler(Api, token, values, search);
        await crawler.CrawlAsync(openApi);
        var refusals = blinded ? await ForbiddenWritesAsync(world, token, search) : 0;

        var email = (await Api.Get("/me", token))["email"].GetValue<string>();
        var mine = mails.Where(m => m.To.Mailboxes.Any(to => to.Address == email)).ToList();
        foreach (var mail in mine)
            search.Text($"e-mail '{mail.Subject}'", $"{mail.Subject}\n{mail.TextBody}\n{mail.HtmlBody}");

        var report = new CallerReport(name, search, crawler, RouteCrawler.GetRoutes(openApi).Count(), setUpAnswers, extracts, mine.Count,
            refusals, DateTime.UtcNow - started);
        TestContext.Progress.WriteLine(report.Summary());
        return report;
    }

    /// <summary>The follow-up reminder job, run once per test as Hangfire would run it, with mail to the test's SMTP server.</summary>
    private async Task<IReadOnlyList<MimeMessage>> RemindersAsync()
    {
        if (_smtp.Messages.Count == 0)
        {
            using var scope = TestHost.Factory.Services.CreateScope();
            var job = ActivatorUtilities.CreateInstance<FollowUpReminderJob>(scope.ServiceProvider, _smtp.Options());
            Assert.That(await job.SendDigestsAsync(CancellationToken.None), Is.GreaterThan(0), "the world has follow-ups due");
        }
        return _smtp.Messages;
    }

    /// <summary>Asks for an unblinded extract in each format (the service must make it blinded for a blinded role), and
    /// searches every file of it; a role that may not export gets a refusal, which is searched too.</summary>
    private async Task<int> ExtractsAsync(BlindedWorld world, string token, ArmSearch search, bool blinded)
    {
        var extracts = 0;
        foreach (var format in new[] { "csv", "odm" })
        {
            var requested = await Api.Post($"{world.Path}/exports", new { format, blinded = false }, token);
            search.Json($"POST exports {format} ({requested.Code})", requested.Json);
            if (requested.Code == 403)
                continue;
            Assert.That(requested.Code, Is.EqualTo(202), requested.ToString());
            var status = await ExportWorld.WaitAsync(Api, requested.Id, token);
            Assert.That(status["status"]!.GetValue<string>(), Is.EqualTo("succeeded"), status.ToJsonString());
            Assert.That(status["blinded"]!.GetValue<bool>(), Is.EqualTo(blinded), "a blinded role's extract is blinded whatever it asks");
            var (code, bytes, contentType, _) = await ExportWorld.FileAsync(Api, requested.Id, token);
            Assert.That(code, Is.EqualTo(HttpStatusCode.OK));
            search.Body($"{format} extract {requested.Id}", contentType?.MediaType, bytes);
            extracts++;
        }
        return extracts;
    }

    /// <summary>Writes a blinded caller may not make, about clusters and participants whose arm they do not know: the
    /// refusal must not name the arm.</summary>
    private async Task<int> ForbiddenWritesAsync(BlindedWorld world, string token, ArmSearch search)
    {
        var me = (await Api.Get("/me", token)).Id;
        var writes = new (string Path, object Body)[]
        {
            ($"{world.Path}/unblindings", new { clusterId = world.ClusterB1, userId = me, reason = "I need to know the arm." }),
            ($"{world.Path}/unblindings", new { participantId = world.MovedParticipant, userId = me, reason = "Emergency." }),
            ($"{world.Path}/randomisation/allocations", new { clusterId = world.ClusterA2 }),
            ($"{world.Path}/randomisation/allocations", new { clusterIds = new[] { world.ClusterA2, world.ClusterB2 } }),
        };
        foreach (var (path, body) in writes)
        {
            var refused = await Api.Post(path, body, token);
            Assert.That(refused.Code, Is.InRange(400, 499), $"POST {path}: {refused}");
            Assert.That(refused.ContentType, Is.EqualTo("application/problem+json"), $"POST {path}: {refused}");
            search.Json($"POST {path} ({refused.Code})", refused.Json);
        }
        return writes.Length;
    }
}

/// <summary>What one caller's crawl found and covered.</summary>
public sealed record CallerReport(string Name, ArmSearch Search, RouteCrawler Crawler, int DocumentedGetRoutes, int SetUpAnswers, int Extracts,
    int Mails, int ForbiddenWrites, TimeSpan Took)
{
    public void AssertClean()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Search.Leaks, Is.Empty, () => $"{Name} received an arm {Search.Leaks.Count} times:\n  {Lines(Search.Leaks)}\n");
            Assert.That(Crawler.Problems, Is.Empty, () => $"{Name}: answers that are not what an API owes its callers:\n  {Lines(Crawler.Problems)}\n");
            Assert.That(Crawler.Routes, Has.Count.EqualTo(DocumentedGetRoutes), $"{Name}: every GET route is crawled");
        });
    }

    private static string Lines(IEnumerable<string> lines) => string.Join("\n  ", lines.Take(60));

    public string Summary() =>
        $"{Name}: {SetUpAnswers} answers while setting up the world, {Crawler.Requests} GET requests over {Crawler.Routes.Count}/{DocumentedGetRoutes} GET routes " +
        $"({Crawler.RoutesAnswered.Count} answered 2xx, {Crawler.MultiPageWalks} walks of more than one page), {Extracts} extracts, " +
        $"{Mails} e-mails, {ForbiddenWrites} refused writes; {Search.Shown.Count} arms where allowed, {Search.Leaks.Count} elsewhere; {Took.TotalSeconds:F1} s";
}
