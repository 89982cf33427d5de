namespace TrialManager.Tests.Integration.Faults;

/// <summary>
/// Issue 12 (e): SIGTERM while researchers write concurrently, with two writes held open at that moment (one before
/// its commit, one after). The host stops taking requests, finishes those it took and exits within its grace period:
/// the held writes are answered 201, no request is failed by the shutdown, and no write that went unanswered was stored
/// (one sent as its connection closed may go unanswered, unstored).
/// </summary>
public sealed class GracefulShutdownTests : FaultTest
{
    private const int Writers = 4;

    /// <summary>ASP.NET Core's default HostOptions.ShutdownTimeout, which the service keeps.</summary>
    private static readonly TimeSpan GracePeriod = TimeSpan.FromSeconds(30);

    /// <summary>The held writes go on after the signal for this long: well inside the grace period.</summary>
    private const int PauseMilliseconds = 3000;

    [Test]
    public async Task On_SIGTERM_every_accepted_request_completes_and_the_process_exits_within_the_grace_period()
    {
        var service = await StartServiceAsync(Database,
            new Dictionary<string, string> { ["Faults__PauseMilliseconds"] = PauseMilliseconds.ToString() });
        var api = service.Client();
        var trial = await FaultTrial.CreateAsync(api);
        var load = new WriteLoad(trial);
        using var stop = new CancellationTokenSource();
        var writers = load.RunAsync(api, Writers, stop.Token);
        Assert.That(await UntilAsync(() => load.Acknowledged.Count >= 20, TimeSpan.FromSeconds(60)), Is.True, "writes acknowledged before the signal");

        var held = new[] { BeforeCommit, AfterCommit }.Select(point => load.PausedEnrolmentAsync(api, point, $"HELD-{point}")).ToList();
        foreach (var point in new[] { BeforeCommit, AfterCommit })
            await service.WaitForLogAsync(FaultPointReached(point), TimeSpan.FromSeconds(30));
        var signalled = load.Now;
        service.Terminate();
        var exited = await service.WaitForExitAsync(GracePeriod);
        var exitedAfter = load.Now - signalled;
        stop.Cancel();
        await writers;
        var heldAnswers = await Task.WhenAll(held);

        var check = await load.CheckAsync(Database);
        var draining = load.Answers.Where(a => a.AnsweredAt >= signalled).ToList();
        var figures = check.AddTo(new Figures("SIGTERM under load"))
            .Add("held writes answered", string.Join(" ", heldAnswers.Select(a => a?.Code.ToString() ?? "none")))
            .Add("answered after the signal", WriteLoad.Statuses(draining))
            .Add("exited", exited ? $"after {exitedAfter.TotalSeconds:0.0} s, code {service.ExitCode}" : $"not within {GracePeriod.TotalSeconds} s")
            .Add("start-ups s", StartUpSeconds);
        figures.Print();
        Assert.Multiple(() =>
        {
            Assert.That(exited, Is.True, $"the process exits within the grace period; {figures}");
            if (exited)
                Assert.That(service.ExitCode, Is.Zero, $"exit code; {figures}");
            Assert.That(heldAnswers.Select(a => a?.Code), Is.All.EqualTo(201), $"the writes in flight at the signal; {figures}");
            Assert.That(draining.Where(a => a.Status >= 500), Is.Empty, $"requests failed by the shutdown; {figures}");
            // A write sent on a kept-alive connection just as the stopping server closes it idle is cut off before the
            // server read it (seen once in 5 runs): the client cannot tell it from a refusal, and it must not be stored.
            Assert.That(check.CutOff, Is.LessThanOrEqualTo(Writers), $"writes that got neither an answer nor a refused connection, at most one per connection; {figures}");
            Assert.That(check.StoredUnanswered, Is.Zero, $"writes stored though their request got no answer; {figures}");
            Assert.That(check.Lost, Is.Empty, $"acknowledged writes lost; {figures}");
            Assert.That(check.Unaudited + check.RowsWithoutAudit, Is.Zero, $"writes without their audit event; {figures}");
        });
    }
}
