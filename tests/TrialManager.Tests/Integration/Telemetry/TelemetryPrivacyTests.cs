using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using TrialManager.Tests.Integration.Exports;
using static TrialManager.Tests.Integration.TrialWorld;

namespace TrialManager.Tests.Integration.Telemetry;

/// <summary>
/// Everything the service tells its operators (every log record at Debug with its scopes and state, every span, every
/// metric, and the OTLP bodies a collector receives) through a whole blinded scenario holds no arm, no token, no
/// participant's answer and no user's e-mail or name; and it does hold the request and trial scopes, the job spans and
/// the measurements, so that a capture of nothing cannot pass.
/// </summary>
[NonParallelizable]
public sealed class TelemetryPrivacyTests
{
    [Test]
    public async Task A_blinded_scenario_leaves_no_arm_token_answer_or_person_in_logs_spans_or_metrics()
    {
        await using var sink = await OtlpSink.StartAsync();
        var logs = new CapturedLogs();
        var spans = new LockedList<Activity>();
        var metrics = new LockedList<MetricSnapshot>();
        var serviceName = $"tm-telemetry-{Guid.NewGuid():N}"[..24];
        await using var database = await TestDatabase.CreateAsync();
        // A database of its own: no other host's job worker takes this scenario's jobs (and their logs) away.
        var host = new ApiFactory(database, new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = sink.Endpoint.ToString(),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_SERVICE_NAME"] = serviceName,
        }, services =>
        {
            services.AddLogging(logging => logging.AddProvider(logs).AddFilter<CapturedLogs>(null, LogLevel.Debug));
            services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(spans));
            services.ConfigureOpenTelemetryMeterProvider(meters => meters.AddInMemoryExporter(metrics));
        });
        Scenario scenario;
        try
        {
            host.StartServer();
            scenario = await Scenario.RunAsync(host);
            await UntilAsync(() => spans.Items.Any(s => Tag(s, "job.name") == "audit-checkpoint" && Tag(s, "job.outcome") is not null));
            // Everything recorded so far, to the in-memory exporters and to the collector, rather than on the exporters' clocks.
            Assert.That(host.Services.GetRequiredService<TracerProvider>().ForceFlush(), "traces flushed");
            Assert.That(host.Services.GetRequiredService<MeterProvider>().ForceFlush(), "metrics flushed");
            Assert.That(host.Services.GetRequiredService<LoggerProvider>().ForceFlush(), "logs flushed");
        }
        finally
        {
            await host.DisposeAsync();
        }

        var records = logs.Records;
        var finished = spans.Items;
        var snapshots = metrics.Items;
        var trialId = scenario.World.TrialId.ToString();
        Assert.Multiple(() =>
        {
            Assert.That(records.Where(r => r.Level == LogLevel.Debug), Is.Not.Empty, "Debug records are captured");
            Assert.That(records.Any(r => r.Scope("RequestId") == scenario.RequestId && r.Scope("TrialId") == trialId),
                "a record written while the request with our X-Request-Id ran carries it and the trial id as scopes");
            Assert.That(records.Any(r => r.Scope("Job") == "ExportJob" && r.Scope("JobId") is not null), "job logs carry the job scope");

            Assert.That(finished.Any(s => s.Source.Name == "TrialManager" && Tag(s, "job.name") == "ExportJob"
                && Tag(s, "job.outcome") == "succeeded" && Tag(s, "job.attempt") == "1"), "an export job's span");
            Assert.That(finished.Any(s => s.Source.Name == "Npgsql" && s.Parent?.Source.Name == "TrialManager"),
                "a job's database calls are children of its span");
            Assert.That(finished.Any(s => s.Kind == ActivityKind.Server && Tag(s, "trialmanager.trial.id") == trialId),
                "a request span names its trial");
            Assert.That(finished.Where(s => Tag(s, "url.path") == "/hangfire"), Is.Not.Empty, "the dashboard's requests are traced");
            Assert.That(finished.Where(s => Tag(s, "url.query") is not null), Is.Empty, "no span keeps a query string");

            Assert.That(Sum(snapshots, "trialmanager.assessment.saves"), Is.EqualTo(scenario.AssessmentsSaved));
            Assert.That(Sum(snapshots, "trialmanager.allocations"), Is.EqualTo(2));
            Assert.That(Points(snapshots, "trialmanager.job.runs").Any(p => PointTag(p, "job") == "ExportJob" && PointTag(p, "outcome") == "succeeded"));
            Assert.That(Points(snapshots, "trialmanager.export.size").Sum(p => p.GetHistogramCount()), Is.EqualTo(2));
            Assert.That(Points(snapshots, "trialmanager.export.rows").Sum(p => p.GetHistogramSum()), Is.GreaterThan(0));
            Assert.That(Points(snapshots, "trialmanager.job.queue").Select(p => PointTag(p, "state")), Does.Contain("enqueued"));
            Assert.That(Points(snapshots, "trialmanager.write.queue"), Is.Not.Empty);
            Assert.That(Points(snapshots, "http.server.request.duration"), Is.Not.Empty, "requests are measured by the ASP.NET Core meter");

            foreach (var signal in new[] { "traces", "metrics", "logs" })
                Assert.That(sink.Bodies(signal), Is.Not.Empty, $"the collector received {signal}");
            Assert.That(sink.Contains("traces", serviceName), "OTEL_SERVICE_NAME names the service");

            // The searches below find what is there: the trial id in each capture, the refused duplicate user in the collector's logs.
            Assert.That(records.Any(r => Holds(r.Text, trialId)));
            Assert.That(finished.Any(s => Holds(SpanText(s), trialId)));
            Assert.That(sink.Contains("traces", trialId));
            Assert.That(sink.Contains("logs", "ux_users_user_name") && sink.Contains("logs", scenario.FailingRequestId),
                "the collector's log records carry the request scope");
        });

        var leaks = new List<string>();
        foreach (var word in scenario.Forbidden)
        {
            leaks.AddRange(records.Where(r => Holds(r.Text, word)).Take(3).Select(r => $"log [{word}] {r.Category}: {r.Text}"));
            leaks.AddRange(finished.Where(s => Holds(SpanText(s), word)).Take(3).Select(s => $"span [{word}] {SpanText(s)}"));
            leaks.AddRange(snapshots.Where(m => Holds(MetricText(m), word)).Take(3).Select(m => $"metric [{word}] {MetricText(m)}"));
            leaks.AddRange(new[] { "traces", "metrics", "logs" }.Where(signal => sink.Contains(signal, word)).Select(signal => $"OTLP {signal} [{word}]"));
        }
        Assert.That(leaks, Is.Empty, $"{records.Count} log records, {finished.Count} spans, {snapshots.Count} metric snapshots searched");
    }

    [Test]
    public void Production_logs_are_json_lines_with_scopes_and_nothing_is_traced_without_an_otlp_endpoint()
    {
        var services = TestHost.Factory.Services;
        var console = services.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>().CurrentValue;
        var json = services.GetRequiredService<IOptionsMonitor<JsonConsoleFormatterOptions>>().CurrentValue;
        Assert.Multiple(() =>
        {
            Assert.That(console.FormatterName, Is.EqualTo(ConsoleFormatterNames.Json));
            Assert.That(json.IncludeScopes, Is.True);
            Assert.That(json.JsonWriterOptions.Indented, Is.False, "one record per line");
            Assert.That(services.GetService<TracerProvider>(), Is.Null);
            Assert.That(services.GetService<MeterProvider>(), Is.Null);
        });
    }

    private static bool Holds(string text, string word) => text.Contains(word, StringComparison.OrdinalIgnoreCase);

    private static string? Tag(Activity span, string key) => span.GetTagItem(key)?.ToString();

    private static string SpanText(Activity span) => string.Join("\n", new[] { span.Source.Name, span.DisplayName, span.OperationName, span.StatusDescription ?? "" }
        .Concat(span.TagObjects.Select(t => $"{t.Key}={t.Value}"))
        .Concat(span.Events.SelectMany(e => e.Tags.Select(t => $"{e.Name}.{t.Key}={t.Value}").Append(e.Name)))
        .Concat(span.Baggage.Select(b => $"{b.Key}={b.Value}")));

    private static IEnumerable<MetricPoint> Points(IEnumerable<MetricSnapshot> snapshots, string name) =>
        snapshots.LastOrDefault(m => m.Name == name)?.MetricPoints ?? [];

    private static long Sum(IEnumerable<MetricSnapshot> snapshots, string name) => Points(snapshots, name).Sum(p => p.GetSumLong());

    private static string? PointTag(MetricPoint point, string key)
    {
        foreach (var tag in point.Tags)
            if (tag.Key == key)
                return tag.Value?.ToString();
        return null;
    }

    private static string MetricText(MetricSnapshot metric) => string.Join("\n", new[] { metric.Name, metric.Description, metric.Unit }
        .Concat(metric.MetricPoints.SelectMany(p =>
        {
            var tags = new List<string>();
            foreach (var tag in p.Tags)
                tags.Add($"{tag.Key}={tag.Value}");
            return tags;
        })));

    private static async Task UntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                Assert.Fail("Not reached within 60 s.");
            await Task.Delay(100);
        }
    }

    /// <summary>
    /// Set-up, seal, allocation, enrolment, assessments with free-text answers, a blinding guess naming an arm, a blinded
    /// and an unblinded export with their files, the dashboard's token exchange, a job run, and failing requests that
    /// carry answers and a bad token; and the words that must not come out of it.
    /// </summary>
    private sealed record Scenario(TrialWorld World, string RequestId, string FailingRequestId, int AssessmentsSaved, IReadOnlyList<string> Forbidden)
    {
        public static async Task<Scenario> RunAsync(ApiFactory host)
        {
            var api = host.Client();
            var world = await TrialWorld.CreateAsync(api, "OBSERVE");
            var path = world.Path;
            // Free text no log line would hold by chance.
            var answers = Enumerable.Range(0, 5).Select(i => $"Quokkafjord{i}-{Guid.NewGuid():N}"[..24]).ToList();
            var badToken = $"tm_bogus_{Guid.NewGuid():N}";
            var requestId = $"obs-{Guid.NewGuid():N}";
            var failingRequestId = $"obs-failing-{Guid.NewGuid():N}";

            await Expect(HttpStatusCode.Created, api.Post($"{path}/instruments", new
            {
                code = "DIARY", title = "Diary", source = "test",
                items = new object[]
                {
                    new { code = "mood", label = "Mood", type = "integer", min = 0, max = 4, required = true },
                    new { code = "note", label = "Note", type = "text", required = false },
                },
            }, world.Manager));
            foreach (var (code, offset) in new[] { ("baseline", 0), ("12m", 365) })
                await Expect(HttpStatusCode.Created, api.Post($"{path}/timepoints",
                    new { code, label = code, offsetDays = offset, windowDaysBefore = 30, windowDaysAfter = 60 }, world.Manager));
            await Expect(HttpStatusCode.OK, api.Put($"{path}/schedule", new
            {
                entries = new[] { "baseline", "12m" }.Select(t => new { timepointCode = t, instrumentCode = "DIARY", participantKind = "patient" }),
            }, world.Manager));
            await Expect(HttpStatusCode.OK, api.Put($"{path}/randomisation/scheme", new { method = "simple" }, world.Manager));
            await Expect(HttpStatusCode.OK, api.Post($"{path}/randomisation/scheme/seal", new { }, world.Manager));
            foreach (var cluster in new[] { world.ClusterA, world.ClusterB })
                await Expect(HttpStatusCode.Created, api.Post($"{path}/randomisation/allocations", new { clusterId = cluster }, world.Manager));
            await world.AdvanceToAsync("follow-up");
            var enrolled = await world.ParticipantAsync(world.ClusterA, world.ResearcherA);

            string Assessment(Guid participant, string timepoint) => $"{path}/participants/{participant}/assessments/{timepoint}/DIARY";
            await Expect(HttpStatusCode.Created, api.Send(HttpMethod.Put, Assessment(world.ParticipantA, "baseline"),
                JsonContent.Create(new { answers = new { mood = 3, note = answers[0] }, status = "complete", assessedOn = "2011-06-10" }),
                world.ResearcherA, request => request.Headers.Add("X-Request-Id", requestId)));
            await Expect(HttpStatusCode.Created, api.Put(Assessment(world.ParticipantB, "baseline"),
                new { answers = new { mood = 1, note = answers[1] }, status = "complete", assessedOn = "2011-06-10" }, world.ResearcherB));
            var draft = await Expect(HttpStatusCode.Created, api.Put(Assessment(enrolled, "baseline"),
                new { answers = new { mood = 2, note = answers[2] }, status = "draft", assessedOn = "2011-06-10" }, world.ResearcherA));
            // Sent twice with its key, as a client does whose answer was lost: the replay is no second save.
            for (var attempt = 0; attempt < 2; attempt++)
                await Expect(HttpStatusCode.OK, api.Send(HttpMethod.Put, Assessment(enrolled, "baseline"),
                    JsonContent.Create(new { answers = new { mood = 2, note = answers[3] }, status = "complete", assessedOn = "2011-06-10" }),
                    world.ResearcherA, request =>
                    {
                        request.Headers.IfMatch.Add(draft.Headers.ETag!);
                        request.Headers.Add("Idempotency-Key", "completed");
                    }));
            await Expect(HttpStatusCode.Created, api.Post($"{path}/participants/{world.ParticipantA}/blinding-guesses",
                new { timepointCode = "12m", guess = ArmZulu, confidence = 4 }, world.ResearcherA));

            foreach (var (token, body) in new[] { (world.Statistician, (object)new { format = "csv" }), (world.UnblindedStatistician, new { format = "odm", blinded = false }) })
            {
                var export = await ExportWorld.ExportAsync(api, world, token, body);
                Assert.That(export["status"]!.GetValue<string>(), Is.EqualTo("succeeded"), export.ToJsonString());
                var file = await ExportWorld.FileAsync(api, export["id"]!.GetValue<Guid>(), token);
                Assert.That(file.Status, Is.EqualTo(HttpStatusCode.OK));
            }

            using (var browser = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = api.Http.BaseAddress })
            {
                using var exchange = await browser.GetAsync($"/hangfire?access_token={Uri.EscapeDataString(TestHost.AdminToken)}");
                Assert.That(exchange.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
                using var page = new HttpRequestMessage(HttpMethod.Get, "/hangfire");
                page.Headers.Add("Cookie", exchange.Headers.GetValues("Set-Cookie").Single().Split(';')[0]);
                Assert.That((await browser.SendAsync(page)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
                Assert.That((await browser.GetAsync($"/hangfire?access_token={world.ResearcherA}")).StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
            }
            await Expect(HttpStatusCode.Accepted, api.Post("/jobs/audit-checkpoint/trigger", null, TestHost.AdminToken));

            // Refused requests that carry answers, a guess and a token in their bodies and headers.
            await Expect(HttpStatusCode.UnprocessableEntity, api.Put(Assessment(world.ParticipantB, "12m"),
                new { answers = new { mood = answers[4] }, status = "complete", assessedOn = "2012-06-01" }, world.ResearcherB));
            await Expect(HttpStatusCode.BadRequest, api.SendRaw(HttpMethod.Put, Assessment(world.ParticipantA, "12m"),
                $$"""{"answers": {"mood": 1, "note": "{{answers[4]}}" """, world.ResearcherA));
            await Expect(HttpStatusCode.UnprocessableEntity, api.Post($"{path}/participants/{world.ParticipantB}/blinding-guesses",
                new { timepointCode = "12m", guess = ArmYankee, confidence = 9 }, world.ResearcherB));
            await Expect(HttpStatusCode.Unauthorized, api.Get(path, badToken));

            var users = (await Expect(HttpStatusCode.OK, api.Get("/users?limit=500", TestHost.AdminToken)))["items"].AsArray()
                .Where(u => u!["userName"]!.GetValue<string>() != "admin").ToList();
            var duplicate = users[0]!;
            var refused = await api.Send(HttpMethod.Post, "/users", JsonContent.Create(new
            {
                userName = duplicate["userName"]!.GetValue<string>(), displayName = "x", email = duplicate["email"]!.GetValue<string>(),
            }), TestHost.AdminToken, request => request.Headers.Add("X-Request-Id", failingRequestId));
            Assert.That(refused.Code, Is.InRange(400, 499), refused.ToString());

            var people = users.SelectMany(u => new[] { "userName", "displayName", "email" }
                .Select(field => u![field]?.GetValue<string>()).OfType<string>()).Distinct().ToList();
            Assert.That(people, Has.Count.GreaterThanOrEqualTo(14), "names and e-mails of the world's seven users");
            string[] tokens =
            [
                TestHost.AdminToken, world.Manager, world.ResearcherA, world.ResearcherB, world.Statistician, world.UnblindedStatistician,
                world.Monitor, world.Outsider, badToken,
            ];
            string[] arms = [ArmZulu, ArmYankee, "Pro-recovery team", "Usual care"];
            // 1 + 1 + 1 + 1: the three new assessments and the completed draft (its replay not counted).
            return new Scenario(world, requestId, failingRequestId, 4, [.. arms, .. tokens, .. answers, .. people, "@example.org"]);
        }
    }

    /// <summary>The in-memory exporters add from the exporting threads while the test reads.</summary>
    private sealed class LockedList<T> : ICollection<T>
    {
        private readonly List<T> _items = [];

        public IReadOnlyList<T> Items
        {
            get { lock (_items) return _items.ToList(); }
        }

        public int Count
        {
            get { lock (_items) return _items.Count; }
        }

        public bool IsReadOnly => false;

        public void Add(T item)
        {
            lock (_items)
                _items.Add(item);
        }

        public void Clear()
        {
            lock (_items)
                _items.Clear();
        }

        public bool Contains(T item)
        {
            lock (_items)
                return _items.Contains(item);
        }

        public void CopyTo(T[] array, int arrayIndex)
        {
            lock (_items)
                _items.CopyTo(array, arrayIndex);
        }

        public bool Remove(T item)
        {
            lock (_items)
                return _items.Remove(item);
        }

        public IEnumerator<T> GetEnumerator() => Items.GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
