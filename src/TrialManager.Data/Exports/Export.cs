namespace TrialManager.Data.Exports;

/// <summary>
/// A requested extract of a trial's data, produced by a background worker into export storage. The request is
/// audited when it is made; the worker's progress is not (it is bookkeeping), its outcome is.
/// </summary>
public sealed class Export : IEntity, ITrialOwned
{
    public Guid Id { get; init; }
    public Guid TrialId { get; init; }
    public Guid RequestedBy { get; init; }

    /// <summary>The requester's role in the trial when asked: who else may fetch the file is decided by it.</summary>
    public required string RequesterRole { get; init; }

    public required string Format { get; init; }
    public bool Blinded { get; init; }
    public string[]? Timepoints { get; init; }
    public string[]? Instruments { get; init; }
    public required string Status { get; set; }

    /// <summary>Percent done, 0 to 100.</summary>
    public int Progress { get; set; }

    /// <summary>Rows per file, as JSON ({"participants.csv": 120, ...}).</summary>
    public string? RowCounts { get; set; }

    public long? SizeBytes { get; set; }
    public string? Sha256 { get; set; }

    /// <summary>Where the file is in export storage.</summary>
    public string? FileKey { get; set; }

    public string? Error { get; set; }
    public int Attempts { get; set; }

    /// <summary>The Hangfire job writing the export while it runs: only that job may take a running export up again.</summary>
    public string? JobId { get; set; }
    public DateTimeOffset RequestedAt { get; init; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    public DateTimeOffset? ExpiresAt { get; set; }
}
