using System.Net;

namespace TrialManager.Tests.Integration.Trials;

public sealed class ConcurrencyTests : IntegrationTest
{
    [Test]
    public async Task Concurrent_changes_to_one_trial_all_succeed()
    {
        var world = await NewTrialAsync();
        var answers = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => Api.Patch(world.Path, new { title = $"title {i}" }, world.Manager)));
        Assert.That(answers.Select(a => a.Code), Is.All.EqualTo(200), string.Join("\n", answers.Select(a => a.ToString())));
    }

    [Test]
    public async Task Concurrent_enrolments_and_a_lock_leave_no_write_after_the_lock()
    {
        var world = await NewTrialAsync();
        await world.AdvanceToAsync("follow-up");
        var enrolments = Enumerable.Range(0, 30)
            .Select(_ => Api.Post($"{world.Path}/participants", TrialWorld.NewParticipant(world.ClusterA), world.ResearcherA)).ToList();
        var lockAnswer = await Api.Patch(world.Path, new { status = "locked", reason = "database lock" }, world.Manager);
        var answers = await Task.WhenAll(enrolments);
        Assert.That(lockAnswer.Code, Is.EqualTo(200));
        Assert.That(answers.Select(a => a.Status), Is.All.AnyOf(HttpStatusCode.Created, HttpStatusCode.Conflict));
        var lockedAt = DateTimeOffset.Parse(lockAnswer["statusChangedAt"].GetValue<string>());
        var created = answers.Count(a => a.Status == HttpStatusCode.Created);
        Assert.That(await Db.ScalarAsync<long>("SELECT count(*) FROM participants"), Is.EqualTo(created + 2));
        Assert.That(await Db.ScalarAsync<long>("SELECT count(*) FROM participants WHERE created_at > $1", lockedAt), Is.Zero);
    }
}
