using TrialManager.Data.Access;

namespace TrialManager.Api.Features.Audit;

/// <summary>
/// Fields whose values the audit trail treats specially: secrets are never written into it, and fields that
/// reveal an allocation are written but flagged, so that blinded readers see that they changed, not to what.
/// </summary>
public static class AuditFields
{
    public const string SecretValue = "[secret]";
    public const string RedactedValue = "[redacted]";

    private static readonly HashSet<(Type, string)> Secrets = [(typeof(ApiToken), nameof(ApiToken.SecretHash))];

    /// <summary>Entity types all of whose values reveal allocations.</summary>
    private static readonly HashSet<Type> RevealingTypes = [];

    /// <summary>Single fields that reveal allocations.</summary>
    private static readonly HashSet<(Type, string)> RevealingFields = [];

    /// <summary>Fields that say nothing about the entity itself (its own id, and the trial that the event names already).</summary>
    private static readonly HashSet<string> Implied = ["Id", "TrialId"];

    public static bool IsSecret(Type entity, string property) => Secrets.Contains((entity, property));

    public static bool RevealsAllocation(Type entity, string property) =>
        RevealingTypes.Contains(entity) || RevealingFields.Contains((entity, property));

    public static bool IsImplied(string property) => Implied.Contains(property);
}
