namespace TrialManager.Tests.Integration.Faults;

/// <summary>
/// Issue 12 (b): the service's PostgreSQL (a throwaway cluster of the test's own) crashes (`stop -m immediate`) while
/// researchers write concurrently, and is started again. From the crash until it is started again every write is
/// answered 503 with Retry-After (logged as the database being unavailable, never as an unhandled exception) and the
/// service is not ready; once the server is back the same process is ready again and takes writes, and nothing that
/// was acknowledged, before or after, is lost.
/// </summary>
public sealed class DatabaseOutageTests : FaultTest
{
    private const int Writers = 4, Acknowledged = 20, AnsweredWhileDown = 20;

    [Test]
    public async Task While_the_database_is_down_writes_get_503_and_the_service_recovers_without_a_restart_losing_nothing()
    {
        var cluster = await NewClusterAsync();
        var database = await NewDatabaseAsync(cluster);
        var service = await StartServiceAsync(database);
        var api = service.Client();
        var trial = await FaultTrial.CreateAsync(api);
        var load = new WriteLoad(trial);
        using var stop = new CancellationTokenSource();
        var writers = load.RunAsync(api, Writers, stop.Token);
        Assert.That(await UntilAsync(() => load.Acknowledged.Count >= Acknowledged, TimeSpan.FromSeconds(60)), Is.True, "writes acknowledged before the outage");

        await cluster.StopImmediatelyAsync();
        var down = load.Now;
        var readyWhileDown = await api.Get("/health/ready");
        var answeredWhileDown = await UntilAsync(() => load.Answers.Count(a => a.SentAt >= down) >= AnsweredWhileDown, TimeSpan.FromSeconds(30));
        var restarting = load.Now;
        await cluster.StartAsync();
        var back = load.Now;
        var ready = await UntilAsync(async () => (await api.Get("/health/ready")).Code == 200, TimeSpan.FromSeconds(30));
        var readyAfter = load.Now - back;
        var acknowledgedBefore = load.Acknowledged.Count;
        var writesAgain = await UntilAsync(() => load.Acknowledged.Count >= acknowledgedBefore + Acknowledged, TimeSpan.FromSeconds(30));
        stop.Cancel();
        await writers;

        var check = await load.CheckAsync(database);
        var verify = await trial.VerifyAuditAsync(api);
        // Until the start command is given: the server may take writes a moment before the command returns.
        var whileDown = load.Answers.Where(a => a.SentAt >= down && a.AnsweredAt < restarting).ToList();
        var afterBack = load.Answers.Where(a => a.SentAt >= back).ToList();
        var firstWriteAfter = afterBack.Where(a => a.Status == 201).Select(a => a.AnsweredAt - back).DefaultIfEmpty().Min();
        var unhandled = service.LinesContaining("Unhandled exception");
        var outageWarnings = service.LinesContaining("The database (PostgreSQL) is unavailable");
        var figures = check.AddTo(new Figures("database crash and restart"))
            .Add("down s", $"{(back - down).TotalSeconds:0.0}").Add("restart s", $"{(back - restarting).TotalSeconds:0.0}")
            .Add("answers while down", WriteLoad.Statuses(whileDown))
            .Add("503s while down", whileDown.Count(a => a.Status == 503))
            .Add("answers after it was back", WriteLoad.Statuses(afterBack))
            .Add("ready while down", readyWhileDown.Code)
            .Add("ready again", ready ? $"{readyAfter.TotalSeconds:0.0} s after the database" : "not within 30 s")
            .Add("first write acknowledged", writesAgain ? $"{firstWriteAfter.TotalSeconds:0.0} s after the database" : "none")
            .Add("same process", !service.HasExited)
            .Add("outage warnings logged", outageWarnings).Add("unhandled exceptions logged", unhandled)
            .Add("chain valid", verify.Json?["valid"]).Add("start-ups s", StartUpSeconds);
        figures.Print();
        Assert.Multiple(() =>
        {
            Assert.That(answeredWhileDown, Is.True, $"writes answered while the database was down; {figures}");
            Assert.That(whileDown.Where(a => a is not { Status: 503, RetryAfter: > 0 }), Is.Empty,
                $"answers while the database was down that are not 503 with Retry-After; {figures}");
            Assert.That(load.Answers.Where(a => a.Status >= 500 && a.Status != 503), Is.Empty, $"server errors other than 503; {figures}");
            Assert.That(readyWhileDown.Code, Is.EqualTo(503), $"readiness while down; {figures}");
            Assert.That(ready, Is.True, $"ready again without a restart; {figures}");
            Assert.That(writesAgain, Is.True, $"{Acknowledged} writes acknowledged after the database came back; {figures}");
            Assert.That(service.HasExited, Is.False, $"the same process throughout; {figures}");
            Assert.That(outageWarnings, Is.GreaterThan(0), $"the outage logged as such; {figures}");
            Assert.That(unhandled, Is.Zero, $"the outage logged as unhandled exceptions; {figures}");
            Assert.That(check.Lost, Is.Empty, $"acknowledged writes lost; {figures}");
            Assert.That(check.Unaudited + check.RowsWithoutAudit, Is.Zero, $"writes without their audit event; {figures}");
            Assert.That(verify.Json?["valid"]?.GetValue<bool>(), Is.True, $"the audit chain; {verify}; {figures}");
        });
    }
}
