using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using System.Text.RegularExpressions;
using CsvHelper;
using TrialManager.Api.Features.Outcomes.Scoring;

namespace TrialManager.Api.Features.Exports;

/// <summary>
/// The CSV extract: a zip of participants, clusters, assessments in long and wide form, a data dictionary and a
/// manifest (written last, with each other file's row count and SHA-256, hashed as it is written). The files load
/// as they are in R (`read.csv`) and Stata (`import delimited`): UTF-8 without BOM, comma-separated, ISO dates,
/// '.' decimals, empty for missing, 0/1 for yes/no, and missing-data codes kept as their numeric codes (the
/// dictionary says which codes mean what). Names are lower-case letters, digits and '_'.
/// </summary>
public static partial class CsvExtractWriter
{
    public const string Participants = "participants.csv", Clusters = "clusters.csv", AssessmentsLong = "assessments_long.csv",
        AssessmentsWide = "assessments_wide.csv", Dictionary = "data_dictionary.csv", Manifest = "manifest.json";

    /// <summary>RFC 4180 quoting, invariant culture, no byte order mark; LF line ends, which R and Stata read on every platform.</summary>
    private static readonly CsvWriterOptions Csv = CsvWriterOptions.Default with { NewLine = "\n" };

    public sealed record FileEntry(string Name, long Rows, long Bytes, string Sha256);

    public static async Task<IReadOnlyList<FileEntry>> WriteAsync(Stream output, ExtractReader extract, Func<long, Task>? progress, CancellationToken ct)
    {
        var header = extract.Header;
        var layout = WideLayout.Of(header.Instruments);
        var files = new List<FileEntry>();
        await using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            files.Add(await EntryAsync(zip, header, Participants, csv => ParticipantsAsync(csv, extract.ParticipantsAsync(ct), ct), ct));
            files.Add(await EntryAsync(zip, header, Clusters, csv => ClustersAsync(csv, extract.ClustersAsync(ct), ct), ct));
            files.Add(await EntryAsync(zip, header, AssessmentsLong, csv => LongAsync(csv, header, extract.AssessmentsAsync(progress, ct), ct), ct));
            files.Add(await EntryAsync(zip, header, AssessmentsWide, csv => WideAsync(csv, layout, extract.AssessmentsAsync(null, ct), ct), ct));
            files.Add(await EntryAsync(zip, header, Dictionary, csv => DictionaryAsync(csv, header, layout, ct), ct));
            await ManifestAsync(zip, header, files, ct);
        }
        return files;
    }

    private static async Task<FileEntry> EntryAsync(ZipArchive zip, ExtractHeader header, string name, Func<CsvWriter, Task<long>> write,
        CancellationToken ct)
    {
        var entry = zip.CreateEntry(name, CompressionLevel.Fastest);
        entry.LastWriteTime = header.CreatedAt;
        await using var entryStream = await entry.OpenAsync(ct);
        await using var hashing = new HashingStream(entryStream, leaveOpen: true);
        long rows;
        await using (var csv = CsvWriter.Create(hashing, Csv, leaveOpen: true))
        {
            rows = await write(csv);
            await csv.FlushAsync(ct);
        }
        return new FileEntry(name, rows, hashing.BytesWritten, hashing.Sha256Hex);
    }

    private static async Task<long> ParticipantsAsync(CsvWriter csv, IAsyncEnumerable<ExtractParticipant> participants, CancellationToken ct)
    {
        await RowAsync(csv, "participant_id", "kind", "cluster", "site", "arm", "consent_date", "baseline_date", "status", "status_date");
        long rows = 0;
        await foreach (var p in participants.WithCancellation(ct))
        {
            await RowAsync(csv, p.ExternalId, p.Kind, p.ClusterCode, p.SiteCode, p.Arm, Date(p.ConsentDate), Date(p.BaselineDate), p.Status, Date(p.StatusDate));
            rows++;
        }
        return rows;
    }

    private static async Task<long> ClustersAsync(CsvWriter csv, IAsyncEnumerable<ExtractCluster> clusters, CancellationToken ct)
    {
        await RowAsync(csv, "cluster", "site", "arm");
        long rows = 0;
        await foreach (var c in clusters.WithCancellation(ct))
        {
            await RowAsync(csv, c.Code, c.SiteCode, c.Arm);
            rows++;
        }
        return rows;
    }

    /// <summary>One row per participant × timepoint × item or scale of the version the assessment was entered with.</summary>
    private static async Task<long> LongAsync(CsvWriter csv, ExtractHeader header, IAsyncEnumerable<ExtractAssessment> assessments, CancellationToken ct)
    {
        var definitions = header.Instruments.ToDictionary(i => (i.Code, i.Version), i => i.Definition);
        await RowAsync(csv, "participant_id", "timepoint", "instrument", "instrument_version", "status", "assessed_on", "out_of_window",
            "days_out_of_window", "variable", "variable_kind", "value", "value_text");
        long rows = 0;
        await foreach (var a in assessments.WithCancellation(ct))
        {
            var definition = definitions[(a.InstrumentCode, a.InstrumentVersion)];
            string[] common = [a.ParticipantExternalId, a.TimepointCode, a.InstrumentCode, Integer(a.InstrumentVersion), a.Status, Date(a.AssessedOn)!,
                a.OutOfWindow ? "1" : "0", Integer(a.DaysOutOfWindow)];
            foreach (var item in definition.Items)
            {
                var (value, text) = a.Answers.TryGetValue(item.Code, out var answer) ? Answer(answer) : (null, null);
                foreach (var field in common)
                    csv.WriteField(field);
                csv.WriteField(item.Code);
                csv.WriteField("item");
                csv.WriteField(value ?? "");
                csv.WriteField(text ?? "");
                await csv.EndRecordAsync(ct);
                rows++;
            }
            foreach (var scale in definition.Scales)
            {
                foreach (var field in common)
                    csv.WriteField(field);
                csv.WriteField(scale.Code);
                csv.WriteField("scale");
                csv.WriteField(a.Scores.TryGetValue(scale.Code, out var score) ? Number(score) ?? "" : "");
                csv.WriteField("");
                await csv.EndRecordAsync(ct);
                rows++;
            }
        }
        return rows;
    }

    /// <summary>One row per participant × timepoint: the assessments arrive ordered so, and a row is written when its key changes.</summary>
    private static async Task<long> WideAsync(CsvWriter csv, WideLayout layout, IAsyncEnumerable<ExtractAssessment> assessments, CancellationToken ct)
    {
        await RowAsync(csv, ["participant_id", "timepoint", .. layout.Columns.Select(c => c.Name)]);
        var values = new string?[layout.Columns.Count];
        (string Participant, string Timepoint)? current = null;
        long rows = 0;
        await foreach (var a in assessments.WithCancellation(ct))
        {
            var key = (a.ParticipantExternalId, a.TimepointCode);
            if (current is { } open && open != key)
            {
                await RowAsync(csv, [open.Participant, open.Timepoint, .. values]);
                rows++;
                Array.Clear(values);
            }
            current = key;
            if (!layout.Blocks.TryGetValue(a.InstrumentCode, out var block))
                continue;
            values[block.Status] = a.Status;
            values[block.AssessedOn] = Date(a.AssessedOn);
            values[block.Version] = Integer(a.InstrumentVersion);
            foreach (var (code, answer) in a.Answers)
                if (block.Items.TryGetValue(code, out var column))
                {
                    var (value, text) = Answer(answer);
                    values[column] = value ?? text;
                }
            foreach (var (code, score) in a.Scores)
                if (block.Scales.TryGetValue(code, out var column))
                    values[column] = Number(score);
        }
        if (current is { } last)
        {
            await RowAsync(csv, [last.Participant, last.Timepoint, .. values]);
            rows++;
        }
        return rows;
    }

    private static async Task<long> DictionaryAsync(CsvWriter csv, ExtractHeader header, WideLayout layout, CancellationToken ct)
    {
        var rows = 0L;
        async Task Variable(string file, string variable, string label, string type, string? allowed = null, string? missing = null)
        {
            await RowAsync(csv, file, variable, label, type, allowed, missing);
            rows++;
        }
        await RowAsync(csv, "file", "variable", "label", "type", "allowed_values", "missing_codes");
        var arm = header.Blinded
            ? ("Arm as a masked code: the same code for the same arm in every blinded extract of this trial", string.Join("; ", header.Arms.Select(a => a.Code)))
            : ("Arm (the real allocation)", string.Join("; ", header.Arms.Select(a => $"{a.Code}={a.Label}")));
        var timepoints = string.Join("; ", header.Timepoints.Select(t => $"{t.Code}={t.Label}"));
        var instruments = string.Join("; ", header.Instruments.DistinctBy(i => i.Code).Select(i => $"{i.Code}={i.Definition.Title}"));
        const string assessmentStatus = "draft; complete; verified; locked";

        await Variable(Participants, "participant_id", "Participant (pseudonymous id)", "string");
        await Variable(Participants, "kind", "Kind of participant", "categorical", "patient; staff");
        await Variable(Participants, "cluster", "Cluster (unit of randomisation)", "string");
        await Variable(Participants, "site", "Site", "string");
        await Variable(Participants, "arm", arm.Item1, "categorical", arm.Item2, "empty: cluster not yet randomised");
        await Variable(Participants, "consent_date", "Date of consent", "date", "yyyy-mm-dd");
        await Variable(Participants, "baseline_date", "Baseline date", "date", "yyyy-mm-dd");
        await Variable(Participants, "status", "Follow-up status (participants who withdrew their data are not in the extract)", "categorical",
            "active; withdrawn-follow-up; died; lost");
        await Variable(Participants, "status_date", "Date of the last status change", "date", "yyyy-mm-dd", "empty: still active");
        await Variable(Clusters, "cluster", "Cluster (unit of randomisation)", "string");
        await Variable(Clusters, "site", "Site", "string");
        await Variable(Clusters, "arm", arm.Item1, "categorical", arm.Item2, "empty: not yet randomised");

        await Variable(AssessmentsLong, "participant_id", "Participant (pseudonymous id)", "string");
        await Variable(AssessmentsLong, "timepoint", "Timepoint", "categorical", timepoints);
        await Variable(AssessmentsLong, "instrument", "Instrument", "categorical", instruments);
        await Variable(AssessmentsLong, "instrument_version", "Version of the instrument the assessment was entered with", "integer");
        await Variable(AssessmentsLong, "status", "Assessment status", "categorical", assessmentStatus);
        await Variable(AssessmentsLong, "assessed_on", "Date of the assessment", "date", "yyyy-mm-dd");
        await Variable(AssessmentsLong, "out_of_window", "Assessed outside the timepoint's window", "integer", "0=no; 1=yes");
        await Variable(AssessmentsLong, "days_out_of_window", "Days outside the window (0 within it)", "integer");
        await Variable(AssessmentsLong, "variable", "Item or scale code within the instrument (as in the wide file: instrument_variable)", "string");
        await Variable(AssessmentsLong, "variable_kind", "Whether the row is an item answer or a scale score", "categorical", "item; scale");
        await Variable(AssessmentsLong, "value", "Numeric answer, missing-data code or scale score", "decimal", null,
            "empty: not answered, not numeric, or scale not scorable; item missing-data codes as listed for the item in assessments_wide.csv");
        await Variable(AssessmentsLong, "value_text", "Text, date or non-numeric choice answer", "string", null, "empty: not answered or numeric");

        await Variable(AssessmentsWide, "participant_id", "Participant (pseudonymous id)", "string");
        await Variable(AssessmentsWide, "timepoint", "Timepoint", "categorical", timepoints);
        foreach (var column in layout.Columns)
            await Variable(AssessmentsWide, column.Name, column.Label, column.Type, column.Allowed, column.Missing);
        ct.ThrowIfCancellationRequested();
        return rows;
    }

    private static async Task ManifestAsync(ZipArchive zip, ExtractHeader header, IReadOnlyList<FileEntry> files, CancellationToken ct)
    {
        var entry = zip.CreateEntry(Manifest, CompressionLevel.Fastest);
        entry.LastWriteTime = header.CreatedAt;
        await using var stream = await entry.OpenAsync(ct);
        var manifest = new
        {
            trialId = header.TrialId, trial = header.TrialCode, trialTitle = header.TrialTitle,
            createdAt = header.CreatedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
            requestedBy = header.RequestedBy, blinded = header.Blinded, format = "csv",
            files = files.Select(f => new { name = f.Name, rows = f.Rows, bytes = f.Bytes, sha256 = f.Sha256 }),
        };
        await JsonSerializer.SerializeAsync(stream, manifest, new JsonSerializerOptions { WriteIndented = true }, ct);
    }

    private static async Task RowAsync(CsvWriter csv, params string?[] fields)
    {
        foreach (var field in fields)
            csv.WriteField(field ?? "");
        await csv.EndRecordAsync();
    }

    /// <summary>A number goes to `value` (missing-data codes too: they are numbers); anything else to `value_text`.</summary>
    private static (string? Value, string? Text) Answer(JsonElement answer) => answer.ValueKind switch
    {
        JsonValueKind.Number => (Number(answer.GetDouble()), null),
        JsonValueKind.String => (null, answer.GetString()),
        JsonValueKind.True => ("1", null),
        JsonValueKind.False => ("0", null),
        _ => (null, null),
    };

    private static string? Number(double? value) => value?.ToString("R", CultureInfo.InvariantCulture);
    private static string Integer(int value) => value.ToString(CultureInfo.InvariantCulture);
    private static string? Date(DateOnly? date) => date?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>The columns of the wide file: per instrument its status, date and version, then every item and scale of every version.</summary>
    public sealed class WideLayout
    {
        public sealed record Column(string Name, string Label, string Type, string? Allowed, string? Missing);

        public sealed record Block(int Status, int AssessedOn, int Version, Dictionary<string, int> Items, Dictionary<string, int> Scales);

        public List<Column> Columns { get; } = [];
        public Dictionary<string, Block> Blocks { get; } = [];
        private readonly HashSet<string> _names = ["participant_id", "timepoint"];

        public static WideLayout Of(IReadOnlyList<ExtractInstrument> instruments)
        {
            var layout = new WideLayout();
            foreach (var versions in instruments.GroupBy(i => i.Code))
            {
                var code = versions.Key;
                // The latest version's wording labels the columns; items and scales of older versions follow.
                var definitions = versions.OrderByDescending(v => v.Version).Select(v => v.Definition).ToList();
                var latest = definitions[0];
                var missing = latest.MissingCodes.Count == 0 ? null
                    : string.Join("; ", latest.MissingCodes.Select(m => $"{Number(m.Value)}={m.Label}"));
                var block = new Block(
                    layout.Add(code, "status", $"{latest.Title}: assessment status", "categorical", "draft; complete; verified; locked", "empty: not assessed"),
                    layout.Add(code, "assessed_on", $"{latest.Title}: date of the assessment", "date", "yyyy-mm-dd", null),
                    layout.Add(code, "version", $"{latest.Title}: instrument version", "integer", string.Join("; ", versions.Select(v => v.Version)), null),
                    [], []);
                foreach (var item in definitions.SelectMany(d => d.Items).DistinctBy(i => i.Code))
                    block.Items[item.Code] = layout.Add(code, item.Code, $"{latest.Title}: {item.Label}", ItemType(item), Allowed(item),
                        item.Type is "integer" or "decimal" ? missing : null);
                foreach (var scale in definitions.SelectMany(d => d.Scales).DistinctBy(s => s.Code))
                    block.Scales[scale.Code] = layout.Add(code, scale.Code,
                        $"{latest.Title}: {scale.Label} ({scale.Method} of {scale.Items.Count} items{(scale.ReverseItems.Count > 0 ? ", some reverse-scored" : "")})",
                        "decimal", null, $"empty: fewer than {scale.MinAnswered} items answered");
                layout.Blocks[code] = block;
            }
            return layout;
        }

        private int Add(string instrument, string variable, string label, string type, string? allowed, string? missing)
        {
            var name = NotAllowed().Replace($"{instrument}_{variable}".ToLowerInvariant(), "_");
            var unique = name;
            for (var n = 2; !_names.Add(unique); n++)
                unique = $"{name}_{n}";
            Columns.Add(new Column(unique, label, type, allowed, missing));
            return Columns.Count - 1;
        }

        private static string ItemType(ItemDefinition item) => item.Type switch
        {
            "choice" => "categorical",
            "text" => "string",
            _ => item.Type,
        };

        private static string? Allowed(ItemDefinition item) => item.Type switch
        {
            "integer" or "decimal" => $"{Number(item.Min)} to {Number(item.Max)}",
            "choice" => string.Join("; ", item.Options!.Select(o => $"{o.Value}={o.Label}")),
            "date" => "yyyy-mm-dd",
            _ => null,
        };
    }

    [GeneratedRegex("[^a-z0-9_]")]
    private static partial Regex NotAllowed();
}
