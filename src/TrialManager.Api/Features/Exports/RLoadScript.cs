using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using TrialManager.Api.Features.Outcomes.Scoring;

namespace TrialManager.Api.Features.Exports;

/// <summary>
/// load.R, written from the extract's dictionary: it reads every file into R with explicit column classes, turns
/// categorical codes into factors with the dictionary's labels and missing-data codes into NA, puts variable labels in
/// attr(x, "label") (where the labelled, Hmisc and haven packages look), and merges the wide assessments with their
/// participants and clusters into `analysis`. Base R only: a statistician's R has it everywhere. R has no tagged
/// missing values, so why each coded value is missing goes to a data frame of its own, `missing_reasons`.
/// </summary>
public static partial class RLoadScript
{
    private const int Width = 110;

    public static string Write(ExtractDictionary dictionary)
    {
        var header = dictionary.Header;
        var wide = dictionary.File(ExtractDictionary.AssessmentsWide);
        var frames = dictionary.Files.Select(f => f.Frame).ToList();
        var r = new StringBuilder();
        void Line(string text = "") => r.Append(text).Append('\n');

        Line($"# load.R: loads the {(header.Blinded ? "blinded" : "unblinded")} CSV extract of trial {header.TrialCode} written at " +
            $"{header.CreatedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss'Z'", CultureInfo.InvariantCulture)} into R.");
        if (header.Blinded)
            Line("# `arm` is a masked code (A, B, ...): the same code for the same arm in every blinded extract of the trial.");
        Line("# Generated with the extract from its data dictionary (data_dictionary.csv); it needs base R only.");
        Line("# In the folder of the unzipped extract, run");
        Line("#   Rscript load.R        or, in R,   source(\"load.R\")");
        Line($"# It makes one data frame per file ({string.Join(", ", frames)})");
        Line("# and `analysis`, each row of assessments_wide with its participant's and its cluster's variables, and saves");
        Line("# them all in analysis.RData.");
        Line("# Variable labels are in attr(x, \"label\"), categorical codes are factors, and missing-data codes are NA;");
        Line($"# missing_reasons says which code each was in {wide.Name}.");
        Line();
        Line("read_extract <- function(file, types) {");
        Line("  data <- read.csv(file, colClasses = types, na.strings = \"\", encoding = \"UTF-8\", check.names = FALSE)");
        Line("  if (!identical(names(data), names(types))) stop(file, \" does not have the columns its data dictionary lists\")");
        Line("  data");
        Line("}");
        Line();
        Line("# A code that the dictionary does not list would silently become NA in factor(): it stops the script instead.");
        Line("as_factor <- function(x, levels, labels = levels) {");
        Line("  unknown <- unique(x[!is.na(x) & !(x %in% levels)])");
        Line("  if (length(unknown) > 0) stop(\"values not in the data dictionary: \", paste(unknown, collapse = \", \"))");
        Line("  factor(x, levels = levels, labels = labels)");
        Line("}");
        Line();
        Line($"missing_reasons <- data.frame({string.Join(", ", wide.Keys.Select(k => $"{Text(k)} = character()"))}, " +
            "variable = character(), code = numeric(), reason = character())");
        Line();
        Line("# Missing-data codes become NA; the code and what it means go to missing_reasons.");
        Line("as_missing <- function(data, variables, codes) {");
        Line("  for (variable in variables) {");
        Line("    coded <- which(data[[variable]] %in% codes)");
        Line("    if (length(coded) > 0) {");
        Line("      code <- codes[match(as.character(data[[variable]][coded]), as.character(codes))]");
        Line($"      missing_reasons <<- rbind(missing_reasons, data.frame(data[coded, {Vector(wide.Keys)}, drop = FALSE],");
        Line("        variable = variable, code = unname(code), reason = names(code)))");
        Line("      data[[variable]][coded] <- NA");
        Line("    }");
        Line("  }");
        Line("  data");
        Line("}");
        Line();
        Line("set_labels <- function(data, labels) {");
        Line("  for (variable in intersect(names(data), names(labels))) attr(data[[variable]], \"label\") <- labels[[variable]]");
        Line("  data");
        Line("}");

        foreach (var file in dictionary.Files)
            WriteFile(r, file);

        var participants = dictionary.File(ExtractDictionary.Participants).Frame;
        var clusters = dictionary.File(ExtractDictionary.Clusters).Frame;
        Line();
        Line($"# missing_reasons identifies rows as {wide.Frame} does");
        foreach (var key in wide.Keys.Select(k => wide.Variables.Single(v => v.Name == k)).Where(v => v.Type == ColumnType.Categorical))
            Line(Wrap(Factor($"missing_reasons${key.Name}", key)));
        Line("rownames(missing_reasons) <- NULL");
        Line();
        Line("# analysis: each row of assessments_wide with its participant's and its cluster's variables");
        Line($"analysis <- merge({wide.Frame}, {participants}[c(\"participant_id\", setdiff(names({participants}), names({wide.Frame})))],");
        Line("  by = \"participant_id\", all.x = TRUE, sort = FALSE)");
        Line($"analysis <- merge(analysis, {clusters}[c(\"cluster\", setdiff(names({clusters}), names(analysis)))], by = \"cluster\", all.x = TRUE, sort = FALSE)");
        Line($"analysis <- analysis[order(analysis$participant_id, analysis$timepoint), unique(c(names({wide.Frame}), names({participants}), names({clusters})))]");
        Line("rownames(analysis) <- NULL");
        Line();
        // Labels go on last: subsetting and merging drop the attributes of a column.
        foreach (var file in dictionary.Files)
            Line($"{file.Frame} <- set_labels({file.Frame}, {file.Frame}_labels)");
        Line($"analysis <- set_labels(analysis, c({wide.Frame}_labels, {participants}_labels, {clusters}_labels))");
        Line();
        List<string> saved = [.. frames, "analysis", "missing_reasons"];
        Line($"save({string.Join(", ", saved)}, file = \"analysis.RData\")");
        Line($"for (name in {Vector(saved)}) {{");
        Line("  cat(sprintf(\"%-17s %8d rows %4d columns\\n\", name, nrow(get(name)), ncol(get(name))))");
        Line("}");
        Line("cat(\"Saved in analysis.RData\\n\")");
        return r.ToString();
    }

    private static void WriteFile(StringBuilder r, ExtractFile file)
    {
        void Line(string text = "") => r.Append(text).Append('\n');
        var frame = file.Frame;
        string Column(ExtractVariable v) => Syntactic(v.Name) ? $"{frame}${v.Name}" : $"{frame}[[{Text(v.Name)}]]";

        Line();
        Line($"# {file.Name}: {file.Rows}");
        Line($"{frame} <- read_extract({Text(file.Name)}, c(");
        for (var i = 0; i < file.Variables.Count; i++)
        {
            var v = file.Variables[i];
            Line($"  {Text(v.Name)} = {Text(ColumnClass(v))}{(i < file.Variables.Count - 1 ? "," : "")}");
        }
        Line("))");
        foreach (var v in file.Variables)
            foreach (var codes in v.Missing.Where(m => m.Where.Count > 0))
            {
                var rows = string.Join(" & ", codes.Where.Select(w => $"{Column(file.Variables.Single(c => c.Name == w.Column))} == {Text(w.Value)}"));
                Line($"coded <- which({rows} & {Column(v)} %in% {Numbers(codes.Codes)})");
                Line($"{Column(v)}[coded] <- NA");
            }
        var everyRow = file.Variables.Where(v => v.Missing.Any(m => m.Where.Count == 0))
            .GroupBy(v => Named(v.Missing.Where(m => m.Where.Count == 0).SelectMany(m => m.Codes)
                .Select(c => (c.Label, ExtractDictionary.Number(c.Value)))));
        foreach (var group in everyRow)
            Line(Wrap($"{frame} <- as_missing({frame}, {Vector(group.Select(v => v.Name))}, {group.Key})"));
        foreach (var v in file.Variables.Where(v => v.Type == ColumnType.Date && ColumnClass(v) == "character"))
            Line($"{Column(v)} <- as.Date({Column(v)}, format = \"%Y-%m-%d\")");
        foreach (var v in file.Variables.Where(v => v.Type == ColumnType.Categorical))
            Line(Wrap(Factor(Column(v), v)));
        Line($"{frame}_labels <- c(");
        for (var i = 0; i < file.Variables.Count; i++)
        {
            var v = file.Variables[i];
            Line($"  {Text(v.Name)} = {Text(v.Label)}{(i < file.Variables.Count - 1 ? "," : "")}");
        }
        Line(")");
    }

    private static string Factor(string column, ExtractVariable v) => v.Levels.All(l => l.Label == l.Value)
        ? $"{column} <- as_factor({column}, {Vector(v.Levels.Select(l => l.Value))})"
        : $"{column} <- as_factor({column}, {Vector(v.Levels.Select(l => l.Value))}, {Vector(v.Levels.Select(l => l.Label))})";

    /// <summary>
    /// The class read.csv reads a column as. Categorical codes are read as text (a choice may be a word or a number);
    /// a date column that can hold a missing-data code is read as text and converted once the codes are gone.
    /// </summary>
    private static string ColumnClass(ExtractVariable v) => v.Type switch
    {
        ColumnType.Integer => "integer",
        ColumnType.Decimal => "numeric",
        ColumnType.Date when v.Missing.Count == 0 => "Date",
        _ => "character",
    };

    private static string Numbers(IReadOnlyList<MissingCode> codes) =>
        $"c({string.Join(", ", codes.Select(c => ExtractDictionary.Number(c.Value)))})";

    /// <summary>c("Refused" = -99, "Not applicable" = -98): codes named by what they mean.</summary>
    private static string Named(IEnumerable<(string Label, string Value)> codes) =>
        $"c({string.Join(", ", codes.Select(c => $"{Text(c.Label)} = {c.Value}"))})";

    private static string Vector(IEnumerable<string> values) => $"c({string.Join(", ", values.Select(Text))})";

    /// <summary>Breaks a long call after its commas, so that the script stays readable.</summary>
    private static string Wrap(string line)
    {
        if (line.Length <= Width)
            return line;
        var result = new StringBuilder();
        var start = 0;
        var inString = false;
        var lastBreak = -1;
        for (var i = 0; i < line.Length; i++)
        {
            if (line[i] == '"' && (i == 0 || line[i - 1] != '\\'))
                inString = !inString;
            else if (line[i] == ',' && !inString)
                lastBreak = i;
            if (i - start >= Width && lastBreak > start)
            {
                result.Append(line, start, lastBreak + 1 - start).Append('\n').Append("    ");
                start = lastBreak + 2;
            }
        }
        return result.Append(line, start, line.Length - start).ToString();
    }

    private static bool Syntactic(string name) => SyntacticName().IsMatch(name) && !Reserved.Contains(name);

    private static readonly HashSet<string> Reserved =
        ["if", "else", "repeat", "while", "function", "for", "next", "break", "in", "TRUE", "FALSE", "NULL", "Inf", "NaN", "NA"];

    [GeneratedRegex("^[a-z][a-z0-9_.]*$")]
    private static partial Regex SyntacticName();

    /// <summary>An R string literal: ASCII only (a script read in any locale keeps its labels), everything else escaped.</summary>
    public static string Text(string value)
    {
        var text = new StringBuilder("\"");
        foreach (var rune in value.EnumerateRunes())
        {
            var c = rune.Value;
            text.Append(c switch
            {
                '\\' => "\\\\",
                '"' => "\\\"",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                < 0x20 or 0x7f => $"\\u{c:x4}",
                < 0x80 => ((char)c).ToString(),
                <= 0xffff => $"\\u{c:x4}",
                _ => $"\\U{c:x8}",
            });
        }
        return text.Append('"').ToString();
    }
}
