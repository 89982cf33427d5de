using Hangfire;
using Hangfire.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TrialManager.Api.Features.Access;
using TrialManager.Api.Features.Audit;
using TrialManager.Api.Features.Exports;
using TrialManager.Api.Features.Reminders;
using TrialManager.Api.Features.Sessions;
using TrialManager.Api.Infrastructure;
using TrialManager.Api.Infrastructure.Http;

namespace TrialManager.Tests.Unit.Infrastructure;

/// <summary>
/// The settings checks: every section's defaults pass (and are today's), and a wrong value is refused with its
/// configuration key named, as the process that will not start shows it.
/// </summary>
public sealed class SettingsTests
{
    private static IReadOnlyList<string> Problems(ISettings settings, string section)
    {
        var check = new SettingsCheck(section);
        settings.Check(check);
        return check.Problems;
    }

    /// <summary>The settings of one section bound as the service binds them, and checked as at start-up.</summary>
    private static IServiceProvider Bound(Action<IServiceCollection> add, Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        add(services);
        return services.BuildServiceProvider();
    }

    /// <summary>Hangfire's own verdict: AddOrUpdate refuses a wrong cron before it touches its storage.</summary>
    private static bool HangfireTakes(string cron)
    {
        try
        {
            new RecurringJobManager(new UnreachableStorage()).AddOrUpdate("probe", () => Console.WriteLine(), cron);
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (NotSupportedException)
        {
        }
        return true;
    }

    [TestCase("0 7 * * *", true)]
    [TestCase("0 0 31 2 *", true)]
    [TestCase("*/15 * * * * *", true)]
    [TestCase("30 3 * * MON-FRI", true)]
    [TestCase("0  7\t* * *", true)]
    [TestCase("0 0 L * *", true)]
    [TestCase("@daily", true)]
    [TestCase("0 7 * *", false)]
    [TestCase("0 7 * * * * *", false)]
    [TestCase("61 * * * *", false)]
    [TestCase("0 25 * * *", false)]
    [TestCase("daily", false)]
    [TestCase(" ", false)]
    public void A_cron_expression_passes_exactly_when_Hangfire_takes_it(string cron, bool valid)
    {
        Assert.That(HangfireTakes(cron), Is.EqualTo(valid), "Hangfire's verdict");
        Assert.That(Settings.CronProblem(cron) is null, Is.EqualTo(valid), Settings.CronProblem(cron));
    }

    [Test]
    public void A_missing_cron_expression_is_refused() => Assert.That(Settings.CronProblem(null), Is.EqualTo("a cron expression is needed."));

    [Test]
    public void Every_sections_defaults_pass()
    {
        var sections = new (ISettings Settings, string Section)[]
        {
            (new JobOptions(), "Jobs"), (new ReminderOptions(), "Reminders"), (new SmtpOptions(), "Smtp"), (new ExportOptions(), "Exports"),
            (new IdempotencyOptions(), "Idempotency"), (new RateLimitOptions(), "RateLimits"), (new WriteAdmissionOptions(), "Limits"),
            (new RequestBodyLimitOptions(), "Limits"), (new PagingOptions(), "Paging"), (new AuditOptions(), "Audit"),
            (new FaultOptions(), "Faults"), (new DatabaseOptions(), "Database"), (new BootstrapOptions(), "Bootstrap"),
            (new SessionOptions(), "Sessions"),
        };
        foreach (var (settings, section) in sections)
            Assert.That(Problems(settings, section), Is.Empty, section);
    }

    [Test]
    public void Defaults_are_the_ones_the_service_always_had()
    {
        var jobs = new JobOptions();
        var reminders = new ReminderOptions();
        Assert.Multiple(() =>
        {
            Assert.That(jobs.RetryDelays, Is.EqualTo(new[] { 30, 120, 600 }));
            Assert.That(jobs.QueueNames, Is.EqualTo(new[] { "default" }));
            Assert.That((jobs.WorkerCount, jobs.RetryAttempts, jobs.InvisibilityTimeoutSeconds), Is.EqualTo((4, 3, 300.0)));
            Assert.That((reminders.Cron, reminders.Zone.Id, reminders.Horizon), Is.EqualTo(("0 7 * * *", "Europe/London", new ReminderHorizon(14, 7))));
            Assert.That(new AuditOptions().CheckpointCron, Is.EqualTo(Hangfire.Cron.Hourly()));
            Assert.That(new ExportOptions().SweepCron, Is.EqualTo(Hangfire.Cron.Minutely()));
            Assert.That(new RequestBodyLimitOptions().MaxRequestBodyBytes, Is.EqualTo(1024 * 1024));
            Assert.That((new SessionOptions().Idle, new SessionOptions().Max), Is.EqualTo((TimeSpan.FromMinutes(30), TimeSpan.FromHours(12))));
        });
    }

    [Test]
    public void Reminders_with_an_unknown_zone_a_wrong_cron_and_a_negative_horizon_name_each_key()
    {
        var problems = Problems(new ReminderOptions { Cron = "0 7 * *", TimeZone = "Europe/Lodnon", UpcomingDays = -1 }, "Reminders");
        Assert.That(problems, Has.Count.EqualTo(3));
        Assert.Multiple(() =>
        {
            Assert.That(problems[0], Does.StartWith("Reminders:Cron is '0 7 * *'"));
            Assert.That(problems[1], Does.StartWith("Reminders:TimeZone is 'Europe/Lodnon'"));
            Assert.That(problems[2], Is.EqualTo("Reminders:UpcomingDays is -1; it must be at least 0."));
        });
    }

    [Test]
    public void Out_of_range_numbers_are_refused_by_key()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Problems(new SmtpOptions { Port = 70000 }, "Smtp"), Has.One.StartsWith("Smtp:Port is 70000"));
            Assert.That(Problems(new SmtpOptions { From = "reminders at example.org" }, "Smtp"), Has.One.StartsWith("Smtp:From"));
            Assert.That(Problems(new SmtpOptions { Host = " " }, "Smtp"), Has.One.StartsWith("Smtp:Host"));
            Assert.That(Problems(new ExportOptions { RetentionDays = 0 }, "Exports"), Has.One.StartsWith("Exports:RetentionDays is 0"));
            Assert.That(Problems(new ExportOptions { SweepAfterSeconds = -1 }, "Exports"), Has.One.StartsWith("Exports:SweepAfterSeconds"));
            Assert.That(Problems(new ExportOptions { CleanupCron = "@dayly" }, "Exports"), Has.One.StartsWith("Exports:CleanupCron"));
            Assert.That(Problems(new IdempotencyOptions { RetentionHours = 0 }, "Idempotency"), Has.One.StartsWith("Idempotency:RetentionHours"));
            Assert.That(Problems(new JobOptions { WorkerCount = 0 }, "Jobs"), Has.One.StartsWith("Jobs:WorkerCount is 0"));
            Assert.That(Problems(new JobOptions { Queues = ["Reports"] }, "Jobs"), Has.One.StartsWith("Jobs:Queues holds 'Reports'"));
            Assert.That(Problems(new JobOptions { RetryDelaysSeconds = [30, -5] }, "Jobs"), Has.One.StartsWith("Jobs:RetryDelaysSeconds holds -5"));
            Assert.That(Problems(new JobOptions { QueuePollSeconds = 0 }, "Jobs"), Has.One.StartsWith("Jobs:QueuePollSeconds is 0"));
            Assert.That(Problems(new PagingOptions { DefaultPageSize = 100, MaxPageSize = 50 }, "Paging"), Has.One.StartsWith("Paging:MaxPageSize is 50"));
            Assert.That(Problems(new RateLimitOptions { TokenPerSecond = 0 }, "RateLimits"), Has.One.StartsWith("RateLimits:TokenPerSecond"));
            Assert.That(Problems(new WriteAdmissionOptions { ConcurrentWrites = 0 }, "Limits"), Has.One.StartsWith("Limits:ConcurrentWrites"));
            Assert.That(Problems(new RequestBodyLimitOptions { MaxRequestBodyBytes = 0 }, "Limits"), Has.One.StartsWith("Limits:MaxRequestBodyBytes"));
            Assert.That(Problems(new AuditOptions { CheckpointCron = "hourly" }, "Audit"), Has.One.StartsWith("Audit:CheckpointCron"));
            Assert.That(Problems(new BootstrapOptions { AdminToken = "short" }, "Bootstrap"), Has.One.StartsWith("Bootstrap:AdminToken is 5 characters"));
            Assert.That(Problems(new SessionOptions { IdleMinutes = 0 }, "Sessions"), Has.One.StartsWith("Sessions:IdleMinutes is 0"));
            Assert.That(Problems(new SessionOptions { IdleMinutes = 120, MaxHours = 1 }, "Sessions"),
                Has.One.StartsWith("Sessions:MaxHours is 1; it must be at least Sessions:IdleMinutes"));
        });
    }

    [Test]
    public void A_bound_section_is_checked_at_start_up_and_a_list_replaces_its_default()
    {
        var services = Bound(s => s.AddSettings<JobOptions>("Jobs"),
            new() { ["Jobs:RetryDelaysSeconds:0"] = "1", ["Jobs:Queues:0"] = "probe", ["Jobs:WorkerCount"] = "2" });
        services.ValidateSettings();
        var jobs = services.GetRequiredService<JobOptions>();
        Assert.That((jobs.RetryDelays, jobs.QueueNames, jobs.WorkerCount), Is.EqualTo((new[] { 1 }, new[] { "probe" }, 2)));

        var wrong = Bound(s => s.AddSettings<JobOptions>("Jobs"), new() { ["Jobs:WorkerCount"] = "0" });
        Assert.That(wrong.ValidateSettings, Throws.TypeOf<OptionsValidationException>().With.Message.Contains("Jobs:WorkerCount is 0"));
    }

    [Test]
    public void A_value_that_is_not_a_number_fails_binding_with_its_key()
    {
        var services = Bound(s => s.AddSettings<ReminderOptions>("Reminders"), new() { ["Reminders:UpcomingDays"] = "a fortnight" });
        Assert.That(services.ValidateSettings, Throws.InvalidOperationException.With.Message.Contains("Reminders:UpcomingDays"));
    }

    [Test]
    public void An_export_folder_that_cannot_be_made_is_refused_and_one_that_can_is_made()
    {
        var root = Path.Combine(Path.GetTempPath(), $"trialmanager-settings-{Guid.NewGuid():N}");
        Directory.CreateDirectory(root);
        try
        {
            File.WriteAllText(Path.Combine(root, "a-file"), "");
            var blocked = Bound(s => s.AddTrialManagerExports(root), new() { ["Exports:Path"] = "a-file/exports" });
            Assert.That(blocked.ValidateSettings, Throws.TypeOf<OptionsValidationException>().With.Message.StartsWith("Exports:Path is 'a-file/exports'"));

            var fine = Bound(s => s.AddTrialManagerExports(root), new() { ["Exports:Path"] = "exports" });
            fine.ValidateSettings();
            Assert.That(Directory.Exists(Path.Combine(root, "exports")), Is.True);
            Assert.That(Directory.EnumerateFileSystemEntries(Path.Combine(root, "exports")), Is.Empty, "the write check leaves nothing behind");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private sealed class UnreachableStorage : JobStorage
    {
        public override IMonitoringApi GetMonitoringApi() => throw new NotSupportedException();
        public override IStorageConnection GetConnection() => throw new NotSupportedException();
    }
}
