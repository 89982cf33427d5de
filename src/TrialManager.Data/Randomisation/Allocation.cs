namespace TrialManager.Data.Randomisation;

/// <summary>A cluster's arm, with what decided it: its place in a stratum's sequence, or the method's evidence.</summary>
public sealed class Allocation : IEntity, ITrialOwned
{
    public Guid Id { get; init; }
    public Guid TrialId { get; init; }
    public Guid ClusterId { get; init; }

    /// <summary>1, 2, 3, ... over the trial's allocations: the number of the decision, which names its random draws.</summary>
    public int Draw { get; init; }

    public required string Arm { get; init; }
    public string? Stratum { get; init; }
    public int? Position { get; init; }

    /// <summary>JSON: what the method compared (minimisation scores, the constrained draw), or null.</summary>
    public string? Evidence { get; init; }

    public DateTimeOffset AllocatedAt { get; init; }
    public Guid AllocatedBy { get; init; }
}
