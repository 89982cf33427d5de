namespace TrialManager.Data.Audit;

/// <summary>
/// One entry of the audit trail: who changed what (or looked at what), when and why. Append-only in the database
/// (trigger and grants), and hash-chained: <see cref="Hash"/> covers the event's canonical form and the hash of the
/// event before it in the same strand of its chain (see AuditChain in the API for the rules).
/// </summary>
public sealed class AuditEvent : IEntity
{
    public Guid Id { get; init; }

    /// <summary>The trial's id, or <see cref="AuditChains.System"/> for users and tokens, which belong to no trial.</summary>
    public Guid ChainId { get; init; }

    /// <summary>The strand of the chain: concurrent writers to one trial append to different strands.</summary>
    public int Strand { get; set; }

    /// <summary>1, 2, 3, ... within the strand.</summary>
    public long Sequence { get; set; }

    public Guid? TrialId { get; init; }
    public DateTimeOffset OccurredAt { get; init; }
    public required string Action { get; init; }
    public required string EntityType { get; init; }
    public Guid? EntityId { get; init; }

    /// <summary>
    /// The version of the canonical form that <see cref="Hash"/> covers: 1 for events written before sealed values
    /// existed (their revealing values are in <see cref="Changes"/> in clear), 2 since.
    /// </summary>
    public short Format { get; init; } = 2;

    /// <summary>
    /// JSON array of {field, old, new[, blinded]}, stored verbatim (json, not jsonb) because it is hashed as written.
    /// A blinded (sealed) value is stored as {"commitment": hex} and opened by <see cref="SealedValues"/>.
    /// </summary>
    public required string Changes { get; init; }

    public Guid? ActorUserId { get; init; }
    public string? ActorRole { get; init; }
    public string? RequestId { get; init; }
    /// <summary>Null when the reason is sealed (an event that seals a value seals its reason too); see <see cref="ReasonCommitment"/>.</summary>
    public string? Reason { get; init; }

    /// <summary>The commitment to a sealed reason (hex), hashed in the reason's place.</summary>
    public string? ReasonCommitment { get; init; }

    /// <summary>
    /// The sealed values and their salts, as JSON: {changes: {field: {old?, new?: {value, salt}}}, reason?: {value, salt}}.
    /// Not hashed: each opens a commitment that is. Shown only to readers who see every arm.
    /// </summary>
    public string? SealedValues { get; init; }
    // The place in the chain is set when the event is appended, after it was described.
    public required byte[] PreviousHash { get; set; }
    public required byte[] Hash { get; set; }
}

public static class AuditChains
{
    /// <summary>The chain of events that belong to no trial (users, tokens).</summary>
    public static readonly Guid System = Guid.Empty;
}
