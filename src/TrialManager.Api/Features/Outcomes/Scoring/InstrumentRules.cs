using System.Globalization;
using System.Text.Json;
using TrialManager.Api.Infrastructure.Errors;
using TrialManager.Api.Infrastructure.Validation;

namespace TrialManager.Api.Features.Outcomes.Scoring;

/// <summary>
/// The rules of an instrument, without I/O: whether a definition is coherent, whether answers fit it, and the scale
/// scores they give. Missing-data codes are answers that say why a value is missing; they are never values.
/// </summary>
public static class InstrumentRules
{
    public static readonly string[] ItemTypes = ["integer", "decimal", "choice", "text", "date"];
    public const int MaxTextLength = 2000;

    public const int MaxItems = 500, MaxScales = 100, MaxOptions = 100, MaxMissingCodes = 20, MaxSourceLength = 2000;

    /// <summary>The largest number a limit, missing code or multiplier may be: scores stay finite and exact enough.</summary>
    public const double MaxMagnitude = 1e9;

    /// <summary>
    /// Everything that makes a definition usable for ever: codes that survive CSV, ODM and URLs and are unique (item
    /// and scale codes share the wide extract's columns), one-line labels, finite ordered limits, distinct options,
    /// scales made of the instrument's numeric items, finite positive multipliers, and missing-data codes that can
    /// never be mistaken for a value. Any definition that passes can be scored, exported to CSV and ODM, and shown.
    /// </summary>
    public static IReadOnlyList<Violation> CheckDefinition(InstrumentDefinition d)
    {
        var problems = new List<Violation>();
        void Add(string field, string rule, string message) => problems.Add(new Violation(field, rule, message));
        if (!CodeRules.IsValidCode(d.Code))
            Add("code", "code", $"An instrument's code {CodeRules.CodeMessage}.");
        if (!CodeRules.IsValidTitle(d.Title))
            Add("title", "title", "An instrument needs a one-line title of at most 200 characters.");
        if (d.Source is { Length: > MaxSourceLength })
            Add("source", "max-length", $"The source is at most {MaxSourceLength} characters.");

        var items = d.Items ?? [];
        if (items.Count is 0 or > MaxItems)
            Add("items", "count", $"An instrument has 1 to {MaxItems} items.");
        for (var i = 0; i < items.Count; i++)
            CheckItem(items[i], $"items[{i}]", Add);
        foreach (var duplicate in items.Select(i => i.Code).Where(c => c is not null).GroupBy(c => c).Where(g => g.Count() > 1))
            Add("items", "unique", $"Item codes are unique ('{duplicate.Key}' is there twice).");

        var numeric = items.Where(i => i.Type is "integer" or "decimal" && i.Code is not null).GroupBy(i => i.Code).ToDictionary(g => g.Key, g => g.First());
        var scales = d.Scales ?? [];
        if (scales.Count > MaxScales)
            Add("scales", "count", $"An instrument has at most {MaxScales} scales.");
        for (var s = 0; s < scales.Count; s++)
            CheckScale(scales[s], $"scales[{s}]", numeric, Add);
        foreach (var duplicate in scales.Select(s => s.Code).Where(c => c is not null).GroupBy(c => c).Where(g => g.Count() > 1))
            Add("scales", "unique", $"Scale codes are unique ('{duplicate.Key}' is there twice).");
        foreach (var clash in scales.Select(s => s.Code).Where(c => c is not null && items.Any(i => i.Code == c)).Distinct())
            Add("scales", "unique", $"'{clash}' is an item's code and a scale's: extracts need one column each.");

        var missing = d.MissingCodes ?? [];
        if (missing.Count > MaxMissingCodes)
            Add("missingCodes", "count", $"An instrument has at most {MaxMissingCodes} missing-data codes.");
        for (var m = 0; m < missing.Count; m++)
        {
            var code = missing[m];
            if (!double.IsFinite(code.Value) || Math.Abs(code.Value) > MaxMagnitude)
                Add($"missingCodes[{m}].value", "finite", $"A missing-data code is a finite number of at most {MaxMagnitude:0} in size.");
            else if (numeric.Values.FirstOrDefault(i => code.Value >= i.Min && code.Value <= i.Max) is { } clash)
                Add($"missingCodes[{m}].value", "not-a-value", $"{code.Value} is a valid answer to '{clash.Code}': a missing-data code must never be one.");
            if (!CodeRules.IsValidTitle(code.Label))
                Add($"missingCodes[{m}].label", "title", "A missing-data code needs a one-line label of at most 200 characters.");
        }
        if (missing.Select(m => m.Value).Distinct().Count() != missing.Count)
            Add("missingCodes", "unique", "Missing-data codes are distinct.");
        return problems;
    }

    private static void CheckItem(ItemDefinition item, string field, Action<string, string, string> add)
    {
        if (!CodeRules.IsValidCode(item.Code))
            add($"{field}.code", "code", $"An item's code {CodeRules.CodeMessage}.");
        if (!CodeRules.IsValidTitle(item.Label))
            add($"{field}.label", "title", "An item needs a one-line label of at most 200 characters.");
        if (!ItemTypes.Contains(item.Type))
            add($"{field}.type", "one-of", $"An item's type is one of {string.Join(", ", ItemTypes)}.");
        if (item.Type is "integer" or "decimal")
        {
            if (item.Min is not { } min || item.Max is not { } max || !Finite(min) || !Finite(max) || min > max)
                add(field, "range", $"A numeric item has finite min <= max, at most {MaxMagnitude:0} in size.");
            else if (item.Type == "integer" && (min != Math.Floor(min) || max != Math.Floor(max)))
                add(field, "range", "An integer item's min and max are whole numbers.");
        }
        if (item.Type != "choice" && item.Options is not null)
            add($"{field}.options", "choice-only", "Only a choice item has options.");
        else if (item.Type == "choice")
        {
            var options = item.Options ?? [];
            if (options.Count is 0 or > MaxOptions)
                add($"{field}.options", "options", $"A choice item has 1 to {MaxOptions} options.");
            for (var o = 0; o < options.Count; o++)
            {
                if (!CodeRules.IsValidCode(options[o].Value))
                    add($"{field}.options[{o}].value", "code", $"An option's value {CodeRules.CodeMessage}.");
                if (!CodeRules.IsValidTitle(options[o].Label))
                    add($"{field}.options[{o}].label", "title", "An option needs a one-line label of at most 200 characters.");
            }
            if (options.Select(o => o.Value).Distinct().Count() != options.Count)
                add($"{field}.options", "unique", "A choice item's options are distinct.");
        }
    }

    private static void CheckScale(ScaleDefinition scale, string field, IReadOnlyDictionary<string, ItemDefinition> numeric,
        Action<string, string, string> add)
    {
        if (!CodeRules.IsValidCode(scale.Code))
            add($"{field}.code", "code", $"A scale's code {CodeRules.CodeMessage}.");
        if (!CodeRules.IsValidTitle(scale.Label))
            add($"{field}.label", "title", "A scale needs a one-line label of at most 200 characters.");
        var items = scale.Items ?? [];
        if (items.Count == 0 || items.Any(code => code is null || !numeric.ContainsKey(code)))
            add($"{field}.items", "numeric-items", "A scale is made of the instrument's numeric items.");
        if (items.Distinct().Count() != items.Count)
            add($"{field}.items", "unique", "A scale lists each item once.");
        var reverse = scale.ReverseItems ?? [];
        if (reverse.Any(code => !items.Contains(code)) || reverse.Distinct().Count() != reverse.Count)
            add($"{field}.reverseItems", "in-scale", "Reverse-scored items belong to the scale, each once.");
        if (scale.Method is not ("sum" or "mean"))
            add($"{field}.method", "one-of", "A scale's method is sum or mean.");
        if (scale.MinAnswered < 1 || scale.MinAnswered > Math.Max(items.Count, 1))
            add($"{field}.minAnswered", "between", "minAnswered is between 1 and the scale's item count.");
        if (scale.Multiplier is { } multiplier && (!Finite(multiplier) || multiplier <= 0))
            add($"{field}.multiplier", "positive", $"A multiplier is a finite number above 0, at most {MaxMagnitude:0}.");
    }

    private static bool Finite(double value) => double.IsFinite(value) && Math.Abs(value) <= MaxMagnitude;

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
        "choice" when value.ValueKind is not (JsonValueKind.String or JsonValueKind.Number) || !item.Options!.Any(o => o.Value == Text(value)) =>
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
