namespace TrialManager.Api.Infrastructure;

/// <summary>`Faults:Enabled` (off unless set) lets the fault-injection tests pause a request; never on in production.</summary>
public sealed class FaultOptions : ISettings
{
    public bool Enabled { get; set; }
    public int PauseMilliseconds { get; set; } = 60_000;

    public void Check(SettingsCheck check) => check.AtLeast(nameof(PauseMilliseconds), PauseMilliseconds, 0);
}

/// <summary>
/// Named moments of a write where a crash matters: after its changes are saved but before they commit, after they
/// commit but before the answer is written, and after an export's row commits but before its job is queued. With
/// `Faults:Enabled`, a request that names one in the `X-Fault-Pause` header stops there (and says so in the log),
/// so that a test can kill the process at exactly that moment.
/// </summary>
public sealed class Faults(FaultOptions options, IHttpContextAccessor http, ILogger<Faults> logger)
{
    public const string Header = "X-Fault-Pause";
    public const string BeforeCommit = "before-commit", AfterCommit = "after-commit", ExportQueued = "export-queued";

    public async Task PauseAsync(string point)
    {
        if (!options.Enabled || http.HttpContext?.Request.Headers[Header].ToString() != point)
            return;
        logger.LogWarning("Fault point {Point} reached; pausing {Milliseconds} ms", point, options.PauseMilliseconds);
        await Task.Delay(options.PauseMilliseconds, CancellationToken.None);
    }
}
