using System.Text.Json;
using System.Text.Json.Serialization;

namespace TrialManager.Api.Features.Outcomes.Scoring;

/// <summary>An item of an outcome measure: its answer type, range or options, and whether a complete assessment needs it.</summary>
public sealed record ItemDefinition(string Code, string Label, string Type,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? Min,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? Max,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<ChoiceOption>? Options,
    bool Required);

public sealed record ChoiceOption(string Value, string Label);

/// <summary>
/// A scale (subscale or total): its items, `sum` or `mean`, the reverse-scored items (scored min + max − answer),
/// the fewest answered items it needs (else no score), and whether a sum is prorated from the answered items
/// (sum × items / answered). `multiplier` rescales the result (e.g. a 0–4 mean × 25 gives 0–100); default 1.
/// </summary>
public sealed record ScaleDefinition(string Code, string Label, IReadOnlyList<string> Items, string Method, IReadOnlyList<string> ReverseItems,
    int MinAnswered, bool Prorate,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? Multiplier);

/// <summary>A code that records why an answer is missing (e.g. −99 refused); it counts as missing, never as a value.</summary>
public sealed record MissingCode(double Value, string Label);

/// <summary>An outcome measure as defined (the library's JSON and the trial's versions share this shape).</summary>
public sealed record InstrumentDefinition(string Code, string Title, string Source, IReadOnlyList<ItemDefinition> Items,
    IReadOnlyList<ScaleDefinition> Scales, IReadOnlyList<MissingCode> MissingCodes)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static InstrumentDefinition FromJson(string json) => JsonSerializer.Deserialize<InstrumentDefinition>(json, Json)!;
}
