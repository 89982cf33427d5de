using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using TrialManager.Api.Features.Outcomes.Scoring;

namespace TrialManager.Api.Features.Exports;

/// <summary>
/// load.do, written from the extract's dictionary in plain, documented Stata (16 or later) commands: `import delimited`
/// with each column's type, `rename`, `mvdecode`, `generate`/`replace` for dates and categorical codes, `label define`,
/// `label values`, `label variable`, `merge` and `save`. Categorical codes become numbers with value labels (a choice
/// whose options are whole numbers keeps them as its codes); missing-data codes become extended missing values, one
/// letter per code across the trial (.a for the first code met, ...), which keep the reason. Columns are imported by
/// position and renamed, so that a name Stata would not accept as it is (longer than 32 characters, a reserved word)
/// is shortened predictably and the script says so.
/// </summary>
public static partial class StataLoadScript
{
    private const int Width = 110, MaxName = 32, MaxVariableLabel = 80;

    /// <summary>The largest value a Stata `long` holds; codes beyond it are numbered 1, 2, ... instead.</summary>
    private const long MaxLong = 2_147_483_620;

    /// <summary>The scratch variable a conversion builds before it takes the column's place; no column is given this name.</summary>
    private const string Scratch = "_tm";

    public static string Write(ExtractDictionary dictionary)
    {
        var header = dictionary.Header;
        var names = StataNames(dictionary);
        var letters = MissingLetters(dictionary);
        var labels = new ValueLabels();
        var s = new StringBuilder();
        void Line(string text = "") => s.Append(text).Append('\n');

        Line($"* load.do: loads the {(header.Blinded ? "blinded" : "unblinded")} CSV extract of trial {header.TrialCode} written at " +
            $"{header.CreatedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss'Z'", CultureInfo.InvariantCulture)} into Stata.");
        if (header.Blinded)
            Line("* arm is a masked code (A, B, ...): the same code for the same arm in every blinded extract of the trial.");
        Line("* Generated with the extract from its data dictionary (data_dictionary.csv), in plain Stata 16 or later.");
        Line("* In Stata, cd to the folder of the unzipped extract and type:  do load.do");
        Line($"* It saves one data set per file ({string.Join(", ", dictionary.Files.Select(f => f.Frame + ".dta"))})");
        Line("* and analysis.dta, each row of assessments_wide with its participant's and its cluster's variables, which it");
        Line("* leaves in memory.");
        Line("* Variables are labelled, categorical codes are numbers with value labels, and missing-data codes are");
        Line("* extended missing values that keep the reason:");
        var codes = dictionary.Files.SelectMany(f => f.Variables).SelectMany(v => v.Missing).SelectMany(m => m.Codes).DistinctBy(c => c.Value).ToList();
        foreach (var code in codes)
            Line($"*   {letters[code.Value]} = {ExtractDictionary.Number(code.Value)} ({OneLine(code.Label)})");
        if (codes.Count == 0)
            Line("*   (this extract has no missing-data codes)");
        if (codes.Any(c => letters[c.Value] == "."))
            Line("* Stata has 26 extended missing values; the codes above shown as . are plain missing values.");
        var renamed = names.Where(p => p.Key != p.Value).ToList();
        if (renamed.Count > 0)
        {
            Line("* Columns whose names Stata does not accept as they are:");
            foreach (var (column, name) in renamed)
                Line($"*   {column} is {name}");
        }
        Line();
        Line("version 16");

        foreach (var file in dictionary.Files)
            WriteFile(s, file, names, letters, labels);

        string N(string column) => names[column];
        Line();
        Line("* analysis: each row of assessments_wide with its participant's and its cluster's variables");
        Line($"use \"{dictionary.File(ExtractDictionary.AssessmentsWide).Frame}.dta\", clear");
        Line($"merge m:1 {N("participant_id")} using \"{dictionary.File(ExtractDictionary.Participants).Frame}.dta\", keep(master match) nogenerate");
        Line($"merge m:1 {N("cluster")} using \"{dictionary.File(ExtractDictionary.Clusters).Frame}.dta\", keep(master match) nogenerate");
        Line($"sort {N("participant_id")} {N("timepoint")}");
        Line("save \"analysis.dta\", replace");
        return s.ToString();
    }

    private static void WriteFile(StringBuilder s, ExtractFile file, IReadOnlyDictionary<string, string> names,
        IReadOnlyDictionary<double, string> letters, ValueLabels labels)
    {
        void Line(string text = "") => s.Append(Wrap(text)).Append('\n');
        string N(ExtractVariable v) => names[v.Name];
        static bool Numeric(ExtractVariable v) => v.Type is ColumnType.Integer or ColumnType.Decimal;
        var columns = file.Variables.Select((v, i) => (Variable: v, Position: i + 1)).ToList();

        Line();
        Line($"* {file.Name}: {file.Rows}");
        var strings = Positions(columns.Where(c => !Numeric(c.Variable)).Select(c => c.Position));
        var numbers = Positions(columns.Where(c => Numeric(c.Variable)).Select(c => c.Position));
        Line($"import delimited using \"{file.Name}\", clear varnames(nonames) rowrange(2) delimiters(\",\") bindquotes(strict) " +
            "maxquotedrows(unlimited) encoding(\"utf-8\") asdouble" +
            (strings.Length > 0 ? $" stringcols({strings})" : "") + (numbers.Length > 0 ? $" numericcols({numbers})" : ""));
        foreach (var (v, position) in columns)
            Line($"rename v{position} {N(v)}");

        foreach (var v in file.Variables.Where(Numeric))
            foreach (var m in v.Missing.Where(m => m.Where.Count > 0))
                Line($"mvdecode {N(v)} if {Where(m, names)}, mv({Decode(m.Codes, letters)})");
        foreach (var group in file.Variables.Where(v => Numeric(v) && EveryRowCodes(v).Count > 0).GroupBy(v => Decode(EveryRowCodes(v), letters)))
            Line($"mvdecode {string.Join(" ", group.Select(N))}, mv({group.Key})");

        foreach (var v in file.Variables.Where(v => v.Type == ColumnType.Date))
        {
            Line($"generate long {Scratch} = date({N(v)}, \"YMD\")");
            CodedMissing(v);
            Line($"assert {Scratch} != . if {N(v)} != \"\"{Unlettered(v)}");
            Line($"format {Scratch} %td");
            Replace(v);
        }
        foreach (var v in file.Variables.Where(v => v.Type == ColumnType.String))
            foreach (var code in EveryRowCodes(v))
                Line($"quietly replace {N(v)} = \"\" if {N(v)} == {Text(ExtractDictionary.Number(code.Value))}");
        foreach (var v in file.Variables.Where(v => v.Type == ColumnType.Categorical))
        {
            Line($"generate long {Scratch} = .");
            foreach (var (code, value) in Codes(v))
                Line($"quietly replace {Scratch} = {code} if {N(v)} == {Text(value)}");
            CodedMissing(v);
            Line($"assert {Scratch} != . if {N(v)} != \"\"{Unlettered(v)}");
            Replace(v);
        }
        Line($"order {string.Join(" ", file.Variables.Select(N))}");

        // Each data set carries the value labels it uses; a name means the same labels in every file.
        var defined = new HashSet<string>(StringComparer.Ordinal);
        foreach (var v in file.Variables)
        {
            var entries = LabelEntries(v, letters);
            if (entries.Count == 0)
                continue;
            var name = labels.Name(v.Levels.Count > 0 ? N(v) : "missing", entries);
            if (defined.Add(name))
                Line($"label define {name} {string.Join(" ", entries.Select(e => $"{e.Code} {Text(e.Label)}"))}, replace");
            Line($"label values {N(v)} {name}");
        }
        foreach (var v in file.Variables)
            Line($"label variable {N(v)} {Text(Truncate(v.Label, MaxVariableLabel))}");
        Line($"save \"{file.Frame}.dta\", replace");

        void CodedMissing(ExtractVariable v)
        {
            foreach (var code in EveryRowCodes(v).Where(c => letters[c.Value] != "."))
                Line($"quietly replace {Scratch} = {letters[code.Value]} if {N(v)} == {Text(ExtractDictionary.Number(code.Value))}");
        }

        // A code without a letter stays a plain missing value, which the check must allow.
        string Unlettered(ExtractVariable v) =>
            string.Concat(EveryRowCodes(v).Where(c => letters[c.Value] == ".").Select(c => $" & {N(v)} != {Text(ExtractDictionary.Number(c.Value))}"));

        void Replace(ExtractVariable v)
        {
            Line($"drop {N(v)}");
            Line($"rename {Scratch} {N(v)}");
        }
    }

    private static IReadOnlyList<MissingCode> EveryRowCodes(ExtractVariable v) =>
        v.Missing.Where(m => m.Where.Count == 0).SelectMany(m => m.Codes).DistinctBy(c => c.Value).ToList();

    private static string Where(ExtractMissingCodes codes, IReadOnlyDictionary<string, string> names) =>
        string.Join(" & ", codes.Where.Select(w => $"{names[w.Column]} == {Text(w.Value)}"));

    /// <summary>"-99=.a \ -98=.b": the mv() of mvdecode.</summary>
    private static string Decode(IEnumerable<MissingCode> codes, IReadOnlyDictionary<double, string> letters) =>
        string.Join(" \\ ", codes.Select(c => $"{ExtractDictionary.Number(c.Value)}={letters[c.Value]}"));

    /// <summary>The numbers a categorical variable's levels get: their own values when all are whole numbers, else 1, 2, ...</summary>
    private static IReadOnlyList<(string Code, string Value)> Codes(ExtractVariable v)
    {
        var whole = v.Levels.Select(l => long.TryParse(l.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)
            && n.ToString(CultureInfo.InvariantCulture) == l.Value && Math.Abs(n) <= MaxLong ? n : (long?)null).ToList();
        return whole.All(n => n is not null)
            ? v.Levels.Select((l, i) => (whole[i]!.Value.ToString(CultureInfo.InvariantCulture), l.Value)).ToList()
            : v.Levels.Select((l, i) => ((i + 1).ToString(CultureInfo.InvariantCulture), l.Value)).ToList();
    }

    /// <summary>The value label of a variable: its levels by their codes, then what each of its missing-data codes' letters means.</summary>
    private static IReadOnlyList<(string Code, string Label)> LabelEntries(ExtractVariable v, IReadOnlyDictionary<double, string> letters)
    {
        var levels = v.Type == ColumnType.String ? [] : Codes(v).Zip(v.Levels, (c, l) => (c.Code, OneLine(l.Label))).ToList();
        var missing = v.Type == ColumnType.String ? []
            : v.Missing.SelectMany(m => m.Codes).DistinctBy(c => c.Value).Where(c => letters[c.Value] != ".")
                .Select(c => (letters[c.Value], OneLine(c.Label)));
        return [.. levels, .. missing];
    }

    /// <summary>A Stata name for every column of the extract: the same column name gets the same Stata name in every file.</summary>
    private static Dictionary<string, string> StataNames(ExtractDictionary dictionary)
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        var taken = new HashSet<string>(StringComparer.Ordinal) { Scratch };
        foreach (var column in dictionary.Files.SelectMany(f => f.Variables).Select(v => v.Name).Distinct())
            names[column] = Unique(Valid(column), taken);
        return names;
    }

    /// <summary>Names start with a letter or '_', are at most 32 characters and are not one of Stata's reserved words.</summary>
    private static string Valid(string column)
    {
        var name = char.IsAsciiDigit(column[0]) ? "_" + column : column;
        if (Reserved.Contains(name) || StorageType().IsMatch(name))
            name += "_";
        return name.Length <= MaxName ? name : name[..MaxName];
    }

    private static string Unique(string name, HashSet<string> taken)
    {
        var unique = name;
        for (var n = 2; !taken.Add(unique); n++)
        {
            var suffix = $"_{n}";
            unique = (name.Length + suffix.Length <= MaxName ? name : name[..(MaxName - suffix.Length)]) + suffix;
        }
        return unique;
    }

    private static readonly HashSet<string> Reserved =
        ["_all", "_b", "byte", "_coef", "_cons", "double", "float", "if", "in", "int", "long", "_n", "_N", "_pi", "_pred", "_rc", "_skip",
         "strL", "using", "with"];

    [GeneratedRegex("^str[0-9]+$")]
    private static partial Regex StorageType();

    /// <summary>.a, .b, ... for the trial's missing-data codes in the order the dictionary first lists them; `.` after the 26th.</summary>
    private static Dictionary<double, string> MissingLetters(ExtractDictionary dictionary)
    {
        var letters = new Dictionary<double, string>();
        foreach (var code in dictionary.Files.SelectMany(f => f.Variables).SelectMany(v => v.Missing).SelectMany(m => m.Codes))
            letters.TryAdd(code.Value, letters.Count < 26 ? $".{(char)('a' + letters.Count)}" : ".");
        return letters;
    }

    /// <summary>
    /// Value label names: a variable's own name for its levels (shared by the files that have the same variable with the
    /// same levels, which the merge needs), `missing` for labels of missing-data codes alone, numbered when taken.
    /// </summary>
    private sealed class ValueLabels
    {
        private readonly Dictionary<string, string> _contents = new(StringComparer.Ordinal);

        public string Name(string wanted, IReadOnlyList<(string Code, string Label)> entries)
        {
            var content = string.Join("\n", entries.Select(e => $"{e.Code}\t{e.Label}"));
            var name = wanted;
            for (var n = 2; _contents.TryGetValue(name, out var existing); n++)
            {
                if (existing == content)
                    return name;
                var suffix = $"_{n}";
                name = (wanted.Length + suffix.Length <= MaxName ? wanted : wanted[..(MaxName - suffix.Length)]) + suffix;
            }
            _contents[name] = content;
            return name;
        }
    }

    /// <summary>"1/5 7 9/10": a numlist of column positions.</summary>
    private static string Positions(IEnumerable<int> positions)
    {
        var runs = new List<(int First, int Last)>();
        foreach (var p in positions)
            if (runs.Count > 0 && runs[^1].Last == p - 1)
                runs[^1] = (runs[^1].First, p);
            else
                runs.Add((p, p));
        return string.Join(" ", runs.Select(r => r.First == r.Last ? $"{r.First}" : $"{r.First}/{r.Last}"));
    }

    /// <summary>
    /// A Stata string: compound quotes when it holds a double quote; `$` and the backquote escaped, which would otherwise
    /// expand macros.
    /// </summary>
    public static string Text(string value)
    {
        var escaped = OneLine(value).Replace("`", "\\`", StringComparison.Ordinal).Replace("$", "\\$", StringComparison.Ordinal);
        return escaped.Contains('"') ? $"`\"{escaped}\"'" : $"\"{escaped}\"";
    }

    private static string OneLine(string text) => LineBreaks().Replace(text, " ");

    /// <summary>Stata keeps 80 characters of a variable label: a longer one ends at a word, with "...".</summary>
    private static string Truncate(string text, int characters)
    {
        var runes = text.EnumerateRunes().ToList();
        if (runes.Count <= characters)
            return text;
        var kept = string.Concat(runes.Take(characters - 3).Select(r => r.ToString()));
        var space = kept.LastIndexOf(' ');
        return (space > 0 ? kept[..space] : kept) + "...";
    }

    [GeneratedRegex("[\\r\\n\\t]")]
    private static partial Regex LineBreaks();

    /// <summary>Breaks a long command at its spaces (outside strings) with Stata's `///` continuation.</summary>
    private static string Wrap(string line)
    {
        if (line.Length <= Width || line.StartsWith('*'))
            return line;
        var result = new StringBuilder();
        var start = 0;
        var inString = false;
        var lastBreak = -1;
        for (var i = 0; i < line.Length; i++)
        {
            if (line[i] == '"')
                inString = !inString;
            else if (line[i] == ' ' && !inString)
                lastBreak = i;
            if (i - start >= Width && lastBreak > start)
            {
                result.Append(line, start, lastBreak - start).Append(" ///\n    ");
                start = lastBreak + 1;
            }
        }
        return result.Append(line, start, line.Length - start).ToString();
    }
}
