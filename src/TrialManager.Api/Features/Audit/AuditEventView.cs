using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using TrialManager.Data.Audit;

namespace TrialManager.Api.Features.Audit;

public sealed record AuditActorView(Guid? UserId, string? Role);

/// <summary>A sealed value's commitment and the salt that opens it (for readers who see every arm).</summary>
public sealed record SealView(string Commitment, string Salt);

/// <summary>The openings of a change's sealed values.</summary>
public sealed record SealedChangeView(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] SealView? Old,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] SealView? New);

/// <summary>
/// One changed field. For a blinded reader a sealed value is its commitment, {"commitment": hex}, exactly as hashed;
/// a reader who sees every arm gets the value, and in `sealed` the commitment with its salt.
/// </summary>
public sealed record AuditChangeView(string Field, JsonNode? Old, JsonNode? New,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? Blinded,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] SealedChangeView? Sealed = null);

/// <summary>
/// An audit event as readers see it. Blinded readers see sealed values and a sealed reason as their commitments,
/// which is all the hash needs: they can re-compute the chain (the README gives the canonical form) and learn nothing
/// from it. Readers who see every arm get the values and the salts that open the commitments.
/// </summary>
public sealed record AuditEventView(Guid Id, Guid ChainId, Guid? TrialId, int Strand, long Sequence, DateTimeOffset OccurredAt,
    string Action, string EntityType, Guid? EntityId, IReadOnlyList<AuditChangeView> Changes, AuditActorView Actor, string? RequestId,
    string? Reason,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ReasonCommitment,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ReasonSalt,
    string CanonicalVersion, string? PreviousHash, string? Hash)
{
    /// <param name="legacy">For blinded readers: the strands whose hashes cover values in clear, which are withheld.</param>
    public static AuditEventView Of(AuditEvent e, bool seesEveryArm, LegacyClearValues? legacy = null)
    {
        var changes = AuditRedaction.Changes(e, seesEveryArm);
        var reason = e.Reason;
        string? reasonSalt = null;
        if (e.ReasonCommitment is not null)
            (reason, reasonSalt) = seesEveryArm && AuditSeal.FindReason(ParseSealed(e)) is { } opened
                ? (opened.Value, opened.Salt)
                : (AuditFields.RedactedValue, null);
        else if (e.Format == 1 && !seesEveryArm && reason is not null && changes.Any(c => c.Blinded == true))
            reason = AuditFields.RedactedValue;
        return new AuditEventView(e.Id, e.ChainId, e.TrialId, e.Strand, e.Sequence, e.OccurredAt, e.Action, e.EntityType, e.EntityId, changes,
            new AuditActorView(e.ActorUserId, e.ActorRole), e.RequestId, reason, e.ReasonCommitment, reasonSalt, AuditChain.Version(e.Format),
            legacy?.HidesPreviousHash(e.Strand, e.Sequence) == true ? null : Convert.ToHexStringLower(e.PreviousHash),
            legacy?.HidesHash(e.Strand, e.Sequence) == true ? null : Convert.ToHexStringLower(e.Hash));
    }

    internal static JsonNode? ParseSealed(AuditEvent e) => e.SealedValues is null ? null : JsonNode.Parse(e.SealedValues);
}

/// <summary>
/// Blinding in the audit trail's views: a blinded reader still sees that a sealed field changed, when and by whom,
/// and its commitments, never its values. Events written before values were sealed (format 1) carry them in clear;
/// they are replaced by "[redacted]". Pure, so that the rule is tested on its own.
/// </summary>
public static class AuditRedaction
{
    public static IReadOnlyList<AuditChangeView> Changes(AuditEvent e, bool seesEveryArm)
    {
        var changes = JsonNode.Parse(e.Changes)!.AsArray();
        var sealedValues = seesEveryArm && e.Format >= 2 ? AuditEventView.ParseSealed(e) : null;
        return changes.Select(change =>
        {
            var field = change!["field"]!.GetValue<string>();
            var (old, @new) = (change["old"]?.DeepClone(), change["new"]?.DeepClone());
            if (change["blinded"]?.GetValue<bool>() != true)
                return new AuditChangeView(field, old, @new, null);
            if (e.Format == 1)
                return seesEveryArm ? new AuditChangeView(field, old, @new, true) : new AuditChangeView(field, Redacted(old), Redacted(@new), true);
            if (!seesEveryArm)
                return new AuditChangeView(field, old, @new, true);
            var openedOld = AuditSeal.Find(sealedValues, field, "old");
            var openedNew = AuditSeal.Find(sealedValues, field, "new");
            return new AuditChangeView(field,
                openedOld is { } o ? o.Value : old,
                openedNew is { } n ? n.Value : @new,
                true,
                new SealedChangeView(Seal(old, openedOld?.Salt), Seal(@new, openedNew?.Salt)));
        }).ToList();
    }

    private static SealView? Seal(JsonNode? stored, string? salt) =>
        (stored as JsonObject)?[AuditSeal.CommitmentProperty]?.GetValue<string>() is { } commitment && salt is not null ? new SealView(commitment, salt) : null;

    private static JsonNode? Redacted(JsonNode? value) => value is null ? null : JsonValue.Create(AuditFields.RedactedValue);

    public static string ToJson(IReadOnlyList<AuditChangeView> changes) => JsonSerializer.Serialize(changes, JsonSerializerOptions.Web);
}
