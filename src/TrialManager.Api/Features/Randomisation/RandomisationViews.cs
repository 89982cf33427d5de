using System.Text.Json;
using System.Text.Json.Serialization;
using TrialManager.Data.Randomisation;

namespace TrialManager.Api.Features.Randomisation;

/// <summary>A scheme as anyone allowed to see it sees it: never its seed or sealed text before the trial is locked.</summary>
public sealed record SchemeView(Guid TrialId, string Method, JsonElement Settings, string Status, DateTimeOffset UpdatedAt,
    DateTimeOffset? SealedAt, string? Commitment)
{
    public static SchemeView Of(RandomisationScheme s) => new(s.TrialId, s.Method, JsonDocument.Parse(s.Settings).RootElement.Clone(),
        s.IsSealed ? "sealed" : "draft", s.UpdatedAt, s.SealedAt, s.Commitment);
}

/// <summary>An allocation, for unblinded readers only.</summary>
public sealed record AllocationView(Guid ClusterId, string Arm, int Draw,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Position,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Stratum,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonElement? Evidence,
    DateTimeOffset AllocatedAt, Guid AllocatedBy)
{
    public static AllocationView Of(Allocation a) => new(a.ClusterId, a.Arm, a.Draw, a.Position, a.Stratum,
        a.Evidence is null ? null : JsonDocument.Parse(a.Evidence).RootElement.Clone(), a.AllocatedAt, a.AllocatedBy);
}

public sealed record AllocationList(IReadOnlyList<AllocationView> Items);
