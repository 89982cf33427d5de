namespace TrialManager.Api.Features.Exports;

/// <summary>The recurring job `export-cleanup`: deletes export files past their expiry.</summary>
public sealed class ExportCleanupJob
{
    public Task RunAsync(CancellationToken ct) => Task.CompletedTask;
}
