using System.Text.Json;
using System.Text.Json.Nodes;
using TrialManager.Data.Audit;

namespace TrialManager.Api.Features.Audit;

public sealed record AuditActorView(Guid? UserId, string? Role);

public sealed record AuditChangeView(string Field, JsonNode? Old, JsonNode? New,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] bool? Blinded);

/// <summary>An audit event as readers see it. For blinded readers, values that reveal an allocation are redacted.</summary>
public sealed record AuditEventView(Guid Id, Guid? TrialId, int Strand, long Sequence, DateTimeOffset OccurredAt, string Action,
    string EntityType, Guid? EntityId, IReadOnlyList<AuditChangeView> Changes, AuditActorView Actor, string? RequestId, string? Reason,
    string PreviousHash, string Hash)
{
    public static AuditEventView Of(AuditEvent e, bool blindedReader)
    {
        var changes = AuditRedaction.Changes(e.Changes, blindedReader);
        // The reason given for a change that reveals an allocation may name the arm too (an unblinding's always explains one).
        var reason = blindedReader && changes.Any(c => c.Blinded == true) && e.Reason is not null ? AuditFields.RedactedValue : e.Reason;
        return new AuditEventView(e.Id, e.TrialId, e.Strand, e.Sequence, e.OccurredAt, e.Action, e.EntityType, e.EntityId, changes,
            new AuditActorView(e.ActorUserId, e.ActorRole), e.RequestId, reason, Convert.ToHexStringLower(e.PreviousHash), Convert.ToHexStringLower(e.Hash));
    }
}

/// <summary>
/// Blinding in the audit trail: a blinded reader still sees that a flagged field changed, when and by whom, but
/// its values are replaced. Pure, so that the rule is tested on its own.
/// </summary>
public static class AuditRedaction
{
    public static IReadOnlyList<AuditChangeView> Changes(string changesJson, bool blindedReader)
    {
        var changes = JsonNode.Parse(changesJson)!.AsArray();
        return changes.Select(change =>
        {
            var blinded = change!["blinded"]?.GetValue<bool>() == true;
            var hide = blinded && blindedReader;
            return new AuditChangeView(change["field"]!.GetValue<string>(),
                hide ? Redacted(change["old"]) : change["old"]?.DeepClone(),
                hide ? Redacted(change["new"]) : change["new"]?.DeepClone(),
                blinded ? true : null);
        }).ToList();
    }

    private static JsonNode? Redacted(JsonNode? value) => value is null ? null : JsonValue.Create(AuditFields.RedactedValue);

    public static string ToJson(IReadOnlyList<AuditChangeView> changes) => JsonSerializer.Serialize(changes, JsonSerializerOptions.Web);
}
