namespace TrialManager.Tests.Integration.Jobs;

public sealed class TriggerTests : IntegrationTest
{
    [Test]
    public async Task An_admin_runs_a_recurring_job_now()
    {
        var world = await NewTrialAsync();
        var triggered = await Api.Post("/jobs/audit-checkpoint/trigger", null, Admin);
        Assert.That(triggered.Code, Is.EqualTo(202), triggered.ToString());
        Assert.That(triggered["jobName"].GetValue<string>(), Is.EqualTo("audit-checkpoint"));
        Assert.That(triggered["jobId"].GetValue<string>(), Is.Not.Empty);

        // The test host's own worker runs it: a checkpoint for the trial's chain and the system chain.
        var until = DateTime.UtcNow.AddSeconds(30);
        long checkpoints;
        while ((checkpoints = await Db.ScalarAsync<long>("SELECT count(*) FROM audit_checkpoints")) < 2 && DateTime.UtcNow < until)
            await Task.Delay(200);
        Assert.That(checkpoints, Is.EqualTo(2));
        Assert.That(await Db.ScalarAsync<long>("SELECT count(*) FROM audit_checkpoints WHERE chain_id = $1", world.TrialId), Is.EqualTo(1));
    }

    [Test]
    public async Task An_unknown_job_is_a_problem_naming_the_jobs()
    {
        var unknown = await Api.Post("/jobs/reindex/trigger", null, Admin);
        Assert.That(unknown.Code, Is.EqualTo(404));
        Assert.That(unknown.ContentType, Is.EqualTo("application/problem+json"));
        Assert.That(unknown["detail"].GetValue<string>(), Does.Contain("follow-up-reminders"));
    }
}
