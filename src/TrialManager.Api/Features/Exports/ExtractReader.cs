using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;
using TrialManager.Api.Features.Outcomes.Scoring;
using TrialManager.Api.Features.Blinding;
using TrialManager.Api.Features.Randomisation;
using TrialManager.Data;
using TrialManager.Data.Exports;
using TrialManager.Data.Trials;

namespace TrialManager.Api.Features.Exports;

/// <summary>
/// Reads an extract from the database: the design once (with the clusters, which are few), then the participants and
/// assessments as streams, each on its own connection and one row at a time, so that memory stays flat however large
/// the trial and a writer may interleave the streams.
/// Arms are resolved here, in one place: in a blinded extract every arm becomes its masked code before any writer
/// sees it, and a missing mask is an error rather than a fall-back to the real code. Participants who withdrew their
/// data are left out, with their assessments.
/// </summary>
public sealed class ExtractReader
{
    private const string WithdrawnData = "withdrawn-data";

    private readonly NpgsqlDataSource _data;
    private readonly Export _export;
    private readonly IReadOnlyDictionary<string, string>? _masks;

    private List<ExtractCluster> _clusters = [];

    private ExtractReader(NpgsqlDataSource data, Export export, IReadOnlyDictionary<string, string>? masks)
    {
        _data = data;
        _export = export;
        _masks = masks;
    }

    public ExtractHeader Header { get; private set; } = null!;

    public static async Task<ExtractReader> OpenAsync(TrialManagerDbContext db, NpgsqlDataSource data, Export export, DateTimeOffset createdAt,
        CancellationToken ct)
    {
        var trial = await db.Trials.AsNoTracking().Where(t => t.Id == export.TrialId).Select(t => new { t.Code, t.Title }).SingleAsync(ct);
        var requester = await db.Users.AsNoTracking().Where(u => u.Id == export.RequestedBy).Select(u => u.UserName).SingleAsync(ct);
        var arms = await db.TrialArms.AsNoTracking().Where(a => a.TrialId == export.TrialId).OrderBy(a => a.Position)
            .Select(a => new ExtractArm(a.Code, a.Label)).ToListAsync(ct);
        var scheme = await db.RandomisationSchemes.AsNoTracking().Where(s => s.TrialId == export.TrialId)
            .Select(s => new { s.Settings, s.SealedAt, s.MaskedArms }).SingleOrDefaultAsync(ct);
        IReadOnlyDictionary<string, string>? masks = null;
        if (export.Blinded)
        {
            masks = ArmMasks.FromJson(scheme?.MaskedArms);
            // Listed in the order of the masked codes, never in the order of the arms they stand for.
            arms = masks.Values.Order(StringComparer.Ordinal).Select(m => new ExtractArm(m, m)).ToList();
        }
        var timepoints = await db.Timepoints.AsNoTracking()
            .Where(t => t.TrialId == export.TrialId && (export.Timepoints == null || export.Timepoints.Contains(t.Code)))
            .OrderBy(t => t.OffsetDays).ThenBy(t => t.Code)
            .Select(t => new ExtractTimepoint(t.Code, t.Label, t.OffsetDays, t.WindowDaysBefore, t.WindowDaysAfter))
            .ToListAsync(ct);
        var instruments = (await db.Instruments.AsNoTracking()
                .Where(i => i.TrialId == export.TrialId && (export.Instruments == null || export.Instruments.Contains(i.Code)))
                .OrderBy(i => i.Code).ThenBy(i => i.Version)
                .Select(i => new { i.Code, i.Version, i.Definition })
                .ToListAsync(ct))
            .Select(i => new ExtractInstrument(i.Code, i.Version, InstrumentDefinition.FromJson(i.Definition)))
            .ToList();
        var sites = await db.Sites.AsNoTracking().Where(s => s.TrialId == export.TrialId).OrderBy(s => s.Code).Select(s => s.Code).ToListAsync(ct);

        var reader = new ExtractReader(data, export, masks);
        var clusters = reader._clusters = await reader.ReadClustersAsync(ct);
        var randomisation = scheme is { SealedAt: not null } ? RandomisationOf(SchemeDefinition.FromJson(scheme.Settings), clusters) : null;
        var design = new ExtractClusterDesign(sites, clusters.Select(c => c.Code).ToList(), CovariatesOf(clusters), randomisation);
        reader.Header = new ExtractHeader(export.TrialId, trial.Code, trial.Title, export.Blinded, createdAt, requester, arms, timepoints, instruments,
            design);
        return reader;
    }

    /// <summary>
    /// Each covariate any cluster has, numeric only if every value is a number (the trial keeps one type per name), with
    /// the categories in ordinal order.
    /// </summary>
    private static List<ExtractCovariate> CovariatesOf(IReadOnlyList<ExtractCluster> clusters) =>
        clusters.SelectMany(c => c.Covariates).GroupBy(p => p.Key, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => g.All(p => p.Value.IsNumeric)
                ? new ExtractCovariate(g.Key, true, [])
                : new ExtractCovariate(g.Key, false, g.Select(p => Text(p.Value)).Distinct().Order(StringComparer.Ordinal).ToList()))
            .ToList();

    private static string Text(CovariateValue value) => value.Category ?? value.Number!.Value.ToString("R", CultureInfo.InvariantCulture);

    private static ExtractRandomisation RandomisationOf(SchemeDefinition scheme, IReadOnlyList<ExtractCluster> clusters)
    {
        static string Weight(double? weight) => (weight ?? 1).ToString("R", CultureInfo.InvariantCulture);
        var uses = scheme.Method switch
        {
            SchemeDefinition.StratifiedBlock => scheme.Strata!.ToDictionary(s => s, _ => "stratification factor"),
            SchemeDefinition.Minimisation => scheme.Factors!.ToDictionary(f => f.Name!, f => $"minimisation factor, weight {Weight(f.Weight)}"),
            SchemeDefinition.Constrained => scheme.Covariates!.ToDictionary(c => c.Name!, c => $"balanced by the constrained randomisation, weight {Weight(c.Weight)}"),
            _ => [],
        };
        var strata = clusters.Select(c => c.Stratum).OfType<string>().Distinct().Order(StringComparer.Ordinal).ToList();
        return new ExtractRandomisation(scheme.Method, uses, scheme.Method == SchemeDefinition.StratifiedBlock ? scheme.Strata : null, strata);
    }

    public async Task<long> CountAssessmentsAsync(CancellationToken ct)
    {
        await using var command = _data.CreateCommand($"SELECT count(*) FROM ({AssessmentsSql}) a");
        AddFilters(command);
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Read with the design, so that the clusters' rows and the levels the dictionary lists for them agree.</summary>
    public async IAsyncEnumerable<ExtractCluster> ClustersAsync([EnumeratorCancellation] CancellationToken ct)
    {
        foreach (var cluster in _clusters)
        {
            ct.ThrowIfCancellationRequested();
            yield return cluster;
        }
        await Task.CompletedTask;
    }

    /// <summary>A trial has tens or hundreds of clusters, never so many that they do not fit in memory.</summary>
    private async Task<List<ExtractCluster>> ReadClustersAsync(CancellationToken ct)
    {
        await using var command = _data.CreateCommand("""
            SELECT c.code, s.code, a.arm, c.covariates::text, a.stratum
            FROM clusters c JOIN sites s ON s.id = c.site_id LEFT JOIN allocations a ON a.cluster_id = c.id
            WHERE c.trial_id = @trial
            ORDER BY s.code, c.code
            """);
        command.Parameters.AddWithValue("trial", _export.TrialId);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var clusters = new List<ExtractCluster>();
        while (await reader.ReadAsync(ct))
            clusters.Add(new ExtractCluster(reader.GetString(0), reader.GetString(1), Arm(reader, 2),
                Covariates.FromJson(reader.GetString(3)).Values, reader.IsDBNull(4) ? null : reader.GetString(4)));
        return clusters;
    }

    public async IAsyncEnumerable<ExtractParticipant> ParticipantsAsync([EnumeratorCancellation] CancellationToken ct)
    {
        await using var command = _data.CreateCommand($"""
            SELECT p.external_id, p.kind, c.code, s.code, a.arm, p.consent_date, p.baseline_date, p.status, p.status_date
            FROM participants p JOIN clusters c ON c.id = p.cluster_id JOIN sites s ON s.id = c.site_id
              LEFT JOIN allocations a ON a.cluster_id = p.cluster_id
            WHERE p.trial_id = @trial AND p.status <> '{WithdrawnData}'
            ORDER BY p.external_id
            """);
        command.Parameters.AddWithValue("trial", _export.TrialId);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            yield return new ExtractParticipant(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), Arm(reader, 4),
                reader.GetFieldValue<DateOnly>(5), reader.GetFieldValue<DateOnly>(6), reader.GetString(7),
                reader.IsDBNull(8) ? null : reader.GetFieldValue<DateOnly>(8));
    }

    /// <summary>Ordered by participant, then timepoint (by its offset), then instrument.</summary>
    public async IAsyncEnumerable<ExtractAssessment> AssessmentsAsync(Func<long, Task>? progress, [EnumeratorCancellation] CancellationToken ct)
    {
        await using var command = _data.CreateCommand(AssessmentsSql + " ORDER BY p.external_id, t.offset_days, t.code, a.instrument_code");
        AddFilters(command);
        await using var reader = await command.ExecuteReaderAsync(ct);
        long rows = 0;
        while (await reader.ReadAsync(ct))
        {
            yield return new ExtractAssessment(reader.GetString(0), reader.GetString(10), reader.GetString(11), Arm(reader, 12),
                reader.GetString(1), reader.GetString(2), reader.GetInt32(3), reader.GetString(4),
                reader.GetFieldValue<DateOnly>(5), reader.GetBoolean(6), reader.GetInt32(7),
                JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(reader.GetString(8))!,
                JsonSerializer.Deserialize<Dictionary<string, double?>>(reader.GetString(9))!);
            if (++rows % 2000 == 0 && progress is not null)
                await progress(rows);
        }
    }

    private const string AssessmentsSql = $"""
        SELECT p.external_id, a.timepoint_code, a.instrument_code, a.instrument_version, a.status, a.assessed_on, a.out_of_window,
               a.days_out_of_window, a.answers::text, a.scores::text, c.code, s.code, al.arm
        FROM assessments a JOIN participants p ON p.id = a.participant_id
          JOIN timepoints t ON t.trial_id = a.trial_id AND t.code = a.timepoint_code
          JOIN clusters c ON c.id = p.cluster_id JOIN sites s ON s.id = c.site_id LEFT JOIN allocations al ON al.cluster_id = c.id
        WHERE a.trial_id = @trial AND p.status <> '{WithdrawnData}'
          AND (@timepoints::text[] IS NULL OR a.timepoint_code = ANY(@timepoints))
          AND (@instruments::text[] IS NULL OR a.instrument_code = ANY(@instruments))
        """;

    private void AddFilters(NpgsqlCommand command)
    {
        command.Parameters.AddWithValue("trial", _export.TrialId);
        command.Parameters.Add(new NpgsqlParameter("timepoints", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = (object?)_export.Timepoints ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("instruments", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = (object?)_export.Instruments ?? DBNull.Value });
    }

    private string? Arm(NpgsqlDataReader reader, int ordinal)
    {
        if (reader.IsDBNull(ordinal))
            return null;
        var arm = reader.GetString(ordinal);
        if (_masks is null)
            return arm;
        return _masks.TryGetValue(arm, out var mask) ? mask
            : throw new InvalidOperationException("An allocated arm has no masked code; a blinded extract cannot be written.");
    }
}
