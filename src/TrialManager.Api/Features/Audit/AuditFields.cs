using TrialManager.Data.Access;
using TrialManager.Data.Randomisation;

namespace TrialManager.Api.Features.Audit;

/// <summary>
/// Fields whose values the audit trail treats specially: secrets are never written into it, and fields that
/// reveal an allocation are written but flagged, so that blinded readers see that they changed, not to what.
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

    /// <summary>Entity types all of whose values reveal allocations: the unblinding details.</summary>
    private static readonly HashSet<Type> RevealingTypes = [typeof(Unblinding)];

    /// <summary>Single fields that reveal allocations; the allocation's cluster, draw, stratum, position and time stay visible.</summary>
    private static readonly HashSet<(Type, string)> RevealingFields =
    [
        (typeof(Allocation), nameof(Allocation.Arm)),
        (typeof(Allocation), nameof(Allocation.Evidence)),
        // Which masked code of the blinded extracts stands for which arm.
        (typeof(RandomisationScheme), nameof(RandomisationScheme.MaskedArms)),
        // A guess names an arm; shown to blinded readers it would read as one.
        (typeof(TrialManager.Data.Outcomes.BlindingGuess), nameof(TrialManager.Data.Outcomes.BlindingGuess.Guess)),
        // How an assessor learned an arm may well name it.
        (typeof(TrialManager.Data.Outcomes.BlindingBreach), nameof(TrialManager.Data.Outcomes.BlindingBreach.Description)),
    ];

    /// <summary>Fields that say nothing about the entity itself (its own id, and the trial that the event names already).</summary>
    private static readonly HashSet<string> Implied = ["Id", "TrialId"];

    public static bool IsSecret(Type entity, string property) => Secrets.Contains((entity, property));

    public static bool RevealsAllocation(Type entity, string property) =>
        RevealingTypes.Contains(entity) || RevealingFields.Contains((entity, property));

    public static bool IsImplied(string property) => Implied.Contains(property);
}
