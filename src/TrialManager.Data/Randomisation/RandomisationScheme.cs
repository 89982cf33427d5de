namespace TrialManager.Data.Randomisation;

/// <summary>
/// A trial's randomisation scheme: a draft until sealed, then fixed. At sealing the seed (all later randomness
/// derives from it) and the canonical text that the published commitment hashes are stored; neither is readable
/// through the API before the trial is locked.
/// </summary>
public sealed class RandomisationScheme : IEntity, ITrialOwned
{
    public Guid Id { get; init; }
    public Guid TrialId { get; init; }
    public required string Method { get; set; }

    /// <summary>The method's settings as canonical JSON (defaults filled in).</summary>
    public required string Settings { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? SealedAt { get; set; }
    public Guid? SealedBy { get; set; }
    public byte[]? Seed { get; set; }
    public string? Canonical { get; set; }
    public string? Commitment { get; set; }

    /// <summary>
    /// Arm code to masked code (`A`, `B`, ...) for blinded extracts, as JSON: a random permutation drawn at sealing,
    /// so that it is stable across a trial's extracts and says nothing about the order of the arms.
    /// </summary>
    public string? MaskedArms { get; set; }

    public bool IsSealed => SealedAt is not null;
}
