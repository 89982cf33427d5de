namespace TrialManager.Api.Features.Reminders;

/// <summary>The recurring job `follow-up-reminders`: one digest e-mail per researcher of the follow-ups due at their sites.</summary>
public sealed class FollowUpReminderJob
{
    public Task RunAsync(CancellationToken ct) => Task.CompletedTask;
}
