using System.Globalization;
using System.Text.Json;
using TrialManager.Api.Infrastructure.Errors;

namespace TrialManager.Api.Features.Outcomes.Scoring;

/// <summary>
/// The rules of an instrument, without I/O: whether a definition is coherent, whether answers fit it, and the scale
/// scores they give. Missing-data codes are answers that say why a value is missing; they are never values.
/// </summary>
public static class InstrumentRules
{
    public static readonly string[] ItemTypes = ["integer", "decimal", "choice", "text", "date"];
    public const int MaxTextLength = 2000;

    /// <summary>A definition's own problems: items well formed, scales made of its numeric items, codes unique.</summary>
    public static IReadOnlyList<Violation> CheckDefinition(InstrumentDefinition d)
    {
        var problems = new List<Violation>();
        if (d.Items.Count == 0)
            problems.Add(new Violation("items", "not-empty", "An instrument has at least one item."));
        if (d.Items.Select(i => i.Code).Distinct().Count() != d.Items.Count)
            problems.Add(new Violation("items", "unique", "Item codes are unique."));
        for (var i = 0; i < d.Items.Count; i++)
        {
            var item = d.Items[i];
            if (!ItemTypes.Contains(item.Type))
                problems.Add(new Violation($"items[{i}].type", "one-of", $"An item's type is one of {string.Join(", ", ItemTypes)}."));
            if (item.Type is "integer" or "decimal" && (item.Min is null || item.Max is null || item.Min > item.Max))
                problems.Add(new Violation($"items[{i}]", "range", "A numeric item has min <= max."));
            if (item.Type == "choice" && (item.Options is not { Count: > 0 } options || options.Select(o => o.Value).Distinct().Count() != options.Count))
                problems.Add(new Violation($"items[{i}].options", "options", "A choice item has distinct options."));
        }
        var numeric = d.Items.Where(i => i.Type is "integer" or "decimal").ToDictionary(i => i.Code);
        for (var s = 0; s < d.Scales.Count; s++)
        {
            var scale = d.Scales[s];
            if (scale.Items.Count == 0 || scale.Items.Any(code => !numeric.ContainsKey(code)))
                problems.Add(new Violation($"scales[{s}].items", "numeric-items", "A scale is made of the instrument's numeric items."));
            if (scale.ReverseItems.Any(code => !scale.Items.Contains(code)))
                problems.Add(new Violation($"scales[{s}].reverseItems", "in-scale", "Reverse-scored items belong to the scale."));
            if (scale.Method is not ("sum" or "mean"))
                problems.Add(new Violation($"scales[{s}].method", "one-of", "A scale's method is sum or mean."));
            if (scale.MinAnswered < 1 || scale.MinAnswered > scale.Items.Count)
                problems.Add(new Violation($"scales[{s}].minAnswered", "between", "minAnswered is between 1 and the scale's item count."));
        }
        if (d.Scales.Select(s => s.Code).Distinct().Count() != d.Scales.Count)
            problems.Add(new Violation("scales", "unique", "Scale codes are unique."));
        return problems;
    }

    /// <summary>Every problem with the answers at once, each named by its item code. Required items count only when complete.</summary>
    public static IReadOnlyList<Violation> CheckAnswers(InstrumentDefinition d, IReadOnlyDictionary<string, JsonElement> answers, bool complete)
    {
        var problems = new List<Violation>();
        var items = d.Items.ToDictionary(i => i.Code);
        foreach (var (code, value) in answers)
        {
            var field = $"answers.{code}";
            if (!items.TryGetValue(code, out var item))
            {
                problems.Add(new Violation(field, "known-item", $"'{code}' is not an item of {d.Code}."));
                continue;
            }
            if (value.ValueKind == JsonValueKind.Null || IsMissingCode(d, value))
                continue;
            if (Problem(item, value) is { } problem)
                problems.Add(new Violation(field, problem.Rule, problem.Message));
        }
        if (complete)
            foreach (var item in d.Items.Where(i => i.Required && (!answers.TryGetValue(i.Code, out var v) || v.ValueKind == JsonValueKind.Null)))
                problems.Add(new Violation($"answers.{item.Code}", "required", $"'{item.Code}' is required for a complete assessment (or a missing-data code)."));
        return problems;
    }

    /// <summary>The scores of every scale, or null for a scale with too few answered items.</summary>
    public static IReadOnlyDictionary<string, double?> Score(InstrumentDefinition d, IReadOnlyDictionary<string, JsonElement> answers)
    {
        var items = d.Items.ToDictionary(i => i.Code);
        var scores = new Dictionary<string, double?>();
        foreach (var scale in d.Scales)
        {
            var values = new List<double>();
            foreach (var code in scale.Items)
            {
                if (!answers.TryGetValue(code, out var answer) || answer.ValueKind != JsonValueKind.Number || IsMissingCode(d, answer))
                    continue;
                var value = answer.GetDouble();
                var item = items[code];
                values.Add(scale.ReverseItems.Contains(code) ? item.Min!.Value + item.Max!.Value - value : value);
            }
            if (values.Count < scale.MinAnswered)
            {
                scores[scale.Code] = null;
                continue;
            }
            var score = scale.Method == "mean"
                ? values.Average()
                : scale.Prorate ? values.Sum() * scale.Items.Count / values.Count : values.Sum();
            scores[scale.Code] = Math.Round(score * (scale.Multiplier ?? 1), 6);
        }
        return scores;
    }

    private static bool IsMissingCode(InstrumentDefinition d, JsonElement value) =>
        value.ValueKind == JsonValueKind.Number && d.MissingCodes.Any(m => m.Value == value.GetDouble());

    private static (string Rule, string Message)? Problem(ItemDefinition item, JsonElement value) => item.Type switch
    {
        "integer" when value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out _) => ("integer", "An integer is expected (or a missing-data code)."),
        "decimal" when value.ValueKind != JsonValueKind.Number => ("number", "A number is expected (or a missing-data code)."),
        "integer" or "decimal" when value.GetDouble() < item.Min || value.GetDouble() > item.Max =>
            ("range", $"The value must be between {item.Min} and {item.Max} (or a missing-data code)."),
        "choice" when !item.Options!.Any(o => o.Value == Text(value)) =>
            ("option", $"The value must be one of: {string.Join(", ", item.Options!.Select(o => o.Value))}."),
        "text" when value.ValueKind != JsonValueKind.String || value.GetString()!.Length > MaxTextLength =>
            ("text", $"Text of at most {MaxTextLength} characters is expected."),
        "date" when value.ValueKind != JsonValueKind.String || !DateOnly.TryParseExact(value.GetString(), "yyyy-MM-dd", out _) =>
            ("date", "A date (yyyy-mm-dd) is expected."),
        _ => null,
    };

    private static string Text(JsonElement value) => value.ValueKind == JsonValueKind.Number
        ? value.GetDouble().ToString(CultureInfo.InvariantCulture)
        : value.GetString() ?? "";
}
