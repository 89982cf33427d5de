using System.Text.RegularExpressions;
using TrialManager.Api.Features.Exports;
using TrialManager.Api.Features.Outcomes;
using TrialManager.Data.Trials;

namespace TrialManager.Tests.Unit.Exports;

/// <summary>
/// load.do, which cannot run here (no Stata), read back for every variable of the dictionary it was written from: a
/// blinded, stratified extract with every instrument of the library pack (QPR in two versions) and a covariate whose
/// name Stata would not take as it is.
/// </summary>
public sealed partial class StataLoadScriptTests
{
    /// <summary>The commands load.do may use: plain, documented Stata.</summary>
    private static readonly string[] Commands =
    [
        "version", "import delimited", "rename", "mvdecode", "generate long", "quietly replace", "assert", "format", "drop", "order",
        "label define", "label values", "label variable", "save", "use", "merge m:1", "sort",
    ];

    private const string LongCovariate = "staffTurnoverInTheTwelveMonthsBeforeRandomisation";

    private static ExtractDictionary Dictionary()
    {
        var library = InstrumentLibrary.All;
        var qpr = library.Single(d => d.Code == "QPR");
        var qprV2 = qpr with { Items = qpr.Items.Select(i => i.Code == "q1" ? i with { Max = 5 } : i).ToList() };
        ExtractInstrument[] instruments = [.. library.Select(d => new ExtractInstrument(d.Code, 1, d)), new("QPR", 2, qprV2)];
        var design = new ExtractClusterDesign(["GLOS", "SLAM"], ["C1", "C2", "C3"],
        [
            new ExtractCovariate("caseload", true, []),
            new ExtractCovariate(LongCovariate, true, []),
            new ExtractCovariate("teamType", false, ["assertive", "support"]),
        ], new ExtractRandomisation("stratified-block", new Dictionary<string, string> { ["site"] = "stratification factor" }, ["site"],
            ["site=GLOS", "site=SLAM"]));
        var header = new ExtractHeader(Guid.Parse("0b7ad9f4-3f42-4d3c-8a53-1f5e2d7c9a10"), "REFOCUS", "REFOCUS", true,
            new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero), "stats@example.org", [new("A", "A"), new("B", "B")],
            [new("baseline", "Baseline", 0, 0, 30), new("12m", "One year", 365, 30, 60)], instruments, design);
        return ExtractDictionary.Of(header);
    }

    [Test]
    public void Load_do_imports_renames_labels_and_decodes_every_dictionary_variable()
    {
        var dictionary = Dictionary();
        var script = StataLoadScript.Write(dictionary);
        var lines = Logical(script);
        var letters = MissingLetterComments().Matches(script).ToDictionary(m => m.Groups[2].Value, m => m.Groups[1].Value);
        var codes = dictionary.Files.SelectMany(f => f.Variables).SelectMany(v => v.Missing).SelectMany(m => m.Codes)
            .Select(c => ExtractDictionary.Number(c.Value)).Distinct().ToList();

        Assert.Multiple(() =>
        {
            Assert.That(lines.Where(l => !l.StartsWith('*')).Where(l => !Commands.Any(c => l.StartsWith(c + " ", StringComparison.Ordinal))),
                Is.Empty, "only plain Stata commands");
            Assert.That(codes, Is.Not.Empty);
            Assert.That(letters.Keys, Is.EquivalentTo(codes), "each missing-data code has its extended missing value");
            Assert.That(letters.Values, Is.Unique.And.All.Match("^\\.[a-z]$"));

            foreach (var file in dictionary.Files)
            {
                var section = Section(lines, file.Name);
                var names = section.Select(l => Rename().Match(l)).Where(m => m.Success)
                    .ToDictionary(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), m => m.Groups[2].Value);
                Assert.That(names.Keys, Is.EqualTo(Enumerable.Range(1, file.Variables.Count)), $"{file.Name}: every column imported and renamed");
                Assert.That(section, Has.Some.EqualTo($"save \"{file.Frame}.dta\", replace"));
                for (var i = 0; i < file.Variables.Count; i++)
                {
                    var v = file.Variables[i];
                    var name = names[i + 1];
                    var what = $"{file.Name} {v.Name}";
                    Assert.That(name, Does.Match("^[A-Za-z_][A-Za-z0-9_]{0,31}$"), what);
                    var label = section.SingleOrDefault(l => l.StartsWith($"label variable {name} ", StringComparison.Ordinal));
                    Assert.That(label, Is.Not.Null, $"{what}: label variable");
                    var text = Unquote(label![$"label variable {name} ".Length..]);
                    // Stata keeps 80 characters of a label: a longer one is cut at a word and ends with "...".
                    if (v.Label.Length <= 80)
                        Assert.That(text, Is.EqualTo(v.Label), $"{what}: its label");
                    else
                        Assert.That(v.Label, Does.StartWith(text[..^3]).And.Length.GreaterThan(80), $"{what}: its label, shortened");
                    if (v.Type == ColumnType.Categorical)
                    {
                        var values = section.SingleOrDefault(l => l.StartsWith($"label values {name} ", StringComparison.Ordinal));
                        Assert.That(values, Is.Not.Null, $"{what}: label values");
                        var define = section.Concat(lines).First(l => l.StartsWith($"label define {values![$"label values {name} ".Length..]} ", StringComparison.Ordinal));
                        var entries = Entry().Matches(define).Select(m => (Code: m.Groups[1].Value, Label: m.Groups[2].Value)).ToList();
                        Assert.That(entries.Where(e => !e.Code.StartsWith('.')).Select(e => e.Label), Is.EqualTo(v.Levels.Select(l => l.Label)),
                            $"{what}: a value label per level");
                        Assert.That(entries.Where(e => e.Code.StartsWith('.')).Select(e => e.Code),
                            Is.EquivalentTo(v.Missing.SelectMany(m => m.Codes).Select(c => letters[ExtractDictionary.Number(c.Value)]).Distinct()),
                            $"{what}: the value label names each missing-data code's reason");
                    }
                    foreach (var code in v.Missing.SelectMany(m => m.Where.Count == 0 ? m.Codes : []))
                    {
                        var number = ExtractDictionary.Number(code.Value);
                        var letter = letters[number];
                        Assert.That(section, Has.Some.Matches(v.Type switch
                        {
                            ColumnType.Integer or ColumnType.Decimal => $"^mvdecode .*\\b{name}\\b.*, mv\\(.*{Regex.Escape(number)}={Regex.Escape(letter)}\\b",
                            ColumnType.String => $"^quietly replace {name} = \"\" if {name} == \"{Regex.Escape(number)}\"$",
                            _ => $"^quietly replace _tm = {Regex.Escape(letter)} if {name} == \"{Regex.Escape(number)}\"$",
                        }), $"{what}: code {number} becomes {letter}");
                    }
                    foreach (var rows in v.Missing.Where(m => m.Where.Count > 0))
                        Assert.That(section, Has.Some.StartsWith($"mvdecode {name} if {string.Join(" & ", rows.Where.Select(w => $"{names[file.Variables.ToList().FindIndex(c => c.Name == w.Column) + 1]} == \"{w.Value}\""))}, mv("),
                            $"{what}: codes decoded on {string.Join(", ", rows.Where)} rows only");
                }
            }

            var longColumn = dictionary.File(ExtractDictionary.Clusters).Variables.Single(v => v.Label.StartsWith(LongCovariate, StringComparison.Ordinal)).Name;
            Assert.That(longColumn, Has.Length.GreaterThan(32));
            Assert.That(lines, Has.Some.EqualTo($"rename v6 {longColumn[..32]}"), "a long name is cut to Stata's 32 characters");
            Assert.That(lines, Has.Some.EqualTo($"*   {longColumn} is {longColumn[..32]}"), "and the script says so");
            // Each data set with an arm carries the same value label: masked codes only.
            Assert.That(lines.Where(l => l.StartsWith("label define arm", StringComparison.Ordinal)),
                Has.Exactly(3).Items.And.All.EqualTo("label define arm 1 \"A\" 2 \"B\", replace"));
            Assert.That(lines, Has.Some.EqualTo("merge m:1 participant_id using \"participants.dta\", keep(master match) nogenerate"));
            Assert.That(lines, Has.Some.EqualTo("merge m:1 cluster using \"clusters.dta\", keep(master match) nogenerate"));
            Assert.That(lines, Has.Some.EqualTo("save \"analysis.dta\", replace"));
        });
    }

    [Test]
    public void Text_escapes_what_Stata_would_expand()
    {
        Assert.That(StataLoadScript.Text("cost in $ and `x'"), Is.EqualTo("\"cost in \\$ and \\`x'\""));
        Assert.That(StataLoadScript.Text("a \"quoted\"\nlabel"), Is.EqualTo("`\"a \"quoted\" label\"'"));
    }

    /// <summary>Joins `///` continuations, so that each element is one command.</summary>
    private static List<string> Logical(string script) =>
        script.Replace(" ///\n    ", " ", StringComparison.Ordinal).Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();

    /// <summary>A file's commands: from its `import delimited` to the `save` of its data set.</summary>
    private static List<string> Section(List<string> lines, string file)
    {
        var start = lines.FindIndex(l => l.StartsWith($"import delimited using \"{file}\"", StringComparison.Ordinal));
        Assert.That(start, Is.GreaterThanOrEqualTo(0), $"{file} is imported");
        var end = lines.FindIndex(start, l => l.StartsWith("save ", StringComparison.Ordinal));
        return lines[start..(end + 1)];
    }

    private static string Unquote(string text) =>
        text.StartsWith("`\"", StringComparison.Ordinal) ? text[2..^2] : text.Trim('"').Replace("\\$", "$", StringComparison.Ordinal);

    [GeneratedRegex(@"^\*   (\.[a-z]) = (-?[0-9.]+) \(", RegexOptions.Multiline)]
    private static partial Regex MissingLetterComments();

    [GeneratedRegex(@"^rename v(\d+) (\S+)$")]
    private static partial Regex Rename();

    [GeneratedRegex("(\\.?[a-z]|-?\\d+) \"((?:[^\"])*)\"")]
    private static partial Regex Entry();
}
