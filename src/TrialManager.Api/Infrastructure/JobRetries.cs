namespace TrialManager.Api.Infrastructure;

/// <summary>How often a failing job is retried (`Jobs:RetryAttempts`) and after how long (`Jobs:RetryDelaysSeconds`).</summary>
public sealed record JobRetries(int Attempts, int[] DelaysInSeconds)
{
    public static JobRetries From(IConfiguration configuration)
    {
        var jobs = configuration.GetSection("Jobs");
        return new JobRetries(jobs.GetValue("RetryAttempts", 3),
            jobs.GetSection("RetryDelaysSeconds").Get<int[]>() is { Length: > 0 } delays ? delays : [30, 120, 600]);
    }
}
