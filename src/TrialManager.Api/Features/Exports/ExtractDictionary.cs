using System.Globalization;
using System.Text.RegularExpressions;
using TrialManager.Api.Features.Outcomes.Scoring;

namespace TrialManager.Api.Features.Exports;

/// <summary>The kinds of column a CSV extract has, named as its data dictionary names them.</summary>
public static class ColumnType
{
    public const string String = "string", Categorical = "categorical", Date = "date", Integer = "integer", Decimal = "decimal";
}

/// <summary>A code of a categorical variable (or a labelled value of an integer one) and what it means.</summary>
public sealed record ExtractLevel(string Value, string Label);

/// <summary>
/// Missing-data codes of a column: on every row, or only on the rows whose columns hold the given values (the long
/// file's `value` holds each instrument's codes on that instrument's item rows only).
/// </summary>
public sealed record ExtractMissingCodes(IReadOnlyList<MissingCode> Codes, IReadOnlyList<(string Column, string Value)> Where);

/// <summary>One column of one file, with everything a reader needs to type, label and decode it.</summary>
public sealed record ExtractVariable(string Name, string Label, string Type)
{
    public IReadOnlyList<ExtractLevel> Levels { get; init; } = [];

    /// <summary>The values it takes when they are not listed as levels: "0 to 4", "yyyy-mm-dd".</summary>
    public string? Range { get; init; }

    public IReadOnlyList<ExtractMissingCodes> Missing { get; init; } = [];

    /// <summary>What an empty cell means, where that needs saying.</summary>
    public string? Empty { get; init; }

    /// <summary>How the service derived the value (scores, window flags); null for data as collected.</summary>
    public string? Derivation { get; init; }

    public string? AllowedText => Levels.Count > 0
        ? string.Join("; ", Levels.Select(l => l.Label == l.Value ? l.Value : $"{l.Value}={l.Label}"))
        : Range;

    public string? MissingText
    {
        get
        {
            var parts = Missing.GroupBy(m => Codes(m.Codes))
                .Select(g => g.All(m => m.Where.Count == 0) ? g.Key : $"on rows where {Rows(g.SelectMany(m => m.Where))}: {g.Key}")
                .ToList();
            if (Empty is not null)
                parts.Add($"empty: {Empty}");
            return parts.Count == 0 ? null : string.Join("; ", parts);
        }
    }

    /// <summary>"instrument is HHI or QPR and variable_kind is item".</summary>
    private static string Rows(IEnumerable<(string Column, string Value)> where) =>
        string.Join(" and ", where.GroupBy(w => w.Column).Select(g => $"{g.Key} is {string.Join(" or ", g.Select(w => w.Value).Distinct())}"));

    private static string Codes(IReadOnlyList<MissingCode> codes) =>
        string.Join("; ", codes.Select(c => $"{ExtractDictionary.Number(c.Value)}={c.Label}"));
}

/// <summary>A file of the extract: its name (`participants.csv`), what a row is, the columns that identify a row, and its columns.</summary>
public sealed record ExtractFile(string Name, string Rows, IReadOnlyList<string> Keys, IReadOnlyList<ExtractVariable> Variables)
{
    /// <summary>The name a script gives the file's data: `participants`.</summary>
    public string Frame => Path.GetFileNameWithoutExtension(Name);
}

/// <summary>
/// What every column of a CSV extract holds, in the one model that data_dictionary.csv, load.R and load.do are all
/// written from, so that the three cannot disagree. Built from the header alone, before any row is read.
/// </summary>
public sealed partial class ExtractDictionary
{
    public const string Participants = "participants.csv", Clusters = "clusters.csv", AssessmentsLong = "assessments_long.csv",
        AssessmentsWide = "assessments_wide.csv";

    private const string DateRange = "yyyy-mm-dd";
    private const string WindowDerivation = "computed by the service from assessed_on, the participant's baseline_date and the timepoint's window";

    private ExtractDictionary(ExtractHeader header, WideLayout wide, IReadOnlyList<ExtractFile> files)
    {
        Header = header;
        Wide = wide;
        Files = files;
    }

    public ExtractHeader Header { get; }

    /// <summary>Where each instrument's status, items and scales sit in a row of the wide file, after its fixed columns.</summary>
    public WideLayout Wide { get; }

    /// <summary>In the order the extract writes them: participants, clusters, assessments long, assessments wide.</summary>
    public IReadOnlyList<ExtractFile> Files { get; }

    public ExtractFile File(string name) => Files.Single(f => f.Name == name);

    /// <summary>Whether clusters.csv has a `stratum` column: only a sealed stratified design has strata.</summary>
    public bool Stratified => Header.Design.Randomisation?.StratifiedBy is not null;

    public static ExtractDictionary Of(ExtractHeader header)
    {
        var design = header.Design;
        var uses = design.Randomisation?.Uses ?? new Dictionary<string, string>();
        var arm = header.Blinded
            ? new ExtractVariable("arm", "Arm as a masked code: the same code for the same arm in every blinded extract of this trial", ColumnType.Categorical)
            : new ExtractVariable("arm", "Arm (the real allocation)", ColumnType.Categorical);
        arm = arm with { Levels = header.Arms.Select(a => new ExtractLevel(a.Code, a.Label)).ToList() };
        var participantId = new ExtractVariable("participant_id", "Participant (pseudonymous id)", ColumnType.String);
        var cluster = new ExtractVariable("cluster", "Cluster (unit of randomisation)", ColumnType.Categorical)
        {
            Levels = design.Clusters.Select(c => new ExtractLevel(c, c)).ToList(),
        };
        var site = new ExtractVariable("site", uses.TryGetValue("site", out var siteUse) ? $"Site ({siteUse})" : "Site", ColumnType.Categorical)
        {
            Levels = design.Sites.Select(s => new ExtractLevel(s, s)).ToList(),
        };
        var timepoint = new ExtractVariable("timepoint", "Timepoint", ColumnType.Categorical)
        {
            Levels = header.Timepoints.Select(t => new ExtractLevel(t.Code, t.Label)).ToList(),
        };

        ExtractVariable[] participants =
        [
            participantId,
            Categorical("kind", "Kind of participant", "patient", "staff"),
            cluster,
            site,
            arm with { Empty = "cluster not yet randomised" },
            new("consent_date", "Date of consent", ColumnType.Date) { Range = DateRange },
            new("baseline_date", "Baseline date", ColumnType.Date) { Range = DateRange },
            Categorical("status", "Follow-up status (participants who withdrew their data are not in the extract)",
                "active", "withdrawn-follow-up", "died", "lost"),
            new("status_date", "Date of the last status change", ColumnType.Date) { Range = DateRange, Empty = "still active" },
        ];

        var missingCodes = header.Instruments.GroupBy(i => i.Code).ToDictionary(g => g.Key, g => WideLayout.MissingCodes(g));
        ExtractVariable[] assessmentsLong =
        [
            participantId,
            timepoint,
            new("instrument", "Instrument", ColumnType.Categorical)
            {
                Levels = header.Instruments.DistinctBy(i => i.Code).Select(i => new ExtractLevel(i.Code, i.Definition.Title)).ToList(),
            },
            new("instrument_version", "Version of the instrument the assessment was entered with", ColumnType.Integer),
            Categorical("status", "Assessment status", WideLayout.AssessmentStatuses),
            new("assessed_on", "Date of the assessment", ColumnType.Date) { Range = DateRange },
            new("out_of_window", "Assessed outside the timepoint's window", ColumnType.Integer)
            {
                Levels = [new("0", "no"), new("1", "yes")], Derivation = WindowDerivation,
            },
            new("days_out_of_window", "Days outside the window (0 within it)", ColumnType.Integer) { Derivation = WindowDerivation },
            new("variable", "Item or scale code within the instrument (as in the wide file: instrument_variable)", ColumnType.String),
            Categorical("variable_kind", "Whether the row is an item answer or a scale score", "item", "scale"),
            new("value", "Numeric answer, missing-data code or scale score", ColumnType.Decimal)
            {
                Missing = missingCodes.Where(p => p.Value.Count > 0)
                    .Select(p => new ExtractMissingCodes(p.Value, [("instrument", p.Key), ("variable_kind", "item")])).ToList(),
                Empty = "not answered, not numeric, or scale not scorable",
                Derivation = "on scale rows, the score the service computed (described with the scale's column in assessments_wide.csv)",
            },
            new("value_text", "Text, date or non-numeric choice answer", ColumnType.String) { Empty = "not answered or numeric" },
        ];

        ExtractVariable[] wideKeys = [participantId, timepoint];
        // After the instrument columns, so that the columns the wide file always had keep their places.
        ExtractVariable[] wideDesign = [cluster, site, arm with { Empty = "cluster not yet randomised" }];
        var taken = new HashSet<string>(StringComparer.Ordinal);
        taken.UnionWith(participants.Select(v => v.Name));
        taken.UnionWith(wideKeys.Concat(wideDesign).Select(v => v.Name));
        var wide = WideLayout.Of(header.Instruments, taken);
        taken.UnionWith(wide.Columns.Select(c => c.Name));

        var clusters = new List<ExtractVariable> { cluster, site, arm with { Empty = "not yet randomised" } };
        taken.Add("stratum");
        if (design.Randomisation is { StratifiedBy: { } factors } randomisation)
            clusters.Add(new ExtractVariable("stratum", $"Stratum the cluster was randomised in (by {string.Join(", ", factors)})", ColumnType.Categorical)
            {
                Levels = randomisation.Strata.Select(s => new ExtractLevel(s, s)).ToList(),
                Empty = "not yet randomised",
            });
        foreach (var covariate in design.Covariates)
        {
            var label = $"{covariate.Name}: cluster covariate{(uses.TryGetValue(covariate.Name, out var use) ? $", {use}" : "")}";
            clusters.Add(covariate.Numeric
                ? new ExtractVariable(CovariateColumn(covariate.Name, taken), label, ColumnType.Decimal) { Empty = "not recorded for the cluster" }
                : new ExtractVariable(CovariateColumn(covariate.Name, taken), label, ColumnType.Categorical)
                {
                    Levels = covariate.Levels.Select(l => new ExtractLevel(l, l)).ToList(),
                    Empty = "not recorded for the cluster",
                });
        }

        return new ExtractDictionary(header, wide,
        [
            new ExtractFile(Participants, "one row per participant", ["participant_id"], participants),
            new ExtractFile(Clusters, "one row per cluster", ["cluster"], clusters),
            new ExtractFile(AssessmentsLong, "one row per participant, timepoint and item or scale",
                ["participant_id", "timepoint", "instrument", "variable"], assessmentsLong),
            new ExtractFile(AssessmentsWide, "one row per participant and timepoint", ["participant_id", "timepoint"], [.. wideKeys, .. wide.Columns, .. wideDesign]),
        ]);
    }

    private static ExtractVariable Categorical(string name, string label, params IEnumerable<string> levels) =>
        new(name, label, ColumnType.Categorical) { Levels = levels.Select(l => new ExtractLevel(l, l)).ToList() };

    /// <summary>
    /// `teamType` becomes `team_type`; a name another column of the extract already has gets a `cluster_` prefix, so that
    /// the analysis data set that merges the files keeps every column.
    /// </summary>
    private static string CovariateColumn(string covariate, HashSet<string> taken)
    {
        var name = Normalise(WordStart().Replace(covariate, "_"));
        if (taken.Contains(name))
            name = $"cluster_{name}";
        var unique = name;
        for (var n = 2; !taken.Add(unique); n++)
            unique = $"{name}_{n}";
        return unique;
    }

    /// <summary>Column names are lower-case letters, digits and '_', which R and Stata both accept.</summary>
    public static string Normalise(string name) => NotAllowed().Replace(name.ToLowerInvariant(), "_");

    public static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    [GeneratedRegex("[^a-z0-9_]")]
    private static partial Regex NotAllowed();

    [GeneratedRegex("(?<=[a-z0-9])(?=[A-Z])")]
    private static partial Regex WordStart();
}
