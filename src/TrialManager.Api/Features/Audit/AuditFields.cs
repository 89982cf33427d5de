using TrialManager.Api.Features.Blinding;
using TrialManager.Data.Access;
using TrialManager.Data.Randomisation;

namespace TrialManager.Api.Features.Audit;

/// <summary>
/// Fields whose values the audit trail treats specially: secrets are never written into it, and fields that
/// reveal an allocation (<see cref="RevealingFields"/>) are sealed: written as salted commitments, their values kept
/// beside the chain for readers who see every arm.
/// </summary>
public static class AuditFields
{
    public const string SecretValue = "[secret]";
    public const string RedactedValue = "[redacted]";

    /// <summary>Never written into the trail: token hashes, and the scheme's seed and sealed text (revealed only after lock).</summary>
    private static readonly HashSet<(Type, string)> Secrets =
    [
        (typeof(ApiToken), nameof(ApiToken.SecretHash)),
        (typeof(RandomisationScheme), nameof(RandomisationScheme.Seed)),
        (typeof(RandomisationScheme), nameof(RandomisationScheme.Canonical)),
    ];

    /// <summary>Fields that say nothing about the entity itself (its own id, and the trial that the event names already).</summary>
    private static readonly HashSet<string> Implied = ["Id", "TrialId"];

    public static bool IsSecret(Type entity, string property) => Secrets.Contains((entity, property));

    public static bool IsSealed(Type entity, string property) => RevealingFields.Reveals(entity, property);

    public static bool IsImplied(string property) => Implied.Contains(property);
}
