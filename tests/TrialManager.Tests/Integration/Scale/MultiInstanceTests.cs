using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using TrialManager.Tests.Integration.Faults;
using TrialManager.Tests.Integration.Reminders;
using static TrialManager.Tests.Integration.TrialWorld;

namespace TrialManager.Tests.Integration.Scale;

/// <summary>
/// Issue 13's multi-instance scenario on one box. Two API processes (`Hosting:Mode=api`, `Database:Pooler=transaction`)
/// reach PostgreSQL through PgBouncer in transaction mode and sit behind nginx, round robin; two workers run the jobs,
/// one through PgBouncer (polling its queues) and one directly (woken by NOTIFY), as session-bound clients are in a
/// cluster. Each API process has a home of its own, as pods on different nodes have, so that nothing they share on
/// this box's disk (ASP.NET Core's default key folder) makes them agree. Through nginx, a whole trial: set-up,
/// sealed scheme and allocations, enrolments and assessments, an export written and downloaded, reminders run twice
/// (the second sends nothing), a token revoked (refused by both replicas within `Access:RevocationSeconds`) and a
/// dashboard cookie from one replica shown to the other. Then one API process and one worker are SIGKILLed while
/// researchers write and an export is queued, and the trial goes on through the survivors: every write sent after the
/// kill is answered by the survivor, every job ends succeeded, every export is written once, every reminder is sent
/// once, and the audit chain verifies.
/// </summary>
public sealed partial class MultiInstanceTests : FaultTest
{
    private const string FollowUp = "6m", Reminders = "follow-up-reminders";
    private const int Writers = 4, WritesPerPhase = 20;

    /// <summary>The default of `Access:RevocationSeconds`, which the API processes run with.</summary>
    private static readonly TimeSpan RevocationBound = TimeSpan.FromSeconds(5);

    /// <summary>A job that its SIGKILLed worker held is given to the other after the invisibility timeout (15 s here).</summary>
    private static readonly TimeSpan JobTimeout = TimeSpan.FromSeconds(90);

    [Test]
    public async Task Two_apis_behind_nginx_and_two_workers_behind_pgbouncer_run_a_trial_and_finish_it_after_one_of_each_is_killed()
    {
        ToolProcess.Require(PgBouncer.Program, "pgbouncer");
        ToolProcess.Require(Nginx.Program, "nginx");
        var started = Stopwatch.StartNew();
        var database = Own(await TestDatabase.CreateAsync());
        var smtp = Own(new SmtpSink());
        var bouncer = Own(await PgBouncer.StartAsync(database, LogFile("pgbouncer")));
        (string, string)[] pooled = [("ConnectionStrings__TrialManager", bouncer.ConnectionString(database)), ("Database__Pooler", "transaction")];
        // The direct worker starts first and applies the migrations (always over a direct owner connection).
        var workerDirect = await StartServiceAsync(database, Settings(smtp, ("Hosting__Mode", "worker")));
        var others = await Task.WhenAll(
            StartServiceAsync(database, Settings(smtp, [("Hosting__Mode", "worker"), .. pooled])),
            StartServiceAsync(database, Settings(smtp, [("Hosting__Mode", "api"), ("HOME", Own(new Folder()).Path), .. pooled])),
            StartServiceAsync(database, Settings(smtp, [("Hosting__Mode", "api"), ("HOME", Own(new Folder()).Path), .. pooled])));
        var (api1, api2) = (others[1], others[2]);
        var nginx = Own(await Nginx.StartAsync([api1.Address, api2.Address], LogFile("nginx")));
        var startUp = started.Elapsed;
        var api = new ApiClient(new HttpClient { BaseAddress = nginx.Address, Timeout = TimeSpan.FromSeconds(60) });

        // Set-up: members, sites, clusters, an instrument due at baseline and at 6 months; a sealed scheme allocates both clusters.
        var trial = await FaultTrial.CreateAsync(api);
        var world = trial.World;
        await Expect(HttpStatusCode.Created, api.Post($"{world.Path}/timepoints",
            new { code = FollowUp, label = "6 months", offsetDays = 182, windowDaysBefore = 14, windowDaysAfter = 30 }, world.Manager));
        await Expect(HttpStatusCode.OK, api.Put($"{world.Path}/schedule", new
        {
            entries = new[] { FaultTrial.Timepoint, FollowUp }
                .Select(t => new { timepointCode = t, instrumentCode = FaultTrial.Instrument, participantKind = "patient" }),
        }, world.Manager));
        await Expect(HttpStatusCode.OK, api.Put($"{world.Path}/randomisation/scheme", new { method = "simple" }, world.Manager));
        await Expect(HttpStatusCode.OK, api.Post($"{world.Path}/randomisation/scheme/seal", new { }, world.Manager));
        foreach (var cluster in new[] { world.ClusterA, world.ClusterB })
            await Expect(HttpStatusCode.Created, api.Post($"{world.Path}/randomisation/allocations", new { clusterId = cluster }, world.Manager));

        // Researchers at both sites enrol participants (baseline 2011: their 6-month follow-ups are overdue) and save baselines.
        var load = new WriteLoad(trial);
        using (var stop = new CancellationTokenSource())
        {
            var writers = load.RunAsync(api, Writers, stop.Token);
            var written = await UntilAsync(() => load.Acknowledged.Count >= WritesPerPhase, TimeSpan.FromSeconds(60));
            await stop.CancelAsync();
            await writers;
            Assert.That(written, Is.True, $"{WritesPerPhase} writes acknowledged before the kill; {WriteLoad.Statuses(load.Answers)}");
        }
        var export = await ExportWrittenAsync(api, trial, await RequestExportAsync(api, trial));
        var firstRun = await TriggerAsync(api, database, Reminders);
        var digestsFirst = smtp.Messages.Count;
        var secondRun = await TriggerAsync(api, database, Reminders);
        var digestsSecond = smtp.Messages.Count;
        var revocation = await RevocationDelaysAsync(api, api1, api2);
        var dashboard = await DashboardCookieAcrossAsync(api1, api2);

        // SIGKILL one API process and one worker (the one running the export's job, when it is caught running) while
        // researchers write.
        var workers = new[] { workerDirect, others[0] };
        ServiceProcess[] killed = [];
        var killedMidJob = false;
        TimeSpan killedAt;
        using (var stop = new CancellationTokenSource())
        {
            var writers = load.RunAsync(api, Writers, stop.Token);
            var target = load.Acknowledged.Count + WritesPerPhase;
            var beforeKill = await UntilAsync(() => load.Acknowledged.Count >= target, TimeSpan.FromSeconds(60));
            var exportAtKill = await RequestExportAsync(api, trial);
            var running = await WorkerRunningAsync(database, exportAtKill, workers);
            killed = [api1, running ?? workerDirect];
            killedMidJob = running is not null;
            foreach (var process in killed)
                await process.KillAsync();
            killedAt = load.Now;
            target = load.Acknowledged.Count + WritesPerPhase;
            var afterKill = await UntilAsync(() => load.Acknowledged.Count >= target, TimeSpan.FromSeconds(60));
            await stop.CancelAsync();
            await writers;
            Assert.That(beforeKill && afterKill, Is.True, $"writes acknowledged around the kill; {WriteLoad.Statuses(load.Answers)}");
            await ExportWrittenAsync(api, trial, exportAtKill);
        }
        // The rest of the scenario, through the survivors.
        var exportAfter = await ExportWrittenAsync(api, trial, await RequestExportAsync(api, trial));
        var thirdRun = await TriggerAsync(api, database, Reminders);
        var verify = await trial.VerifyAuditAsync(api);
        var jobsSettled = await UntilAsync(async () => await database.ScalarAsync<long>(
            "SELECT count(*) FROM hangfire.job WHERE statename IN ('Enqueued', 'Processing', 'Scheduled', 'Awaiting')") == 0, JobTimeout);

        var check = await load.CheckAsync(database);
        var afterKillAnswers = load.Answers.Where(a => a.SentAt > killedAt).ToList();
        var jobs = await database.ScalarAsync<long>("SELECT count(*) FROM hangfire.job");
        var unsucceeded = await database.ScalarAsync<long>("SELECT count(*) FROM hangfire.job WHERE statename <> 'Succeeded'");
        var rerun = await database.ScalarAsync<long>("""
            SELECT count(*) FROM (SELECT jobid FROM hangfire.state WHERE name = 'Processing' GROUP BY jobid HAVING count(*) > 1) r
            """);
        var exports = await database.ScalarAsync<long>("SELECT count(*) FROM exports WHERE trial_id = $1", trial.TrialId);
        var exportsNotOnce = await database.ScalarAsync<long>("""
            SELECT count(*) FROM exports e WHERE e.trial_id = $1 AND (e.status <> 'succeeded'
                OR (SELECT count(*) FROM audit_events a WHERE a.entity_id = e.id AND a.reason = 'export written') <> 1)
            """, trial.TrialId);
        var exportAttempts = await database.ScalarAsync<long>("SELECT sum(attempts) FROM exports WHERE trial_id = $1", trial.TrialId);
        var reminders = await database.ScalarAsync<long>("SELECT count(*) FROM sent_reminders WHERE trial_id = $1", trial.TrialId);
        var remindedTwice = RemindedTwice(smtp);
        var nginxLog = await nginx.LogAsync();
        var figures = new Figures("multi-instance")
            .Add("start-up s", startUp.TotalSeconds.ToString("0.0")).Add("requests through nginx", nginxLog)
            .Add("writes", WriteLoad.Statuses(load.Answers)).Add("writes sent after the kill", WriteLoad.Statuses(afterKillAnswers))
            .Add("killed", $"1 api, 1 worker ({(killedMidJob ? "while it ran an export" : "between jobs")})")
            .Add("export bytes", export.Bytes).Add("exports", exports).Add("export attempts", exportAttempts)
            .Add("exports not written exactly once", exportsNotOnce)
            .Add("reminder runs", $"{firstRun} {secondRun} {thirdRun}")
            .Add("digests after runs 1/2/3", $"{digestsFirst}/{digestsSecond}/{smtp.Messages.Count}")
            .Add("reminders recorded", reminders).Add("reminders mailed twice", remindedTwice.Count)
            .Add("revocation delay s", $"{revocation.First.TotalSeconds:0.0} {revocation.Second.TotalSeconds:0.0} (bound {RevocationBound.TotalSeconds:0})")
            .Add("dashboard cookie", $"issued {dashboard.Exchange}, other replica {dashboard.Across}")
            .Add("jobs", jobs).Add("jobs not succeeded", unsucceeded).Add("jobs run again after the kill", rerun)
            .Add("chain valid", verify.Json?["valid"]).Add("events checked", verify.Json?["eventsChecked"])
            .Add("scenario s", started.Elapsed.TotalSeconds.ToString("0"));
        check.AddTo(figures);
        figures.Print();
        Assert.Multiple(() =>
        {
            Assert.That(nginxLog.ByUpstream.Keys, Is.SupersetOf(new[] { api1, api2 }.Select(Upstream)), $"round robin; {figures}");
            Assert.That(export.Matches, Is.True, $"the downloaded export matches its SHA-256; {figures}");
            Assert.That(exportAfter.Matches, Is.True, $"the export after the kill; {figures}");
            Assert.That((firstRun, secondRun, thirdRun), Is.EqualTo(("Succeeded", "Succeeded", "Succeeded")), figures.ToString());
            Assert.That(digestsFirst, Is.EqualTo(2), $"one digest per researcher; {figures}");
            Assert.That(digestsSecond, Is.EqualTo(digestsFirst), $"a second run sends nothing already sent; {figures}");
            Assert.That(smtp.Messages.Count, Is.EqualTo(4), $"after the kill, one digest per researcher of the new follow-ups; {figures}");
            Assert.That(remindedTwice, Is.Empty, $"no follow-up in two mails to one researcher; {figures}");
            Assert.That(revocation.First, Is.LessThanOrEqualTo(RevocationBound + TimeSpan.FromSeconds(1)), $"revoked on the first replica; {figures}");
            Assert.That(revocation.Second, Is.LessThanOrEqualTo(RevocationBound + TimeSpan.FromSeconds(1)), $"revoked on the second replica; {figures}");
            Assert.That(dashboard.Exchange, Is.EqualTo(HttpStatusCode.Redirect), $"the cookie issued; {figures}");
            Assert.That(dashboard.Across, Is.EqualTo(HttpStatusCode.OK),
                $"the dashboard cookie of one replica accepted by the other (Data Protection keys in PostgreSQL); {figures}");
            Assert.That(afterKillAnswers.Where(a => a.Status is < 200 or >= 300), Is.Empty,
                $"every write sent after the kill is answered by the survivor; {figures}");
            Assert.That(check.Lost, Is.Empty, $"acknowledged writes lost; {figures}");
            Assert.That(check.Unaudited + check.RowsWithoutAudit, Is.Zero, $"writes without their audit event; {figures}");
            Assert.That(jobsSettled, Is.True, $"every job ended; {figures}");
            Assert.That(unsucceeded, Is.Zero, $"every job succeeded; {figures}");
            Assert.That(exports, Is.EqualTo(3), figures.ToString());
            Assert.That(exportsNotOnce, Is.Zero, $"every export written once; {figures}");
            // A job re-run after its worker died claims its export again, unless the export was written just before the kill.
            Assert.That(exportAttempts, Is.InRange(exports, exports + rerun), $"an export is attempted again only when its worker died; {figures}");
            Assert.That(verify.Code, Is.EqualTo(200), verify.ToString());
            Assert.That(verify.Json?["valid"]?.GetValue<bool>(), Is.True, $"the audit chain; {verify}; {figures}");
        });
    }

    private static Dictionary<string, string> Settings(SmtpSink smtp, params (string Key, string Value)[] settings)
    {
        var mail = smtp.Options();
        var all = new Dictionary<string, string>
        {
            ["Smtp__Host"] = mail.Host, ["Smtp__Port"] = mail.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Smtp__UseTls"] = "false", ["Smtp__From"] = mail.From,
        };
        all["Jobs__InvisibilityTimeoutSeconds"] = "15";
        foreach (var (key, value) in settings)
            all[key] = value;
        return all;
    }

    private static string Upstream(ServiceProcess service) => $"{service.Address.Host}:{service.Address.Port}";

    private static async Task<Guid> RequestExportAsync(ApiClient api, FaultTrial trial) =>
        (await Expect(HttpStatusCode.Accepted, api.Post($"{trial.World.Path}/exports", new { format = "csv" }, trial.World.Statistician))).Id;

    /// <summary>Waits for the export to be written, downloads it and checks the file against the SHA-256 its status gives.</summary>
    private static async Task<(long Bytes, bool Matches)> ExportWrittenAsync(ApiClient api, FaultTrial trial, Guid exportId)
    {
        var statistician = trial.World.Statistician;
        ApiResponse status = null!;
        await UntilAsync(async () => (status = await api.Get($"/exports/{exportId}", statistician)).Json?["status"]?.GetValue<string>()
            is "succeeded" or "failed", JobTimeout);
        Assert.That(status.Json?["status"]?.GetValue<string>(), Is.EqualTo("succeeded"), $"export {exportId}: {status}");
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/exports/{exportId}/file");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", statistician);
        using var file = await api.Http.SendAsync(request);
        Assert.That(file.StatusCode, Is.EqualTo(HttpStatusCode.OK), $"export {exportId}'s file");
        var bytes = await file.Content.ReadAsByteArrayAsync();
        return (bytes.Length, Convert.ToHexString(SHA256.HashData(bytes)).Equals(status["sha256"].GetValue<string>(), StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>
    /// The worker whose Hangfire server is running the export's job, if it is caught running within a few seconds (a
    /// small export takes a moment). Hangfire's server ids are "host:process id:guid".
    /// </summary>
    private static async Task<ServiceProcess?> WorkerRunningAsync(TestDatabase database, Guid exportId, IReadOnlyList<ServiceProcess> workers)
    {
        string? server = null;
        await UntilAsync(async () => (server = await database.ScalarAsync<string>("""
            SELECT s.data::jsonb->>'ServerId' FROM hangfire.job j JOIN hangfire.state s ON s.id = j.stateid
            WHERE j.statename = 'Processing' AND j.invocationdata->>'Type' LIKE 'TrialManager.Api.Features.Exports.ExportJob,%'
              AND j.arguments::text LIKE '%' || $1 || '%'
            """, exportId.ToString())) is not null, TimeSpan.FromSeconds(5));
        return workers.FirstOrDefault(w => server?.Split(':') is [_, var id, ..] && id == w.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Triggers a recurring job and waits for the run to end: its final state.</summary>
    private static async Task<string?> TriggerAsync(ApiClient api, TestDatabase database, string job)
    {
        var jobId = long.Parse((await Expect(HttpStatusCode.Accepted, api.Post($"/api/v1/jobs/{job}/trigger", null, TestHost.AdminToken)))["jobId"]
            .GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        string? state = null;
        await UntilAsync(async () => (state = await database.ScalarAsync<string>("SELECT statename FROM hangfire.job WHERE id = $1", jobId))
            is "Succeeded" or "Failed", JobTimeout);
        return state;
    }

    /// <summary>
    /// A token each replica has just verified (and so cached) is revoked through nginx: how long after the revoke's
    /// answer each replica, asked directly, refuses it.
    /// </summary>
    private static async Task<(TimeSpan First, TimeSpan Second)> RevocationDelaysAsync(ApiClient api, ServiceProcess first, ServiceProcess second)
    {
        var (userId, token) = await NewUserAsync(api, "leaver");
        var replicas = new[] { first.Client(), second.Client() };
        foreach (var replica in replicas)
            await Expect(HttpStatusCode.OK, replica.Get("/me", token));
        var tokenId = (await api.Get($"/users/{userId}/tokens", TestHost.AdminToken))["items"][0]!["id"]!.GetValue<Guid>();
        await Expect(HttpStatusCode.NoContent, api.Delete($"/tokens/{tokenId}", TestHost.AdminToken));
        var revoked = Stopwatch.StartNew();
        var delays = await Task.WhenAll(replicas.Select(async replica =>
        {
            while ((await replica.Get("/me", token)).Code == 200)
            {
                if (revoked.Elapsed > RevocationBound * 4)
                    return TimeSpan.MaxValue;
                await Task.Delay(50);
            }
            return revoked.Elapsed;
        }));
        return (delays[0], delays[1]);
    }

    /// <summary>A system admin's dashboard cookie, issued by one replica, shown to the other.</summary>
    private static async Task<(HttpStatusCode Exchange, HttpStatusCode Across)> DashboardCookieAcrossAsync(ServiceProcess issuer, ServiceProcess other)
    {
        using var toIssuer = NoRedirects(issuer.Address);
        using var exchange = await toIssuer.GetAsync($"/hangfire?access_token={TestHost.AdminToken}");
        if (!exchange.Headers.TryGetValues("Set-Cookie", out var cookies))
            return (exchange.StatusCode, 0);
        using var toOther = NoRedirects(other.Address);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/hangfire");
        request.Headers.Add("Cookie", cookies.First().Split(';')[0]);
        using var across = await toOther.SendAsync(request);
        return (exchange.StatusCode, across.StatusCode);
    }

    private static HttpClient NoRedirects(Uri address) =>
        new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>Follow-ups (participants' external ids) that more than one mail to the same researcher lists.</summary>
    private static List<string> RemindedTwice(SmtpSink smtp) =>
        smtp.Messages.SelectMany(m => ExternalId().Matches(m.TextBody ?? "").Select(id => $"{m.To} {id.Value}").Distinct())
            .GroupBy(pair => pair).Where(g => g.Count() > 1).Select(g => g.Key).ToList();

    /// <summary>The external ids of the scenario's participants: the world's (P-0001) and the writers' (W0-000001).</summary>
    [GeneratedRegex(@"\b(?:P-\d{4,}|W\d+-\d{6})\b")]
    private static partial Regex ExternalId();

    /// <summary>A temporary folder, deleted at the end.</summary>
    private sealed class Folder : IAsyncDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("trialmanager-home-").FullName;

        public ValueTask DisposeAsync()
        {
            Directory.Delete(Path, recursive: true);
            return ValueTask.CompletedTask;
        }
    }
}
