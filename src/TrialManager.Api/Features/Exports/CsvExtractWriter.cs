using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using System.Text;
using System.Text.Json.Serialization;
using CsvHelper;
using TrialManager.Data.Trials;

namespace TrialManager.Api.Features.Exports;

/// <summary>
/// The CSV extract: a zip of participants, clusters, assessments in long and wide form, a data dictionary, scripts
/// that load it all into R (`load.R`) and Stata (`load.do`), and a manifest (written last, with each other file's row
/// count and SHA-256, hashed as it is written). The files load as they are in R (`read.csv`) and Stata
/// (`import delimited`): UTF-8 without BOM, comma-separated, ISO dates, '.' decimals, empty for missing, 0/1 for
/// yes/no, and missing-data codes kept as their numeric codes (the dictionary says which codes mean what). Names are
/// lower-case letters, digits and '_'. The dictionary, the scripts and every file's columns come from one
/// <see cref="ExtractDictionary"/>.
/// </summary>
public static class CsvExtractWriter
{
    public const string Participants = ExtractDictionary.Participants, Clusters = ExtractDictionary.Clusters,
        AssessmentsLong = ExtractDictionary.AssessmentsLong, AssessmentsWide = ExtractDictionary.AssessmentsWide,
        Dictionary = "data_dictionary.csv", LoadR = "load.R", LoadStata = "load.do", Manifest = "manifest.json";

    /// <summary>RFC 4180 quoting, invariant culture, no byte order mark; LF line ends, which R and Stata read on every platform.</summary>
    private static readonly CsvWriterOptions Csv = CsvWriterOptions.Default with { NewLine = "\n" };

    /// <summary>A file of the zip; <paramref name="Rows"/> counts data rows, and is null for the scripts.</summary>
    public sealed record FileEntry(string Name, long? Rows, long Bytes, string Sha256);

    public static async Task<IReadOnlyList<FileEntry>> WriteAsync(Stream output, ExtractReader extract, Func<long, Task>? progress, CancellationToken ct)
    {
        var header = extract.Header;
        var dictionary = ExtractDictionary.Of(header);
        var files = new List<FileEntry>();
        await using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            files.Add(await EntryAsync(zip, header, Participants, csv => ParticipantsAsync(csv, dictionary, extract.ParticipantsAsync(ct), ct), ct));
            files.Add(await EntryAsync(zip, header, Clusters, csv => ClustersAsync(csv, dictionary, extract.ClustersAsync(ct), ct), ct));
            files.Add(await EntryAsync(zip, header, AssessmentsLong, csv => LongAsync(csv, dictionary, extract.AssessmentsAsync(progress, ct), ct), ct));
            files.Add(await EntryAsync(zip, header, AssessmentsWide, csv => WideAsync(csv, dictionary, extract.AssessmentsAsync(null, ct), ct), ct));
            files.Add(await EntryAsync(zip, header, Dictionary, csv => DictionaryAsync(csv, dictionary, ct), ct));
            files.Add(await ScriptAsync(zip, header, LoadR, RLoadScript.Write(dictionary), ct));
            files.Add(await ScriptAsync(zip, header, LoadStata, StataLoadScript.Write(dictionary), ct));
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

    private static async Task<FileEntry> ScriptAsync(ZipArchive zip, ExtractHeader header, string name, string script, CancellationToken ct)
    {
        var entry = zip.CreateEntry(name, CompressionLevel.Fastest);
        entry.LastWriteTime = header.CreatedAt;
        await using var entryStream = await entry.OpenAsync(ct);
        await using var hashing = new HashingStream(entryStream, leaveOpen: true);
        await hashing.WriteAsync(new UTF8Encoding(false).GetBytes(script), ct);
        await hashing.FlushAsync(ct);
        return new FileEntry(name, null, hashing.BytesWritten, hashing.Sha256Hex);
    }

    private static Task RowAsync(CsvWriter csv, ExtractDictionary dictionary, string file) =>
        RowAsync(csv, dictionary.File(file).Variables.Select(v => v.Name).ToArray());

    private static async Task<long> ParticipantsAsync(CsvWriter csv, ExtractDictionary dictionary, IAsyncEnumerable<ExtractParticipant> participants,
        CancellationToken ct)
    {
        await RowAsync(csv, dictionary, Participants);
        long rows = 0;
        await foreach (var p in participants.WithCancellation(ct))
        {
            await RowAsync(csv, p.ExternalId, p.Kind, p.ClusterCode, p.SiteCode, p.Arm, Date(p.ConsentDate), Date(p.BaselineDate), p.Status, Date(p.StatusDate));
            rows++;
        }
        return rows;
    }

    /// <summary>The columns follow the dictionary: cluster, site, arm, the stratum of a stratified design, then the covariates in the header's order.</summary>
    private static async Task<long> ClustersAsync(CsvWriter csv, ExtractDictionary dictionary, IAsyncEnumerable<ExtractCluster> clusters, CancellationToken ct)
    {
        await RowAsync(csv, dictionary, Clusters);
        var covariates = dictionary.Header.Design.Covariates;
        long rows = 0;
        await foreach (var c in clusters.WithCancellation(ct))
        {
            string?[] design = dictionary.Stratified ? [c.Code, c.SiteCode, c.Arm, c.Stratum] : [c.Code, c.SiteCode, c.Arm];
            await RowAsync(csv, [.. design, .. covariates.Select(v => c.Covariates.TryGetValue(v.Name, out var value) ? Covariate(value) : null)]);
            rows++;
        }
        return rows;
    }

    private static string? Covariate(CovariateValue value) => value.Category ?? Number(value.Number);

    /// <summary>One row per participant × timepoint × item or scale of the version the assessment was entered with.</summary>
    private static async Task<long> LongAsync(CsvWriter csv, ExtractDictionary dictionary, IAsyncEnumerable<ExtractAssessment> assessments,
        CancellationToken ct)
    {
        var definitions = dictionary.Header.Instruments.ToDictionary(i => (i.Code, i.Version), i => i.Definition);
        await RowAsync(csv, dictionary, AssessmentsLong);
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

    /// <summary>
    /// One row per participant × timepoint, with the participant's cluster, site and arm: the assessments arrive ordered
    /// so, and a row is written when its key changes.
    /// </summary>
    private static async Task<long> WideAsync(CsvWriter csv, ExtractDictionary dictionary, IAsyncEnumerable<ExtractAssessment> assessments,
        CancellationToken ct)
    {
        var layout = dictionary.Wide;
        await RowAsync(csv, dictionary, AssessmentsWide);
        var values = new string?[layout.Columns.Count];
        ExtractAssessment? current = null;
        long rows = 0;
        await foreach (var a in assessments.WithCancellation(ct))
        {
            if (current is { } open && (open.ParticipantExternalId, open.TimepointCode) != (a.ParticipantExternalId, a.TimepointCode))
            {
                await WideRowAsync(csv, open, values);
                rows++;
                Array.Clear(values);
            }
            current = a;
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
            await WideRowAsync(csv, last, values);
            rows++;
        }
        return rows;
    }

    private static Task WideRowAsync(CsvWriter csv, ExtractAssessment key, string?[] values) =>
        RowAsync(csv, [key.ParticipantExternalId, key.TimepointCode, .. values, key.ClusterCode, key.SiteCode, key.Arm]);

    private static async Task<long> DictionaryAsync(CsvWriter csv, ExtractDictionary dictionary, CancellationToken ct)
    {
        await RowAsync(csv, "file", "variable", "label", "type", "allowed_values", "missing_codes", "derivation");
        var rows = 0L;
        foreach (var file in dictionary.Files)
            foreach (var v in file.Variables)
            {
                await RowAsync(csv, file.Name, v.Name, v.Label, v.Type, v.AllowedText, v.MissingText, v.Derivation);
                rows++;
            }
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
        await JsonSerializer.SerializeAsync(stream, manifest,
            new JsonSerializerOptions { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull }, ct);
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

    private static string? Number(double? value) => value is { } number ? ExtractDictionary.Number(number) : null;
    private static string Integer(int value) => value.ToString(CultureInfo.InvariantCulture);
    private static string? Date(DateOnly? date) => date?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
