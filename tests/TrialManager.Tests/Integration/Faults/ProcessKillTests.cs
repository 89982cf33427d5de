namespace TrialManager.Tests.Integration.Faults;

/// <summary>
/// Issue 12 (a): the service process is SIGKILLed while researchers enrol participants and save assessments
/// concurrently, with two more writes held open at the kill (one before its commit, one after), three times over.
/// Whatever was acknowledged is stored with its audit event, nothing is stored without one, and the chain is valid;
/// of the held writes, those killed before their commit are not stored and those killed after it are, with their event.
/// </summary>
public sealed class ProcessKillTests : FaultTest
{
    private const int Rounds = 3, Writers = 4, AcknowledgedPerRound = 20;

    [Test]
    public async Task Every_acknowledged_write_survives_SIGKILL_with_its_audit_event_and_the_chain_stays_valid()
    {
        var service = await StartServiceAsync(Database);
        var trial = await FaultTrial.CreateAsync(service.Client());
        var load = new WriteLoad(trial);
        for (var round = 1; round <= Rounds; round++)
        {
            var api = service.Client();
            using var stop = new CancellationTokenSource();
            var writers = load.RunAsync(api, Writers, stop.Token);
            var target = load.Acknowledged.Count + AcknowledgedPerRound;
            Assert.That(await UntilAsync(() => load.Acknowledged.Count >= target, TimeSpan.FromSeconds(60)), Is.True,
                $"round {round}: {AcknowledgedPerRound} writes acknowledged within a minute");
            var held = new[] { BeforeCommit, AfterCommit }.Select(point => load.PausedEnrolmentAsync(api, point, Held(round, point))).ToList();
            foreach (var point in new[] { BeforeCommit, AfterCommit })
                await service.WaitForLogAsync(FaultPointReached(point), TimeSpan.FromSeconds(30));
            await service.KillAsync();
            stop.Cancel();
            await writers;
            Assert.That(await Task.WhenAll(held), Is.All.Null, "the held writes were cut off by the kill");
            service = await StartServiceAsync(Database);
        }

        var check = await load.CheckAsync(Database);
        var heldStored = new Dictionary<string, long>();
        foreach (var point in new[] { BeforeCommit, AfterCommit })
            heldStored[point] = await Database.ScalarAsync<long>(
                "SELECT count(*) FROM participants WHERE trial_id = $1 AND external_id = ANY($2)",
                trial.TrialId, Enumerable.Range(1, Rounds).Select(round => Held(round, point)).ToArray());
        var verify = await trial.VerifyAuditAsync(service.Client());
        var figures = check.AddTo(new Figures("SIGKILL x3"))
            .Add("answers", WriteLoad.Statuses(load.Answers))
            .Add("held writes stored", $"{BeforeCommit} {heldStored[BeforeCommit]}/{Rounds}, {AfterCommit} {heldStored[AfterCommit]}/{Rounds}")
            .Add("chain valid", verify.Json?["valid"]).Add("events checked", verify.Json?["eventsChecked"]).Add("start-ups s", StartUpSeconds);
        figures.Print();
        Assert.Multiple(() =>
        {
            Assert.That(check.Lost, Is.Empty, $"acknowledged writes lost; {figures}");
            Assert.That(check.Unaudited, Is.Zero, $"acknowledged writes without their audit event; {figures}");
            Assert.That(check.RowsWithoutAudit, Is.Zero, $"rows stored without an audit event; {figures}");
            Assert.That(heldStored[BeforeCommit], Is.Zero, $"writes killed before their commit but stored; {figures}");
            Assert.That(heldStored[AfterCommit], Is.EqualTo(Rounds), $"writes killed after their commit that are stored; {figures}");
            Assert.That(verify.Code, Is.EqualTo(200), verify.ToString());
            Assert.That(verify.Json?["valid"]?.GetValue<bool>(), Is.True, $"the audit chain; {verify}; {figures}");
        });
    }

    private static string Held(int round, string point) => $"HELD-{round}-{point}";
}
