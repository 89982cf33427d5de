// TrialManager benchmarks: a console program, not tests (see DESIGN.md "Benchmarks").
//
//   dotnet run -c Release --project tests/TrialManager.Benchmarks -- all
//   dotnet run -c Release --project tests/TrialManager.Benchmarks -- participants.create.rps [more names...]
//
// Each figure prints one line on stdout, so that results can be compared over time:
//   BENCH <name> <value> <unit> [ratio=<value/reference>] [reference=<value> <unit>]
// Progress and warnings (e.g. a figure below what its issue requires) go to stderr.
//
// Database: ConnectionStrings__TrialManager when set (used as is, never dropped; the login needs to be allowed to
// write to it, and if it already has a system admin, Bootstrap__AdminToken must be that admin's token).
// Otherwise a fresh database trialmanager_bench_<random> is created on the local PostgreSQL 15 that
// deploy/local/postgres.sh sets up, and dropped at the end.
//
// Durations: BENCH_WARMUP_SECONDS (default 10) and BENCH_SECONDS (default 10) per measured run; the pgbench
// references run for the same durations. pgbench is /usr/bin/pgbench, or the program named in PGBENCH.
//
// Exit codes: 0 all figures measured, 1 a figure failed, 2 bad arguments, 130 cancelled (Ctrl+C).

using TrialManager.Benchmarks.Figures;
using TrialManager.Benchmarks.Infrastructure;

namespace TrialManager.Benchmarks;

public static class BenchmarkProgram
{
    /// <summary>
    /// The set-up and measured rate that the two assessment figures share: the latency is measured at half the rate.
    /// (Declared before <see cref="Figures"/>, since static fields are initialised in order.)
    /// </summary>
    private static readonly AssessmentSaves AssessmentSaves = new();

    /// <summary>Every figure this program knows, in the order `all` runs them. Add new figures here.</summary>
    private static readonly IFigure[] Figures =
    [
        new ParticipantsCreate(),
        new AuditOverhead(),
        new AuditVerify(),
        new ConstrainedEnumeration(),
        new AssessmentSaveRate(AssessmentSaves),
        new AssessmentSaveLatency(AssessmentSaves),
        new AssessmentSaveOverload(AssessmentSaves),
        new ExportCsvSeconds(),
        new ExportCsvPeakMemory(),
    ];

    public static async Task<int> Main(string[] args)
    {
        if (SelectFigures(args) is not { } selected)
            return 2;

        BenchSettings settings;
        try
        {
            settings = BenchSettings.FromEnvironment();
        }
        catch (FormatException e)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }

        // Ctrl+C stops the measurement but still lets the database be dropped.
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };

        await using var database = await BenchDatabase.OpenAsync(stop.Token);
        var context = new BenchContext(database, settings);
        var failed = false;
        foreach (var figure in selected)
        {
            try
            {
                // Each figure starts from a settled database, not from the dead rows and stale statistics of the last.
                await SettleAsync(database, stop.Token);
                Console.Error.WriteLine($"[{figure.Name}] running...");
                var result = await figure.RunAsync(context, stop.Token);
                Console.WriteLine(result);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                Console.Error.WriteLine("Cancelled.");
                return 130;
            }
            catch (Exception e)
            {
                // One broken figure should not hide the others' results.
                Console.Error.WriteLine($"[{figure.Name}] FAILED: {e}");
                failed = true;
            }
        }
        return failed ? 1 : 0;
    }

    private static async Task SettleAsync(BenchDatabase database, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var vacuum = new Npgsql.NpgsqlCommand("VACUUM (ANALYZE)", connection) { CommandTimeout = 600 };
        await vacuum.ExecuteNonQueryAsync(ct);
        await using var checkpoint = new Npgsql.NpgsqlCommand("CHECKPOINT", connection);
        try
        {
            await checkpoint.ExecuteNonQueryAsync(ct);
        }
        catch (Npgsql.PostgresException e) when (e.SqlState == Npgsql.PostgresErrorCodes.InsufficientPrivilege)
        {
            // Only superusers (and pg_checkpoint members) may force a checkpoint; the vacuum is what matters most.
        }
    }

    /// <summary>`all`, or a list of figure names; anything else lists the known names. Null means "exit 2".</summary>
    private static IReadOnlyList<IFigure>? SelectFigures(string[] args)
    {
        var known = Figures.ToDictionary(f => f.Name, StringComparer.Ordinal);
        var unknown = args.Where(a => a != "all" && !known.ContainsKey(a)).ToList();
        if (args.Length == 0 || unknown.Count > 0)
        {
            if (unknown.Count > 0)
                Console.Error.WriteLine($"Unknown figure(s): {string.Join(", ", unknown)}");
            Console.Error.WriteLine("Usage: dotnet run -c Release --project tests/TrialManager.Benchmarks -- all | <figure>...");
            Console.Error.WriteLine("Known figures:");
            foreach (var figure in Figures)
                Console.Error.WriteLine($"  {figure.Name}");
            return null;
        }
        return args.Contains("all") ? Figures : args.Distinct().Select(a => known[a]).ToList();
    }
}
