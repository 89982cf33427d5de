using CsvHelper;

namespace TrialManager.Tests.Integration.Exports;

/// <summary>A row of an extract's data_dictionary.csv, read as a statistician's tools would read it.</summary>
public sealed record DictionaryRow(string File, string Variable, string Label, string Type, string Allowed, string Missing, string Derivation)
{
    public static List<DictionaryRow> Read(string dictionaryCsv)
    {
        using var csv = CsvReader.FromText(dictionaryCsv, null);
        var rows = new List<DictionaryRow>();
        while (csv.Read())
            rows.Add(new DictionaryRow(csv.GetString("file"), csv.GetString("variable"), csv.GetString("label"), csv.GetString("type"),
                csv.GetString("allowed_values"), csv.GetString("missing_codes"), csv.GetString("derivation")));
        return rows;
    }

    /// <summary>
    /// The levels of a categorical variable: bare codes, or `code=label` pairs, where a part without `=` continues the
    /// label before it (a title may hold "; "). A stratum such as `site=SLAM` is one code.
    /// </summary>
    public IReadOnlyList<(string Value, string Label)> Levels
    {
        get
        {
            var parts = Allowed.Split("; ");
            if (Variable == "stratum" || !parts.Any(p => p.Contains('=')))
                return parts.Select(p => (p, p)).ToList();
            var levels = new List<(string Value, string Label)>();
            foreach (var part in parts)
                if (part.Split('=', 2) is [var value, var label])
                    levels.Add((value, label));
                else
                    levels[^1] = (levels[^1].Value, $"{levels[^1].Label}; {part}");
            return levels;
        }
    }

    /// <summary>The missing-data codes listed for every row of the column (`-99=Refused`), without the `empty:` note.</summary>
    public IReadOnlyList<(double Code, string Label)> MissingCodes =>
        Missing.Length == 0 || Missing.StartsWith("on rows", StringComparison.Ordinal) ? []
            : Missing.Split("; ").Where(part => !part.StartsWith("empty:", StringComparison.Ordinal))
                .Select(part => part.Split('=', 2)).Select(p => (double.Parse(p[0], System.Globalization.CultureInfo.InvariantCulture), p[1])).ToList();

    public string Frame => Path.GetFileNameWithoutExtension(File);
}
