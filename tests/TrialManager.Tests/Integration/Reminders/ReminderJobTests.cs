using System.Net;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using TrialManager.Api.Features.Reminders;

namespace TrialManager.Tests.Integration.Reminders;

/// <summary>
/// The `follow-up-reminders` job with SMTP settings that point at an in-process SMTP server. The job is made from a
/// DI scope of the test host, as Hangfire makes it, with those settings instead of the host's; it runs directly so that
/// no host's worker picks it up in the middle of another test, and no extra host holds database connections.
/// </summary>
public sealed class ReminderJobTests : IntegrationTest
{
    private SmtpSink _smtp = null!;

    [OneTimeSetUp]
    public void StartSmtp() => _smtp = new SmtpSink();

    [OneTimeTearDown]
    public async Task StopSmtpAsync() => await _smtp.DisposeAsync();

    [SetUp]
    public void ResetMail() => _smtp.Reset();

    private Task<int> RunJobAsync() => RunJobAsync(_smtp.Options());

    private static async Task<int> RunJobAsync(SmtpOptions smtp)
    {
        using var scope = TestHost.Factory.Services.CreateScope();
        var job = ActivatorUtilities.CreateInstance<FollowUpReminderJob>(scope.ServiceProvider, smtp);
        return await job.SendDigestsAsync(CancellationToken.None);
    }

    private async Task<string> EmailOfAsync(string token) => (await Api.Get("/me", token))["email"].GetValue<string>();

    private MimeMessage MailTo(string email) => _smtp.Messages.Single(m => m.To.Mailboxes.Any(to => to.Address == email));

    private static async Task<string> RawAsync(MimeMessage message)
    {
        using var stream = new MemoryStream();
        await message.WriteToAsync(stream);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>The text part as sections: the heading's first word ("Overdue:", ...) and the lines under it.</summary>
    private static Dictionary<string, List<string>> Sections(MimeMessage message) =>
        (message.TextBody ?? "").ReplaceLineEndings("\n").Split("\n\n").Skip(1)
            .Select(block => block.Trim().Split('\n'))
            .Where(lines => lines[0].Contains(':', StringComparison.Ordinal) && lines.Skip(1).All(l => l.StartsWith("- ", StringComparison.Ordinal)))
            .ToDictionary(lines => lines[0][..lines[0].IndexOf(':', StringComparison.Ordinal)], lines => lines.Skip(1).ToList());

    [Test]
    public async Task Each_researcher_gets_one_digest_of_their_sites_follow_ups_grouped_by_state_without_an_arm()
    {
        var fixture = await ReminderFixture.CreateAsync(Api, await NewTrialAsync());
        var (emailA, emailB) = (await EmailOfAsync(fixture.World.ResearcherA), await EmailOfAsync(fixture.World.ResearcherB));

        Assert.That(await RunJobAsync(), Is.EqualTo(2));

        Assert.That(_smtp.Messages, Has.Count.EqualTo(2));
        var mailA = MailTo(emailA);
        var sectionsA = Sections(mailA);
        var sectionsB = Sections(MailTo(emailB));
        var raw = await RawAsync(mailA) + await RawAsync(MailTo(emailB));
        var open = sectionsA["Open"].Single();
        Assert.Multiple(() =>
        {
            Assert.That(mailA.From.Mailboxes.Single().Address, Is.EqualTo("trials@example.org"));
            Assert.That(mailA.Subject, Does.Contain("REFOCUS"));
            Assert.That(sectionsA.Keys, Is.EqualTo(new[] { "Overdue", "Closing", "Open", "Upcoming" }), "most urgent first");
            Assert.That(sectionsA["Overdue"], Has.Count.EqualTo(2));
            Assert.That(sectionsA["Overdue"], Has.One.Contains(fixture.SiteA["overdue"]).And.One.Contains(fixture.OverdueA));
            Assert.That(sectionsA["Closing"].Single(), Does.Contain(fixture.SiteA["closing"]));
            Assert.That(sectionsA["Upcoming"].Single(), Does.Contain(fixture.SiteA["upcoming"]));
            Assert.That(open, Does.Contain(fixture.SiteA["open"]).And.Contain("12m").And.Contain("site SLAM").And.Contain("cluster T")
                .And.Contain($"window {fixture.Today.AddDays(-30):yyyy-MM-dd} to {fixture.Today.AddDays(60):yyyy-MM-dd}")
                .And.Contain($"target {fixture.Today:yyyy-MM-dd}"));
            Assert.That(mailA.TextBody, Does.Not.Contain(fixture.SiteA["done"]).And.Not.Contain(fixture.SiteA["not-due"])
                .And.Not.Contain(fixture.SiteA["not-yet"]).And.Not.Contain(fixture.SiteBOpen).And.Not.Contain(fixture.OverdueB));
            Assert.That(mailA.HtmlBody, Does.Contain(fixture.SiteA["open"]));
            Assert.That(sectionsB.Keys, Is.EqualTo(new[] { "Overdue", "Open" }));
            Assert.That(sectionsB["Open"].Single(), Does.Contain(fixture.SiteBOpen));
            Assert.That(raw.ToLowerInvariant(), Does.Not.Contain(TrialWorld.ArmZulu).And.Not.Contain(TrialWorld.ArmYankee));
        });
        Assert.That(await Db.ScalarAsync<long>("SELECT count(*) FROM sent_reminders"), Is.EqualTo(7));
        Assert.That(await Db.ScalarAsync<long>(
            "SELECT count(*) FROM audit_events WHERE entity_type = 'sent-reminder' AND actor_role = 'system' AND actor_user_id IS NULL"), Is.EqualTo(7));
    }

    [Test]
    public async Task A_second_run_sends_only_what_is_new()
    {
        var fixture = await ReminderFixture.CreateAsync(Api, await NewTrialAsync());
        Assert.That(await RunJobAsync(), Is.EqualTo(2));
        Assert.That(await RunJobAsync(), Is.Zero);
        Assert.That(_smtp.Messages, Has.Count.EqualTo(2));

        var late = TrialWorld.Unique("LATE-");
        var baseline = fixture.Today.AddDays(-380);
        await TrialWorld.Expect(HttpStatusCode.Created, Api.Post($"{fixture.World.Path}/participants",
            new { externalId = late, clusterId = fixture.World.ClusterA, kind = "patient", consentDate = baseline, baselineDate = baseline },
            fixture.World.ResearcherA));
        _smtp.Reset();
        Assert.That(await RunJobAsync(), Is.EqualTo(1));
        var digest = _smtp.Messages.Single();
        Assert.Multiple(() =>
        {
            Assert.That(digest.To.Mailboxes.Single().Address, Does.Contain("researcher"));
            Assert.That(Sections(digest).Values.SelectMany(v => v).Single(), Does.Contain(late), "only the new follow-up");
        });
    }

    [Test]
    public async Task An_smtp_failure_records_nothing_and_a_later_run_sends()
    {
        await ReminderFixture.CreateAsync(Api, await NewTrialAsync());
        _smtp.Refusing = true;
        Assert.That(() => RunJobAsync(), Throws.InvalidOperationException.With.Message.Contains("2 follow-up digest(s) failed"));
        Assert.That(await Db.ScalarAsync<long>("SELECT count(*) FROM sent_reminders"), Is.Zero);
        Assert.That(_smtp.Messages, Is.Empty);

        _smtp.Refusing = false;
        Assert.That(await RunJobAsync(), Is.EqualTo(2));
        Assert.That(_smtp.Messages, Has.Count.EqualTo(2));
        Assert.That(await Db.ScalarAsync<long>("SELECT count(*) FROM sent_reminders"), Is.EqualTo(7));
    }

    [Test]
    public async Task A_retry_after_one_recipient_failed_sends_to_that_recipient_only()
    {
        var fixture = await ReminderFixture.CreateAsync(Api, await NewTrialAsync());
        var emailB = await EmailOfAsync(fixture.World.ResearcherB);
        _smtp.RefusedRecipient = emailB;
        Assert.That(() => RunJobAsync(), Throws.InvalidOperationException.With.Message.Contains("1 follow-up digest(s) failed"));
        Assert.That(_smtp.Messages.Single().To.Mailboxes.Single().Address, Is.Not.EqualTo(emailB));

        _smtp.Reset();
        Assert.That(await RunJobAsync(), Is.EqualTo(1));
        Assert.That(_smtp.Messages.Single().To.Mailboxes.Single().Address, Is.EqualTo(emailB));
    }

    [Test]
    public async Task An_unreachable_server_fails_the_run_and_records_nothing()
    {
        await ReminderFixture.CreateAsync(Api, await NewTrialAsync());
        var closed = new SmtpSink();
        var unreachable = closed.Options();
        await closed.DisposeAsync();
        Assert.That(() => RunJobAsync(unreachable), Throws.InvalidOperationException.With.Message.Contains("2 follow-up digest(s) failed"));
        Assert.That(await Db.ScalarAsync<long>("SELECT count(*) FROM sent_reminders"), Is.Zero);
        Assert.That(await RunJobAsync(), Is.EqualTo(2));
    }

    [Test]
    public async Task Runs_at_the_same_time_send_each_digest_once()
    {
        await ReminderFixture.CreateAsync(Api, await NewTrialAsync());
        var sent = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(RunJobAsync)));
        Assert.Multiple(() =>
        {
            Assert.That(sent.Sum(), Is.EqualTo(2));
            Assert.That(_smtp.Messages, Has.Count.EqualTo(2));
        });
        Assert.That(await Db.ScalarAsync<long>("SELECT count(*) FROM sent_reminders"), Is.EqualTo(7));
    }

    [Test]
    public async Task A_locked_trial_sends_no_reminders()
    {
        var fixture = await ReminderFixture.CreateAsync(Api, await NewTrialAsync());
        await fixture.World.AdvanceToAsync("locked");
        Assert.That(await RunJobAsync(), Is.Zero);
        Assert.That(_smtp.Messages, Is.Empty);
    }
}
