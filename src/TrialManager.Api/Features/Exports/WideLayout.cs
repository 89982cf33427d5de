using TrialManager.Api.Features.Outcomes.Scoring;

namespace TrialManager.Api.Features.Exports;

/// <summary>
/// The instrument columns of the wide file: per instrument its status, date and version, then every item and scale of
/// every version (the latest version's wording labels them), and where each sits in a row.
/// </summary>
public sealed class WideLayout
{
    public static readonly string[] AssessmentStatuses = ["draft", "complete", "verified", "locked"];

    public sealed record Block(int Status, int AssessedOn, int Version, Dictionary<string, int> Items, Dictionary<string, int> Scales);

    private readonly HashSet<string> _names;

    private WideLayout(IEnumerable<string> taken) => _names = new HashSet<string>(taken, StringComparer.Ordinal);

    public List<ExtractVariable> Columns { get; } = [];
    public Dictionary<string, Block> Blocks { get; } = [];

    /// <param name="taken">Names the extract's other columns have, which an instrument column must not repeat.</param>
    public static WideLayout Of(IReadOnlyList<ExtractInstrument> instruments, IEnumerable<string> taken)
    {
        var layout = new WideLayout(taken);
        foreach (var versions in instruments.GroupBy(i => i.Code))
        {
            var code = versions.Key;
            var definitions = versions.OrderByDescending(v => v.Version).Select(v => v.Definition).ToList();
            var title = definitions[0].Title;
            var missing = MissingCodes(versions);
            // Any item takes a missing-data code in place of an answer, whatever its type.
            ExtractMissingCodes[] itemMissing = missing.Count == 0 ? [] : [new(missing, [])];
            var block = new Block(
                layout.Add(code, "status", new ExtractVariable("", $"{title}: assessment status", ColumnType.Categorical)
                {
                    Levels = AssessmentStatuses.Select(s => new ExtractLevel(s, s)).ToList(), Empty = "not assessed",
                }),
                layout.Add(code, "assessed_on", new ExtractVariable("", $"{title}: date of the assessment", ColumnType.Date) { Range = "yyyy-mm-dd" }),
                layout.Add(code, "version", new ExtractVariable("", $"{title}: instrument version", ColumnType.Integer)
                {
                    Range = string.Join("; ", versions.Select(v => v.Version)),
                }),
                [], []);
            foreach (var item in definitions.SelectMany(d => d.Items).GroupBy(i => i.Code))
                block.Items[item.Key] = layout.Add(code, item.Key, Item(title, item.ToList(), itemMissing));
            foreach (var scale in definitions.SelectMany(d => d.Scales).DistinctBy(s => s.Code))
                block.Scales[scale.Code] = layout.Add(code, scale.Code, new ExtractVariable("",
                    $"{title}: {scale.Label} ({scale.Method} of {scale.Items.Count} items{(scale.ReverseItems.Count > 0 ? ", some reverse-scored" : "")})",
                    ColumnType.Decimal)
                {
                    Empty = $"fewer than {scale.MinAnswered} items answered",
                    Derivation = layout.Derivation(scale, block),
                });
            layout.Blocks[code] = block;
        }
        return layout;
    }

    /// <summary>Every code any version of an instrument has (an old version's code is still in its assessments), the latest's first.</summary>
    public static IReadOnlyList<MissingCode> MissingCodes(IEnumerable<ExtractInstrument> versions) =>
        versions.OrderByDescending(v => v.Version).SelectMany(v => v.Definition.MissingCodes).DistinctBy(m => m.Value).ToList();

    private int Add(string instrument, string variable, ExtractVariable column)
    {
        var name = ExtractDictionary.Normalise($"{instrument}_{variable}");
        var unique = name;
        for (var n = 2; !_names.Add(unique); n++)
            unique = $"{name}_{n}";
        Columns.Add(column with { Name = unique });
        return Columns.Count - 1;
    }

    /// <param name="versions">The item as each version defines it, the latest first.</param>
    private static ExtractVariable Item(string title, IReadOnlyList<ItemDefinition> versions, IReadOnlyList<ExtractMissingCodes> missing)
    {
        var latest = versions[0];
        var label = $"{title}: {latest.Label}";
        var types = versions.Select(i => ItemType(i)).Distinct().ToList();
        // An item whose type changed between versions is kept as entered: no one type reads every answer.
        if (types.Count > 1)
            return new ExtractVariable("", label, ColumnType.String) { Missing = missing };
        return new ExtractVariable("", label, types[0])
        {
            // Options of every version, so that an answer given to an older version still has its meaning.
            Levels = latest.Type == "choice"
                ? versions.SelectMany(i => i.Options!).DistinctBy(o => o.Value).Select(o => new ExtractLevel(o.Value, o.Label)).ToList()
                : [],
            Range = latest.Type switch
            {
                "integer" or "decimal" => $"{ExtractDictionary.Number(latest.Min!.Value)} to {ExtractDictionary.Number(latest.Max!.Value)}",
                "date" => "yyyy-mm-dd",
                _ => null,
            },
            Missing = missing,
        };
    }

    private static string ItemType(ItemDefinition item) => item.Type switch
    {
        "choice" => ColumnType.Categorical,
        "text" => ColumnType.String,
        "integer" => ColumnType.Integer,
        "decimal" => ColumnType.Decimal,
        _ => ColumnType.Date,
    };

    /// <summary>How the service scores a scale, in terms of the wide file's columns, so that an analyst can re-compute it.</summary>
    private string Derivation(ScaleDefinition scale, Block block)
    {
        string Column(string item) => Columns[block.Items[item]].Name;
        var text = $"score computed by the service: {scale.Method} of {string.Join(", ", scale.Items.Select(Column))}";
        if (scale.ReverseItems.Count > 0)
            text += $"; reverse-scored (min + max - answer): {string.Join(", ", scale.ReverseItems.Select(Column))}";
        text += $"; at least {scale.MinAnswered} answered";
        if (scale.Method == "sum" && scale.Prorate)
            text += ", prorated (sum x items / answered)";
        if (scale.Multiplier is { } multiplier && multiplier != 1)
            text += $"; multiplied by {ExtractDictionary.Number(multiplier)}";
        return text;
    }
}
