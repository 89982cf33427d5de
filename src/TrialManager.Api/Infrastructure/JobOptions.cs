using System.Text.RegularExpressions;

namespace TrialManager.Api.Infrastructure;

/// <summary>
/// `Jobs:*`: the job server (worker threads, queues, polls, how long a dead worker's job stays invisible, shutdown)
/// and how often a failing job is retried and after how long. Exports read the retries too, to know a last attempt.
/// </summary>
public sealed partial class JobOptions : ISettings
{
    public int WorkerCount { get; set; } = 4;

    /// <summary>Empty means Hangfire's `default` queue (a bound list is appended to, so the default is not in it).</summary>
    public string[] Queues { get; set; } = [];

    public int RetryAttempts { get; set; } = 3;

    /// <summary>Empty means 30, 120, 600.</summary>
    public int[] RetryDelaysSeconds { get; set; } = [];

    public double InvisibilityTimeoutSeconds { get; set; } = 300;
    /// <summary>Unset: 5 s, or 1 s behind a transaction pooler, where workers cannot be woken by NOTIFY.</summary>
    public double? QueuePollSeconds { get; set; }
    public double SchedulePollSeconds { get; set; } = 15;
    public double ShutdownTimeoutSeconds { get; set; } = 15;
    public double DashboardCookieMinutes { get; set; } = 15;

    public string[] QueueNames => Queues.Length > 0 ? Queues : ["default"];

    public int[] RetryDelays => RetryDelaysSeconds.Length > 0 ? RetryDelaysSeconds : [30, 120, 600];

    public void Check(SettingsCheck check)
    {
        check.AtLeast(nameof(WorkerCount), WorkerCount, 1);
        foreach (var queue in Queues.Where(q => !QueueName().IsMatch(q ?? "")))
            check.Fail(nameof(Queues), $"holds '{queue}'; a queue name is lower-case letters, digits, '_' and '-' (Hangfire's rule).");
        check.AtLeast(nameof(RetryAttempts), RetryAttempts, 0);
        foreach (var delay in RetryDelaysSeconds.Where(d => d < 0))
            check.Fail(nameof(RetryDelaysSeconds), $"holds {delay}; a delay is 0 seconds or more.");
        check.Positive(nameof(InvisibilityTimeoutSeconds), InvisibilityTimeoutSeconds);
        if (QueuePollSeconds is { } poll)
            check.Positive(nameof(QueuePollSeconds), poll);
        check.Positive(nameof(SchedulePollSeconds), SchedulePollSeconds);
        check.AtLeast(nameof(ShutdownTimeoutSeconds), ShutdownTimeoutSeconds, 0);
        check.Positive(nameof(DashboardCookieMinutes), DashboardCookieMinutes);
    }

    [GeneratedRegex("^[a-z0-9_-]+$")]
    private static partial Regex QueueName();
}
