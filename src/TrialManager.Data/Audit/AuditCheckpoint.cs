namespace TrialManager.Data.Audit;

/// <summary>
/// A record of a chain's state at one moment (event count and every strand's head). Append-only like the events:
/// a later verification that finds fewer events, or a different head, than a checkpoint saw has found a truncation.
/// </summary>
public sealed class AuditCheckpoint : IEntity
{
    public Guid Id { get; init; }
    public Guid ChainId { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public long EventCount { get; init; }

    /// <summary>JSON array of {strand, sequence, hash} (hash in hex).</summary>
    public required string Heads { get; init; }
}
